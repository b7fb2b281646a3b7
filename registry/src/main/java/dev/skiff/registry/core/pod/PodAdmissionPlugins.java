package dev.skiff.registry.core.pod;

/**
 * Which of the pod admission plugins skiff runs inside the pod strategy are on: Priority (the
 * priority from the PriorityClass, {@link PodPriority}) and DefaultTolerationSeconds (tolerate
 * not-ready/unreachable for 300 s), turned off by kube-apiserver's --disable-admission-plugins.
 */
public record PodAdmissionPlugins(boolean priority, boolean defaultTolerationSeconds) {
    public static final PodAdmissionPlugins ALL = new PodAdmissionPlugins(true, true);
}
