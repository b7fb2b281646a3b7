package dev.skiff.apiserver.admission;

/**
 * One admission plugin, as upstream's admission.Interface: it may mutate a request
 * ({@link #admit}) and may reject it ({@link #validate}) by throwing an ApiException.
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
}
