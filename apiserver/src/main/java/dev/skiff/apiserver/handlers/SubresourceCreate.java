package dev.skiff.apiserver.handlers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Set;

/**
 * A POST-only subresource that takes an object of another kind and acts on its parent, as
 * upstream's BindingREST, EvictionREST and TokenREST: the body is decoded as {@code bodyType} (kind
 * and apiVersion checked as for any create, {@code alsoAccepted} apiVersions too) and handed over
 * with the parent's namespace and name. The answer is 201 with the object the responder returns
 * (and its warnings as Warning headers), or a Success Status when it returns none.
 */
public record SubresourceCreate<B extends HasMetadata>(Class<B> bodyType, Responder<B> responder, Set<String> alsoAccepted) {

    /** A subresource answered with a Success Status (binding, eviction). */
    public static <B extends HasMetadata> SubresourceCreate<B> acting(Class<B> bodyType, Action<B> action) {
        return new SubresourceCreate<>(bodyType, (namespace, name, body, dryRun) -> {
            action.create(namespace, name, body, dryRun);
            return Answer.NONE;
        }, Set.of());
    }

    /** A subresource answered with an object of its own kind (serviceaccounts/token answers the TokenRequest). */
    public static <B extends HasMetadata> SubresourceCreate<B> answering(Class<B> bodyType, Responder<B> responder) {
        return new SubresourceCreate<>(bodyType, responder, Set.of());
    }

    /**
     * Also takes bodies of these other apiVersions with the same schema, as upstream's
     * GroupVersionAcceptor (pods/eviction accepts policy/v1beta1 Evictions, which clients such as
     * fabric8's evict() still send).
     */
    public SubresourceCreate<B> accepting(String... apiVersions) {
        return new SubresourceCreate<>(bodyType, responder, Set.of(apiVersions));
    }

    @FunctionalInterface
    public interface Action<B> {
        /** Performs the action; upstream answers these with a Success Status (201). */
        void create(String namespace, String name, B body, boolean dryRun);
    }

    @FunctionalInterface
    public interface Responder<B> {
        /** Performs the action and returns the answer ({@link Answer#NONE} for a Success Status). */
        Answer create(String namespace, String name, B body, boolean dryRun);
    }

    /** What a subresource answers: an object (null: a Success Status) and warnings for the client (upstream's warning.AddWarning). */
    public record Answer(HasMetadata object, List<String> warnings) {
        public static final Answer NONE = new Answer(null, List.of());

        public Answer {
            warnings = List.copyOf(warnings);
        }

        public static Answer of(HasMetadata object) {
            return new Answer(object, List.of());
        }
    }
}
