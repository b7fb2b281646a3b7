package dev.skiff.apiserver.handlers;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * A POST-only subresource that takes an object of another kind and acts on its parent, as
 * upstream's BindingREST and EvictionREST: the body is decoded as {@code bodyType} (kind and
 * apiVersion checked as for any create) and handed over with the parent's namespace and name.
 */
public record SubresourceCreate<B extends HasMetadata>(Class<B> bodyType, Action<B> action) {

    @FunctionalInterface
    public interface Action<B> {
        /** Performs the action; upstream answers these with a Success Status (201). */
        void create(String namespace, String name, B body, boolean dryRun);
    }
}
