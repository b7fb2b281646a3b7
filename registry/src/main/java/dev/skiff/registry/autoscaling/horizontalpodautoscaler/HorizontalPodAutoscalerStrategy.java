package dev.skiff.registry.autoscaling.horizontalpodautoscaler;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTarget;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ResourceMetricSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * HorizontalPodAutoscalers as upstream's pkg/registry/autoscaling/horizontalpodautoscaler, stored
 * as autoscaling/v2 (v1 is served through {@link HorizontalPodAutoscalerV1Conversion}): minReplicas
 * 1 and a CPU utilization target of 80% by default, replica bounds and target reference checked,
 * status kept on update.
 */
public final class HorizontalPodAutoscalerStrategy implements Strategy<HorizontalPodAutoscaler> {
    public static final Resource<HorizontalPodAutoscaler> RESOURCE = Resource.of("autoscaling", "horizontalpodautoscalers",
            "HorizontalPodAutoscaler", true, HorizontalPodAutoscaler.class, HorizontalPodAutoscaler::new);
    /** autoscaling.DefaultCPUUtilization. */
    static final int DEFAULT_CPU_UTILIZATION = 80;
    private static final List<String> METRIC_TYPES = List.of("ContainerResource", "External", "Object", "Pods", "Resource");

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(HorizontalPodAutoscaler hpa) {
        hpa.setStatus(null);
        setDefaults(hpa);
    }

    @Override
    public void prepareForUpdate(HorizontalPodAutoscaler hpa, HorizontalPodAutoscaler old) {
        hpa.setStatus(old.getStatus());
        setDefaults(hpa);
    }

    static void setDefaults(HorizontalPodAutoscaler hpa) {
        HorizontalPodAutoscalerSpec spec = hpa.getSpec();
        if (spec == null) {
            spec = new HorizontalPodAutoscalerSpec();
            hpa.setSpec(spec);
        }
        if (spec.getMinReplicas() == null) {
            spec.setMinReplicas(1);
        }
        if (spec.getMetrics() == null || spec.getMetrics().isEmpty()) {
            MetricTarget target = new MetricTarget();
            target.setType("Utilization");
            target.setAverageUtilization(DEFAULT_CPU_UTILIZATION);
            ResourceMetricSource cpu = new ResourceMetricSource();
            cpu.setName("cpu");
            cpu.setTarget(target);
            MetricSpec metric = new MetricSpec();
            metric.setType("Resource");
            metric.setResource(cpu);
            spec.setMetrics(new ArrayList<>(List.of(metric)));
        }
    }

    @Override
    public List<Cause> validate(HorizontalPodAutoscaler hpa) {
        HorizontalPodAutoscalerSpec spec = hpa.getSpec() == null ? new HorizontalPodAutoscalerSpec() : hpa.getSpec();
        List<Cause> causes = new ArrayList<>();
        CrossVersionObjectReference ref = spec.getScaleTargetRef() == null ? new CrossVersionObjectReference() : spec.getScaleTargetRef();
        if (ref.getKind() == null || ref.getKind().isEmpty()) {
            causes.add(Cause.required("spec.scaleTargetRef.kind"));
        }
        if (ref.getName() == null || ref.getName().isEmpty()) {
            causes.add(Cause.required("spec.scaleTargetRef.name"));
        }
        int min = spec.getMinReplicas() == null ? 1 : spec.getMinReplicas();
        int max = spec.getMaxReplicas() == null ? 0 : spec.getMaxReplicas();
        if (min < 1) {
            causes.add(Cause.invalid("spec.minReplicas", min, "must be greater than or equal to 1"));
        }
        if (max < 1) {
            causes.add(Cause.invalid("spec.maxReplicas", max, "must be greater than 0"));
        }
        if (max < min) {
            causes.add(Cause.invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
        }
        List<MetricSpec> metrics = spec.getMetrics() == null ? List.of() : spec.getMetrics();
        for (int i = 0; i < metrics.size(); i++) {
            String type = metrics.get(i).getType() == null ? "" : metrics.get(i).getType();
            if (type.isEmpty()) {
                causes.add(Cause.required("spec.metrics[" + i + "].type", "must specify a metric source type"));
            } else if (!METRIC_TYPES.contains(type)) {
                causes.add(Cause.notSupported("spec.metrics[" + i + "].type", type, METRIC_TYPES));
            }
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(HorizontalPodAutoscaler hpa, HorizontalPodAutoscaler old) {
        return validate(hpa);
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(HorizontalPodAutoscaler hpa) {
        return hpa.getSpec();
    }

    @Override
    public Map<String, Strategy<HorizontalPodAutoscaler>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (hpa, old) -> hpa.setSpec(old.getSpec())));
    }
}
