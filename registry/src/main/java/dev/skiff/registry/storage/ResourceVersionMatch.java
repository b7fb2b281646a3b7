package dev.skiff.registry.storage;

/** metav1.ResourceVersionMatch; UNSET is the legacy behaviour chosen by resourceVersion and limit. */
public enum ResourceVersionMatch { UNSET, NOT_OLDER_THAN, EXACT }
