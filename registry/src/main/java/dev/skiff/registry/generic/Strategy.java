package dev.skiff.registry.generic;

import dev.skiff.api.errors.ApiException.Cause;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Per-resource behaviour for {@link GenericRegistry}, as upstream's RESTCreateStrategy /
 * RESTUpdateStrategy / RESTDeleteStrategy. Strategies get their own copy of the object to mutate.
 * Common metadata rules (name/namespace presence, immutable uid, no new finalizers while deleting)
 * are checked by the registry; {@code validate} covers the resource's own fields and name format.
 */
public interface Strategy<T extends HasMetadata> {

    boolean namespaced();

    /** Clears or sets fields the client may not choose on create (e.g. status). */
    default void prepareForCreate(T object) {
    }

    /** Carries over fields the client may not change on update (e.g. status on the main resource). */
    default void prepareForUpdate(T object, T old) {
    }

    List<Cause> validate(T object);

    List<Cause> validateUpdate(T object, T old);

    /** Normalizes after validation, before storing. */
    default void canonicalize(T object) {
    }

    /** Whether an update of a missing object creates it (upstream's AllowCreateOnUpdate). */
    default boolean allowCreateOnUpdate() {
        return false;
    }

    /** Whether an update without resourceVersion is accepted (last write wins). */
    default boolean allowUnconditionalUpdate() {
        return true;
    }

    /**
     * Whether the registry keeps {@code metadata.generation}: 1 on create, +1 on an update where
     * {@link #spec} changed. Upstream does this in each strategy that has a spec.
     */
    default boolean tracksGeneration() {
        return false;
    }

    /** The part whose change bumps generation; compared by value. */
    default Object spec(T object) {
        return null;
    }

    /** Everything that must be cleared before a deleting object is removed: metadata.finalizers, plus e.g. a namespace's spec.finalizers. */
    default List<String> pendingFinalizers(T object) {
        List<String> finalizers = object.getMetadata().getFinalizers();
        return finalizers == null ? List.of() : finalizers;
    }

    /** Applied when a delete marks the object (deletionTimestamp set) instead of removing it, e.g. namespace phase Terminating. */
    default void prepareForDeletion(T object) {
    }

    /**
     * Upstream's CheckGracefulDelete: the grace period a delete waits before the object goes
     * ({@code requested}: the DeleteOptions' gracePeriodSeconds, null when not given); empty for
     * resources deleted at once.
     */
    default java.util.OptionalLong gracefulDeletionSeconds(T existing, Long requested) {
        return java.util.OptionalLong.empty();
    }

    /** A reason to refuse a delete with 409 Conflict (e.g. a namespace already being emptied). */
    default Optional<String> refuseDelete(T existing) {
        return Optional.empty();
    }

    /** Validation of a status update; the main update's by default (the spec is the stored one by then). */
    default List<Cause> validateStatusUpdate(T object, T old) {
        return validateUpdate(object, old);
    }

    /**
     * Subresources that update the same object under their own update strategy, by name: "status"
     * (a {@link StatusStrategy}) and e.g. a namespace's "finalize", as upstream's StatusREST and FinalizeREST.
     */
    default Map<String, Strategy<T>> subresourceStrategies() {
        return Map.of();
    }

    /** The scale subresource's mapping, when the resource has one. */
    default Optional<ScaleSubresource<T>> scale() {
        return Optional.empty();
    }
}
