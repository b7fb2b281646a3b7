package dev.skiff.registry.core.namespace;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceSpec;
import io.fabric8.kubernetes.api.model.NamespaceStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Namespaces as upstream's pkg/registry/core/namespace: cluster-scoped; created Active with the
 * "kubernetes" spec finalizer; a delete marks them Terminating and they stay until the namespace
 * controller has emptied them and cleared spec.finalizers through {@link #finalizeStrategy()}.
 */
public final class NamespaceStrategy implements Strategy<Namespace> {
    public static final Resource<Namespace> RESOURCE =
            Resource.of("", "namespaces", "Namespace", false, Namespace.class, Namespace::new);
    public static final String FINALIZER_KUBERNETES = "kubernetes";
    static final String METADATA_NAME_LABEL = "kubernetes.io/metadata.name";
    /** Upstream's words, double space included. */
    static final String BEING_EMPTIED = "The system is ensuring all content is removed from this namespace.  "
            + "Upon completion, this namespace will automatically be purged by the system.";

    @Override
    public boolean namespaced() {
        return false;
    }

    @Override
    public void prepareForCreate(Namespace namespace) {
        namespace.setStatus(new NamespaceStatus(List.of(), "Active"));
        if (namespace.getSpec() == null) {
            namespace.setSpec(new NamespaceSpec());
        }
        List<String> finalizers = new ArrayList<>(namespace.getSpec().getFinalizers());
        if (!finalizers.contains(FINALIZER_KUBERNETES)) {
            finalizers.add(FINALIZER_KUBERNETES);
        }
        namespace.getSpec().setFinalizers(finalizers);
    }

    @Override
    public void prepareForUpdate(Namespace namespace, Namespace old) {
        namespace.setSpec(old.getSpec());
        namespace.setStatus(old.getStatus());
    }

    @Override
    public List<Cause> validate(Namespace namespace) {
        return List.of(); // metadata, including the name (an RFC 1123 label), is checked by the generic registry
    }

    @Override
    public List<Cause> validateUpdate(Namespace namespace, Namespace old) {
        return validate(namespace);
    }

    /** The label that mirrors the name, set here so generateName'd namespaces get it too. */
    @Override
    public void canonicalize(Namespace namespace) {
        var labels = namespace.getMetadata().getLabels() == null
                ? new HashMap<String, String>() : new HashMap<>(namespace.getMetadata().getLabels());
        labels.put(METADATA_NAME_LABEL, namespace.getMetadata().getName());
        namespace.getMetadata().setLabels(labels);
    }

    @Override
    public List<String> pendingFinalizers(Namespace namespace) {
        List<String> all = new ArrayList<>(Strategy.super.pendingFinalizers(namespace));
        if (namespace.getSpec() != null) {
            all.addAll(namespace.getSpec().getFinalizers());
        }
        return all;
    }

    @Override
    public void prepareForDeletion(Namespace namespace) {
        if (namespace.getStatus() == null) {
            namespace.setStatus(new NamespaceStatus());
        }
        namespace.getStatus().setPhase("Terminating");
    }

    @Override
    public Optional<String> refuseDelete(Namespace existing) {
        boolean terminating = existing.getMetadata().getDeletionTimestamp() != null;
        boolean specFinalizers = existing.getSpec() != null && !existing.getSpec().getFinalizers().isEmpty();
        return terminating && specFinalizers ? Optional.of(BEING_EMPTIED) : Optional.empty();
    }

    /** namespaces/status (the status may change, the spec stays) and namespaces/finalize. */
    @Override
    public Map<String, Strategy<Namespace>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (namespace, old) -> namespace.setSpec(old.getSpec())),
                "finalize", finalizeStrategy());
    }

    /** The namespaces/finalize subresource: only spec.finalizers may change. */
    public static Strategy<Namespace> finalizeStrategy() {
        NamespaceStrategy main = new NamespaceStrategy();
        return new Strategy<>() {
            @Override
            public boolean namespaced() {
                return false;
            }

            @Override
            public void prepareForUpdate(Namespace namespace, Namespace old) {
                var finalizers = namespace.getSpec() == null ? List.<String>of() : namespace.getSpec().getFinalizers();
                var metadata = namespace.getMetadata();
                namespace.setMetadata(old.getMetadata());
                namespace.getMetadata().setResourceVersion(metadata.getResourceVersion());
                namespace.setStatus(old.getStatus());
                namespace.setSpec(new NamespaceSpec(finalizers));
            }

            @Override
            public List<Cause> validate(Namespace namespace) {
                return main.validate(namespace);
            }

            @Override
            public List<Cause> validateUpdate(Namespace namespace, Namespace old) {
                return main.validate(namespace);
            }

            @Override
            public void canonicalize(Namespace namespace) {
                main.canonicalize(namespace);
            }

            @Override
            public List<String> pendingFinalizers(Namespace namespace) {
                return main.pendingFinalizers(namespace);
            }

            @Override
            public Optional<String> refuseDelete(Namespace existing) {
                return main.refuseDelete(existing);
            }
        };
    }
}
