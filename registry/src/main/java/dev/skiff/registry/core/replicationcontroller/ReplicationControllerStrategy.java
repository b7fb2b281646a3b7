package dev.skiff.registry.core.replicationcontroller;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.core.pod.PodDefaults;
import dev.skiff.registry.core.pod.PodValidation;
import dev.skiff.registry.generic.ScaleSubresource;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerSpec;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * ReplicationControllers as upstream's pkg/registry/core/replicationcontroller: defaults
 * (replicas 1, selector and labels from the template's labels, the template's pod spec defaults),
 * ValidateReplicationController, generation on spec changes, status cleared on create and kept on
 * update, and the status and scale subresources.
 */
public final class ReplicationControllerStrategy implements Strategy<ReplicationController> {
    public static final Resource<ReplicationController> RESOURCE = new Resource<>("", "replicationcontrollers",
            "ReplicationController", true, "/registry/controllers", ReplicationController.class, ReplicationController::new);

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(ReplicationController rc) {
        rc.setStatus(new ReplicationControllerStatus());
        rc.getStatus().setReplicas(0);
        applyDefaults(rc);
    }

    @Override
    public void prepareForUpdate(ReplicationController rc, ReplicationController old) {
        rc.setStatus(old.getStatus());
        applyDefaults(rc);
    }

    /** SetDefaults_ReplicationController and the template's pod spec defaults. */
    private static void applyDefaults(ReplicationController rc) {
        if (rc.getSpec() == null) {
            rc.setSpec(new ReplicationControllerSpec());
        }
        ReplicationControllerSpec spec = rc.getSpec();
        PodTemplateSpec template = spec.getTemplate();
        Map<String, String> templateLabels = template == null || template.getMetadata() == null ? null : template.getMetadata().getLabels();
        if ((spec.getSelector() == null || spec.getSelector().isEmpty()) && templateLabels != null) {
            spec.setSelector(templateLabels);
        }
        ObjectMeta meta = rc.getMetadata();
        if ((meta.getLabels() == null || meta.getLabels().isEmpty()) && templateLabels != null) {
            meta.setLabels(templateLabels);
        }
        if (spec.getReplicas() == null) {
            spec.setReplicas(1);
        }
        if (template != null && template.getSpec() != null) {
            PodDefaults.applySpec(template.getSpec());
        }
    }

    @Override
    public List<Cause> validate(ReplicationController rc) {
        List<Cause> causes = new ArrayList<>();
        ReplicationControllerSpec spec = rc.getSpec();
        if (spec.getReplicas() < 0) {
            causes.add(Cause.invalid("spec.replicas", spec.getReplicas(), "must be greater than or equal to 0"));
        }
        if (spec.getMinReadySeconds() != null && spec.getMinReadySeconds() < 0) {
            causes.add(Cause.invalid("spec.minReadySeconds", spec.getMinReadySeconds(), "must be greater than or equal to 0"));
        }
        Map<String, String> selector = spec.getSelector() == null ? Map.of() : spec.getSelector();
        if (selector.isEmpty()) {
            causes.add(Cause.required("spec.selector"));
        }
        PodTemplateSpec template = spec.getTemplate();
        if (template == null) {
            causes.add(Cause.required("spec.template"));
            return causes;
        }
        Map<String, String> labels = template.getMetadata() == null || template.getMetadata().getLabels() == null
                ? Map.of() : template.getMetadata().getLabels();
        if (!selector.isEmpty() && !selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
            causes.add(Cause.invalid("spec.template.metadata.labels", new GoValue(goStringMap(labels)), "`selector` does not match template `labels`"));
        }
        causes.addAll(PodValidation.validateSpec(template.getSpec(), "spec.template.spec"));
        String restartPolicy = template.getSpec() == null ? null : template.getSpec().getRestartPolicy();
        if (restartPolicy != null && !restartPolicy.equals("Always")) {
            causes.add(Cause.notSupported("spec.template.spec.restartPolicy", restartPolicy, List.of("Always")));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(ReplicationController rc, ReplicationController old) {
        return validate(rc);
    }

    @Override
    public List<Cause> validateStatusUpdate(ReplicationController rc, ReplicationController old) {
        List<Cause> causes = new ArrayList<>();
        ReplicationControllerStatus status = rc.getStatus() == null ? new ReplicationControllerStatus() : rc.getStatus();
        nonNegative(causes, "status.replicas", status.getReplicas());
        nonNegative(causes, "status.fullyLabeledReplicas", status.getFullyLabeledReplicas());
        nonNegative(causes, "status.readyReplicas", status.getReadyReplicas());
        nonNegative(causes, "status.availableReplicas", status.getAvailableReplicas());
        nonNegative(causes, "status.observedGeneration", status.getObservedGeneration());
        return causes;
    }

    private static void nonNegative(List<Cause> causes, String field, Number value) {
        if (value != null && value.longValue() < 0) {
            causes.add(Cause.invalid(field, value, "must be greater than or equal to 0"));
        }
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(ReplicationController rc) {
        return rc.getSpec();
    }

    @Override
    public Map<String, Strategy<ReplicationController>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (rc, old) -> rc.setSpec(old.getSpec())));
    }

    @Override
    public Optional<ScaleSubresource<ReplicationController>> scale() {
        return Optional.of(new ScaleSubresource<>(rc -> rc.getSpec().getReplicas(), (rc, n) -> rc.getSpec().setReplicas(n),
                rc -> rc.getStatus() == null ? 0 : rc.getStatus().getReplicas(),
                rc -> selectorString(rc.getSpec().getSelector())));
    }

    /** labels.SelectorFromSet(...).String(): "k=v,k2=v2", sorted by key. */
    static String selectorString(Map<String, String> selector) {
        return new TreeMap<>(selector == null ? Map.of() : selector).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    /** A value printed as is in a cause (not quoted as a string would be). */
    private record GoValue(String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** How Go's %#v prints a map[string]string in an Invalid value. */
    static String goStringMap(Map<String, String> map) {
        return new TreeMap<>(map).entrySet().stream()
                .map(e -> dev.skiff.api.errors.ApiException.goQuote(e.getKey()) + ":" + dev.skiff.api.errors.ApiException.goQuote(e.getValue()))
                .collect(Collectors.joining(", ", "map[string]string{", "}"));
    }
}
