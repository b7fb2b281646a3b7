package dev.skiff.registry.apps.deployment;

import dev.skiff.api.selector.LabelSelectors;
import dev.skiff.registry.generic.ScaleSubresource;
import java.util.Optional;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.apps.Workloads;
import dev.skiff.registry.core.pod.PodTemplates;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Deployments as upstream's pkg/registry/apps/deployment: apps/v1 defaults, ValidateDeployment(Update), status kept on update. */
public final class DeploymentStrategy implements Strategy<Deployment> {
    public static final Resource<Deployment> RESOURCE =
            Resource.of("apps", "deployments", "Deployment", true, Deployment.class, Deployment::new);

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(Deployment d) {
        d.setStatus(null);
        setDefaults(d);
    }

    @Override
    public void prepareForUpdate(Deployment d, Deployment old) {
        d.setStatus(old.getStatus());
        setDefaults(d);
    }

    /** apps/v1 SetDefaults_Deployment plus the template's pod defaults. */
    static void setDefaults(Deployment d) {
        DeploymentSpec spec = Workloads.spec(d.getSpec(), DeploymentSpec::new, d::setSpec);
        if (spec.getReplicas() == null) {
            spec.setReplicas(1);
        }
        io.fabric8.kubernetes.api.model.apps.DeploymentStrategy strategy = spec.getStrategy();
        if (strategy == null) {
            strategy = new io.fabric8.kubernetes.api.model.apps.DeploymentStrategy();
            spec.setStrategy(strategy);
        }
        if (strategy.getType() == null || strategy.getType().isEmpty()) {
            strategy.setType("RollingUpdate");
        }
        if (strategy.getType().equals("RollingUpdate")) {
            RollingUpdateDeployment rolling = strategy.getRollingUpdate();
            if (rolling == null) {
                rolling = new RollingUpdateDeployment();
                strategy.setRollingUpdate(rolling);
            }
            if (rolling.getMaxUnavailable() == null) {
                rolling.setMaxUnavailable(new IntOrString("25%"));
            }
            if (rolling.getMaxSurge() == null) {
                rolling.setMaxSurge(new IntOrString("25%"));
            }
        }
        if (spec.getRevisionHistoryLimit() == null) {
            spec.setRevisionHistoryLimit(10);
        }
        if (spec.getProgressDeadlineSeconds() == null) {
            spec.setProgressDeadlineSeconds(600);
        }
        PodTemplates.setDefaults(spec.getTemplate());
    }

    @Override
    public List<Cause> validate(Deployment d) {
        DeploymentSpec spec = d.getSpec() == null ? new DeploymentSpec() : d.getSpec();
        List<Cause> causes = new ArrayList<>();
        causes.addAll(Workloads.replicas(spec.getReplicas(), "spec.replicas"));
        causes.addAll(PodTemplates.validateSelector(spec.getSelector(), spec.getTemplate(), "spec", "empty selector is invalid for deployment"));
        causes.addAll(PodTemplates.validate(spec.getTemplate(), "spec.template", Workloads.ALWAYS));
        causes.addAll(Workloads.nonNegative(spec.getMinReadySeconds(), "spec.minReadySeconds"));
        causes.addAll(Workloads.nonNegative(spec.getRevisionHistoryLimit(), "spec.revisionHistoryLimit"));
        io.fabric8.kubernetes.api.model.apps.DeploymentStrategy strategy = spec.getStrategy();
        if (strategy != null) {
            String type = strategy.getType() == null ? "" : strategy.getType();
            if (!List.of("Recreate", "RollingUpdate").contains(type)) {
                causes.add(Cause.notSupported("spec.strategy.type", type, List.of("Recreate", "RollingUpdate")));
            } else if (type.equals("Recreate") && strategy.getRollingUpdate() != null) {
                causes.add(Cause.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
            } else if (type.equals("RollingUpdate") && strategy.getRollingUpdate() != null) {
                causes.addAll(Workloads.rollingUpdate(strategy.getRollingUpdate().getMaxUnavailable(),
                        strategy.getRollingUpdate().getMaxSurge(), "spec.strategy.rollingUpdate"));
            }
        }
        if (spec.getProgressDeadlineSeconds() != null) {
            causes.addAll(Workloads.nonNegative(spec.getProgressDeadlineSeconds(), "spec.progressDeadlineSeconds"));
            if (spec.getMinReadySeconds() != null && spec.getProgressDeadlineSeconds() <= spec.getMinReadySeconds()) {
                causes.add(Cause.invalid("spec.progressDeadlineSeconds", spec.getProgressDeadlineSeconds(),
                        "must be greater than minReadySeconds"));
            }
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(Deployment d, Deployment old) {
        List<Cause> causes = new ArrayList<>(validate(d));
        causes.addAll(Workloads.immutableSelector(d.getSpec().getSelector(), old.getSpec().getSelector(), "spec.selector"));
        return causes;
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(Deployment d) {
        return d.getSpec();
    }

    @Override
    public Map<String, Strategy<Deployment>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (d, old) -> d.setSpec(old.getSpec())));
    }

    @Override
    public Optional<ScaleSubresource<Deployment>> scale() {
        return Optional.of(new ScaleSubresource<>(d -> d.getSpec().getReplicas(), (d, n) -> d.getSpec().setReplicas(n),
                d -> d.getStatus() == null || d.getStatus().getReplicas() == null ? 0 : d.getStatus().getReplicas(),
                d -> LabelSelectors.format(d.getSpec().getSelector())));
    }
}
