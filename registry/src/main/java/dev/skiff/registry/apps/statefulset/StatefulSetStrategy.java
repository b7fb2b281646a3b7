package dev.skiff.registry.apps.statefulset;

import dev.skiff.api.selector.LabelSelectors;
import dev.skiff.registry.generic.ScaleSubresource;
import java.util.Optional;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.apps.Workloads;
import dev.skiff.registry.core.pod.PodTemplates;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateStatefulSetStrategy;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetPersistentVolumeClaimRetentionPolicy;
import io.fabric8.kubernetes.api.model.apps.StatefulSetSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** StatefulSets as upstream's pkg/registry/apps/statefulset: apps/v1 defaults, validation, the fields an update may change. */
public final class StatefulSetStrategy implements Strategy<StatefulSet> {
    public static final Resource<StatefulSet> RESOURCE =
            Resource.of("apps", "statefulsets", "StatefulSet", true, StatefulSet.class, StatefulSet::new);

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(StatefulSet s) {
        s.setStatus(null);
        setDefaults(s);
    }

    @Override
    public void prepareForUpdate(StatefulSet s, StatefulSet old) {
        s.setStatus(old.getStatus());
        setDefaults(s);
    }

    private static void setDefaults(StatefulSet s) {
        StatefulSetSpec spec = Workloads.spec(s.getSpec(), StatefulSetSpec::new, s::setSpec);
        if (spec.getPodManagementPolicy() == null || spec.getPodManagementPolicy().isEmpty()) {
            spec.setPodManagementPolicy("OrderedReady");
        }
        if (spec.getUpdateStrategy() == null) {
            spec.setUpdateStrategy(new StatefulSetUpdateStrategy());
        }
        StatefulSetUpdateStrategy strategy = spec.getUpdateStrategy();
        if (strategy.getType() == null || strategy.getType().isEmpty()) {
            strategy.setType("RollingUpdate");
        }
        if (strategy.getType().equals("RollingUpdate")) {
            if (strategy.getRollingUpdate() == null) {
                strategy.setRollingUpdate(new RollingUpdateStatefulSetStrategy());
            }
            if (strategy.getRollingUpdate().getPartition() == null) {
                strategy.getRollingUpdate().setPartition(0);
            }
        }
        if (spec.getPersistentVolumeClaimRetentionPolicy() == null) {
            spec.setPersistentVolumeClaimRetentionPolicy(new StatefulSetPersistentVolumeClaimRetentionPolicy());
        }
        var retention = spec.getPersistentVolumeClaimRetentionPolicy();
        if (retention.getWhenDeleted() == null || retention.getWhenDeleted().isEmpty()) {
            retention.setWhenDeleted("Retain");
        }
        if (retention.getWhenScaled() == null || retention.getWhenScaled().isEmpty()) {
            retention.setWhenScaled("Retain");
        }
        if (spec.getReplicas() == null) {
            spec.setReplicas(1);
        }
        if (spec.getRevisionHistoryLimit() == null) {
            spec.setRevisionHistoryLimit(10);
        }
        PodTemplates.setDefaults(spec.getTemplate());
    }

    @Override
    public List<Cause> validate(StatefulSet s) {
        StatefulSetSpec spec = s.getSpec() == null ? new StatefulSetSpec() : s.getSpec();
        List<Cause> causes = new ArrayList<>();
        String policy = spec.getPodManagementPolicy() == null ? "" : spec.getPodManagementPolicy();
        if (!List.of("OrderedReady", "Parallel").contains(policy)) {
            causes.add(Cause.notSupported("spec.podManagementPolicy", policy, List.of("OrderedReady", "Parallel")));
        }
        String type = spec.getUpdateStrategy() == null || spec.getUpdateStrategy().getType() == null ? "" : spec.getUpdateStrategy().getType();
        if (!List.of("OnDelete", "RollingUpdate").contains(type)) {
            causes.add(Cause.notSupported("spec.updateStrategy.type", type, List.of("OnDelete", "RollingUpdate")));
        } else if (type.equals("OnDelete") && spec.getUpdateStrategy().getRollingUpdate() != null) {
            causes.add(Cause.invalid("spec.updateStrategy.rollingUpdate", "OnDelete",
                    "only allowed for updateStrategy 'RollingUpdate'"));
        } else if (type.equals("RollingUpdate") && spec.getUpdateStrategy().getRollingUpdate() != null) {
            causes.addAll(Workloads.nonNegative(spec.getUpdateStrategy().getRollingUpdate().getPartition(),
                    "spec.updateStrategy.rollingUpdate.partition"));
        }
        causes.addAll(Workloads.replicas(spec.getReplicas(), "spec.replicas"));
        causes.addAll(Workloads.nonNegative(spec.getMinReadySeconds(), "spec.minReadySeconds"));
        if (spec.getOrdinals() != null) {
            causes.addAll(Workloads.nonNegative(spec.getOrdinals().getStart(), "spec.ordinals.start"));
        }
        causes.addAll(PodTemplates.validateSelector(spec.getSelector(), spec.getTemplate(), "spec", "empty selector is invalid for statefulset"));
        causes.addAll(PodTemplates.validate(spec.getTemplate(), "spec.template", Workloads.ALWAYS));
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(StatefulSet s, StatefulSet old) {
        List<Cause> causes = new ArrayList<>(validate(s));
        if (!Objects.equals(fixedPart(s.getSpec()), fixedPart(old.getSpec()))) {
            causes.add(Cause.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
                    + "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
        }
        return causes;
    }

    /** The spec without the fields an update may change. */
    private static StatefulSetSpec fixedPart(StatefulSetSpec spec) {
        StatefulSetSpec copy = new io.fabric8.kubernetes.api.model.apps.StatefulSetSpecBuilder(spec).build();
        copy.setReplicas(null);
        copy.setOrdinals(null);
        copy.setTemplate(null);
        copy.setUpdateStrategy(null);
        copy.setRevisionHistoryLimit(null);
        copy.setPersistentVolumeClaimRetentionPolicy(null);
        copy.setMinReadySeconds(null);
        return copy;
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(StatefulSet s) {
        return s.getSpec();
    }

    @Override
    public Map<String, Strategy<StatefulSet>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (s, old) -> s.setSpec(old.getSpec())));
    }

    @Override
    public Optional<ScaleSubresource<StatefulSet>> scale() {
        return Optional.of(new ScaleSubresource<>(s -> s.getSpec().getReplicas(), (s, n) -> s.getSpec().setReplicas(n),
                s -> s.getStatus() == null || s.getStatus().getReplicas() == null ? 0 : s.getStatus().getReplicas(),
                s -> LabelSelectors.format(s.getSpec().getSelector())));
    }
}
