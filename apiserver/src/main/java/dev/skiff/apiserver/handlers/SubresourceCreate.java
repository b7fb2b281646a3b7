package dev.skiff.apiserver.handlers;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * A POST-only subresource that takes an object of another kind and acts on its parent, as
 * upstream's BindingREST and EvictionREST: the body is decoded as {@code bodyType} (kind and
 * apiVersion checked as for any create) and handed over with the parent's namespace and name.
 */
public record SubresourceCreate<B extends HasMetadata>(Class<B> bodyType, Action<B> action, java.util.Set<String> alsoAccepted) {

    public SubresourceCreate(Class<B> bodyType, Action<B> action) {
        this(bodyType, action, java.util.Set.of());
    }

    /**
     * Also takes bodies of these other apiVersions with the same schema, as upstream's
     * GroupVersionAcceptor (pods/eviction accepts policy/v1beta1 Evictions, which clients such as
     * fabric8's evict() still send).
     */
    public SubresourceCreate<B> accepting(String... apiVersions) {
        return new SubresourceCreate<>(bodyType, action, java.util.Set.of(apiVersions));
    }

    @FunctionalInterface
    public interface Action<B> {
        /** Performs the action; upstream answers these with a Success Status (201). */
        void create(String namespace, String name, B body, boolean dryRun);
    }
}
