package dev.skiff.registry.generic;

/**
 * metav1.DeleteOptions, parsed. {@code gracePeriodSeconds} null = the resource's default;
 * {@code propagationPolicy} null, "Background", "Foreground" or "Orphan".
 */
public record DeleteOptions(Long gracePeriodSeconds, String preconditionUid, String preconditionResourceVersion,
                            String propagationPolicy, boolean dryRun) {

    public static final DeleteOptions DEFAULT = new DeleteOptions(null, null, null, null, false);

    public DeleteOptions withDryRun() {
        return new DeleteOptions(gracePeriodSeconds, preconditionUid, preconditionResourceVersion, propagationPolicy, true);
    }

    public DeleteOptions withPreconditions(String uid, String resourceVersion) {
        return new DeleteOptions(gracePeriodSeconds, uid, resourceVersion, propagationPolicy, dryRun);
    }

    public DeleteOptions withPropagationPolicy(String policy) {
        return new DeleteOptions(gracePeriodSeconds, preconditionUid, preconditionResourceVersion, policy, dryRun);
    }
}
