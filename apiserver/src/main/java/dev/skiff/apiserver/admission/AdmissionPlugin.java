package dev.skiff.apiserver.admission;

import dev.skiff.registry.generic.StoreHooks;

/**
 * One admission plugin, as upstream's admission.Interface: it may mutate a request
 * ({@link #admit}) and may reject it ({@link #validate}, or {@link #validateObject} on the decoded
 * object as the registry writes it) by throwing an ApiException.
 */
public interface AdmissionPlugin {
    String name();

    /** True for the operations this plugin looks at (upstream's Handles). */
    default boolean handles(AdmissionAttributes attributes) {
        return true;
    }

    /** Mutating phase: returns the attributes to pass on (the same ones when nothing changes). */
    default AdmissionAttributes admit(AdmissionAttributes attributes) {
        return attributes;
    }

    /** Validating phase: runs after every plugin has mutated; throws to reject. */
    default void validate(AdmissionAttributes attributes) {
    }

    /**
     * Validating phase on the decoded object, run by the registry right before the write (upstream
     * plugins see the object there); what it reserves comes back as a transaction the registry
     * commits or reverts with the write.
     */
    default StoreHooks.Transaction validateObject(ObjectAttributes attributes) {
        return StoreHooks.Transaction.NONE;
    }
}
