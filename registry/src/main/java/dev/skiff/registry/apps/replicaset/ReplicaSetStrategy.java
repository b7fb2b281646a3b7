package dev.skiff.registry.apps.replicaset;

import dev.skiff.api.selector.LabelSelectors;
import dev.skiff.registry.generic.ScaleSubresource;
import java.util.Optional;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.apps.Workloads;
import dev.skiff.registry.core.pod.PodTemplates;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** ReplicaSets as upstream's pkg/registry/apps/replicaset: replicas default 1, selector rules, status kept on update. */
public final class ReplicaSetStrategy implements Strategy<ReplicaSet> {
    public static final Resource<ReplicaSet> RESOURCE =
            Resource.of("apps", "replicasets", "ReplicaSet", true, ReplicaSet.class, ReplicaSet::new);

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(ReplicaSet rs) {
        rs.setStatus(null);
        setDefaults(rs);
    }

    @Override
    public void prepareForUpdate(ReplicaSet rs, ReplicaSet old) {
        rs.setStatus(old.getStatus());
        setDefaults(rs);
    }

    private static void setDefaults(ReplicaSet rs) {
        ReplicaSetSpec spec = Workloads.spec(rs.getSpec(), ReplicaSetSpec::new, rs::setSpec);
        if (spec.getReplicas() == null) {
            spec.setReplicas(1);
        }
        PodTemplates.setDefaults(spec.getTemplate());
    }

    @Override
    public List<Cause> validate(ReplicaSet rs) {
        ReplicaSetSpec spec = rs.getSpec() == null ? new ReplicaSetSpec() : rs.getSpec();
        List<Cause> causes = new ArrayList<>();
        causes.addAll(Workloads.replicas(spec.getReplicas(), "spec.replicas"));
        causes.addAll(Workloads.nonNegative(spec.getMinReadySeconds(), "spec.minReadySeconds"));
        causes.addAll(PodTemplates.validateSelector(spec.getSelector(), spec.getTemplate(), "spec", "empty selector is invalid for deployment"));
        causes.addAll(PodTemplates.validate(spec.getTemplate(), "spec.template", Workloads.ALWAYS));
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(ReplicaSet rs, ReplicaSet old) {
        List<Cause> causes = new ArrayList<>(validate(rs));
        causes.addAll(Workloads.immutableSelector(rs.getSpec().getSelector(), old.getSpec().getSelector(), "spec.selector"));
        return causes;
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(ReplicaSet rs) {
        return rs.getSpec();
    }

    @Override
    public Map<String, Strategy<ReplicaSet>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (rs, old) -> rs.setSpec(old.getSpec())));
    }

    @Override
    public Optional<ScaleSubresource<ReplicaSet>> scale() {
        return Optional.of(new ScaleSubresource<>(r -> r.getSpec().getReplicas(), (r, n) -> r.getSpec().setReplicas(n),
                r -> r.getStatus() == null || r.getStatus().getReplicas() == null ? 0 : r.getStatus().getReplicas(),
                r -> LabelSelectors.format(r.getSpec().getSelector())));
    }
}
