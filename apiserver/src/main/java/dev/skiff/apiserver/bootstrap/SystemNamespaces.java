package dev.skiff.apiserver.bootstrap;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.generic.GenericRegistry;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.util.List;

/**
 * The namespaces every cluster has, created at start when missing, as kube-apiserver's
 * system namespaces controller (and the default namespace from the bootstrap controller) do.
 */
public final class SystemNamespaces {
    public static final List<String> NAMES = List.of("default", "kube-system", "kube-public", "kube-node-lease");

    private SystemNamespaces() {
    }

    /** Idempotent: an existing namespace (or one created concurrently) is left alone. */
    public static void ensure(GenericRegistry<Namespace> namespaces) {
        for (String name : NAMES) {
            try {
                namespaces.get(null, name);
            } catch (ApiException e) {
                if (e.code() != 404) {
                    throw e;
                }
                try {
                    namespaces.create(null, new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build(), false);
                } catch (ApiException created) {
                    if (!"AlreadyExists".equals(created.reason())) {
                        throw created;
                    }
                }
            }
        }
    }
}
