package dev.skiff.registry.apps.daemonset;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.apps.Workloads;
import dev.skiff.registry.core.pod.PodTemplates;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSetUpdateStrategy;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDaemonSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** DaemonSets as upstream's pkg/registry/apps/daemonset: RollingUpdate 1/0 defaults, selector rules, status kept on update. */
public final class DaemonSetStrategy implements Strategy<DaemonSet> {
    public static final Resource<DaemonSet> RESOURCE =
            Resource.of("apps", "daemonsets", "DaemonSet", true, DaemonSet.class, DaemonSet::new);

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(DaemonSet ds) {
        ds.setStatus(null);
        setDefaults(ds);
    }

    @Override
    public void prepareForUpdate(DaemonSet ds, DaemonSet old) {
        ds.setStatus(old.getStatus());
        setDefaults(ds);
    }

    private static void setDefaults(DaemonSet ds) {
        DaemonSetSpec spec = Workloads.spec(ds.getSpec(), DaemonSetSpec::new, ds::setSpec);
        if (spec.getUpdateStrategy() == null) {
            spec.setUpdateStrategy(new DaemonSetUpdateStrategy());
        }
        DaemonSetUpdateStrategy strategy = spec.getUpdateStrategy();
        if (strategy.getType() == null || strategy.getType().isEmpty()) {
            strategy.setType("RollingUpdate");
        }
        if (strategy.getType().equals("RollingUpdate")) {
            if (strategy.getRollingUpdate() == null) {
                strategy.setRollingUpdate(new RollingUpdateDaemonSet());
            }
            if (strategy.getRollingUpdate().getMaxUnavailable() == null) {
                strategy.getRollingUpdate().setMaxUnavailable(new IntOrString(1));
            }
            if (strategy.getRollingUpdate().getMaxSurge() == null) {
                strategy.getRollingUpdate().setMaxSurge(new IntOrString(0));
            }
        }
        if (spec.getRevisionHistoryLimit() == null) {
            spec.setRevisionHistoryLimit(10);
        }
        PodTemplates.setDefaults(spec.getTemplate());
    }

    @Override
    public List<Cause> validate(DaemonSet ds) {
        DaemonSetSpec spec = ds.getSpec() == null ? new DaemonSetSpec() : ds.getSpec();
        List<Cause> causes = new ArrayList<>();
        causes.addAll(PodTemplates.validateSelector(spec.getSelector(), spec.getTemplate(), "spec", "empty selector is invalid for daemonset"));
        causes.addAll(PodTemplates.validate(spec.getTemplate(), "spec.template", Workloads.ALWAYS));
        causes.addAll(Workloads.nonNegative(spec.getMinReadySeconds(), "spec.minReadySeconds"));
        causes.addAll(Workloads.nonNegative(spec.getRevisionHistoryLimit(), "spec.revisionHistoryLimit"));
        DaemonSetUpdateStrategy strategy = spec.getUpdateStrategy();
        if (strategy != null) {
            String type = strategy.getType() == null ? "" : strategy.getType();
            if (!List.of("OnDelete", "RollingUpdate").contains(type)) {
                causes.add(Cause.notSupported("spec.updateStrategy.type", type, List.of("OnDelete", "RollingUpdate")));
            } else if (type.equals("RollingUpdate") && strategy.getRollingUpdate() != null) {
                causes.addAll(Workloads.rollingUpdate(strategy.getRollingUpdate().getMaxUnavailable(),
                        strategy.getRollingUpdate().getMaxSurge(), "spec.updateStrategy.rollingUpdate"));
            }
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(DaemonSet ds, DaemonSet old) {
        List<Cause> causes = new ArrayList<>(validate(ds));
        causes.addAll(Workloads.immutableSelector(ds.getSpec().getSelector(), old.getSpec().getSelector(), "spec.selector"));
        return causes;
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(DaemonSet ds) {
        return ds.getSpec();
    }

    @Override
    public Map<String, Strategy<DaemonSet>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (ds, old) -> ds.setSpec(old.getSpec())));
    }
}
