package dev.skiff.registry.autoscaling.horizontalpodautoscaler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.conversion.Conversion;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.autoscaling.v1.CrossVersionObjectReference;
import io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscalerSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscalerStatus;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerCondition;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * autoscaling/v1 HorizontalPodAutoscalers over the autoscaling/v2 storage, as upstream's
 * pkg/apis/autoscaling/v1 conversion: the CPU utilization metric is
 * {@code targetCPUUtilizationPercentage}; every other metric, the behavior and the status
 * conditions, which v1 cannot express, travel in the {@code autoscaling.alpha.kubernetes.io/*}
 * annotations (metrics in v1's own MetricSpec shape, the v2beta1 one) and come back from them.
 */
public final class HorizontalPodAutoscalerV1Conversion implements
        Conversion<io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler, HorizontalPodAutoscaler> {
    public static final String METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics";
    public static final String CURRENT_METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics";
    public static final String CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions";
    public static final String BEHAVIOR_ANNOTATION = "autoscaling.alpha.kubernetes.io/behavior";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Class<HorizontalPodAutoscaler> externalType() {
        return HorizontalPodAutoscaler.class;
    }

    @Override
    public HorizontalPodAutoscaler fromStorage(io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler in) {
        HorizontalPodAutoscaler out = new HorizontalPodAutoscaler();
        ObjectMeta meta = JSON.convertValue(in.getMetadata(), ObjectMeta.class);
        Map<String, String> annotations = meta.getAnnotations() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(meta.getAnnotations());
        var spec = in.getSpec() == null ? new io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerSpec() : in.getSpec();
        HorizontalPodAutoscalerSpec outSpec = new HorizontalPodAutoscalerSpec();
        if (spec.getScaleTargetRef() != null) {
            outSpec.setScaleTargetRef(JSON.convertValue(spec.getScaleTargetRef(), CrossVersionObjectReference.class));
        }
        outSpec.setMinReplicas(spec.getMinReplicas());
        outSpec.setMaxReplicas(spec.getMaxReplicas());
        ArrayNode otherMetrics = JSON.createArrayNode();
        for (MetricSpec metric : spec.getMetrics() == null ? List.<MetricSpec>of() : spec.getMetrics()) {
            if (isCpuUtilization(metric)) {
                outSpec.setTargetCPUUtilizationPercentage(metric.getResource().getTarget().getAverageUtilization());
                continue;
            }
            otherMetrics.add(metricToV1(JSON.valueToTree(metric)));
        }
        if (!otherMetrics.isEmpty()) {
            annotations.put(METRICS_ANNOTATION, otherMetrics.toString());
        }
        if (spec.getBehavior() != null) {
            annotations.put(BEHAVIOR_ANNOTATION, JSON.valueToTree(spec.getBehavior()).toString());
        }
        var status = in.getStatus();
        if (status != null) {
            HorizontalPodAutoscalerStatus outStatus = new HorizontalPodAutoscalerStatus();
            outStatus.setCurrentReplicas(status.getCurrentReplicas());
            outStatus.setDesiredReplicas(status.getDesiredReplicas());
            outStatus.setLastScaleTime(status.getLastScaleTime());
            outStatus.setObservedGeneration(status.getObservedGeneration());
            for (MetricStatus current : status.getCurrentMetrics() == null ? List.<MetricStatus>of() : status.getCurrentMetrics()) {
                if ("Resource".equals(current.getType()) && current.getResource() != null && "cpu".equals(current.getResource().getName())
                        && current.getResource().getCurrent() != null && current.getResource().getCurrent().getAverageUtilization() != null) {
                    outStatus.setCurrentCPUUtilizationPercentage(current.getResource().getCurrent().getAverageUtilization());
                }
            }
            if (status.getConditions() != null && !status.getConditions().isEmpty()) {
                annotations.put(CONDITIONS_ANNOTATION, JSON.valueToTree(status.getConditions()).toString());
            }
            out.setStatus(outStatus);
        }
        meta.setAnnotations(annotations.isEmpty() ? null : annotations);
        out.setMetadata(meta);
        out.setSpec(outSpec);
        return out;
    }

    @Override
    public io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler toStorage(HorizontalPodAutoscaler in) {
        var out = new io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler();
        ObjectMeta meta = in.getMetadata() == null ? new ObjectMeta() : JSON.convertValue(in.getMetadata(), ObjectMeta.class);
        Map<String, String> annotations = meta.getAnnotations() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(meta.getAnnotations());
        HorizontalPodAutoscalerSpec spec = in.getSpec() == null ? new HorizontalPodAutoscalerSpec() : in.getSpec();
        var outSpec = new io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerSpec();
        if (spec.getScaleTargetRef() != null) {
            outSpec.setScaleTargetRef(JSON.convertValue(spec.getScaleTargetRef(),
                    io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference.class));
        }
        outSpec.setMinReplicas(spec.getMinReplicas());
        outSpec.setMaxReplicas(spec.getMaxReplicas());
        List<MetricSpec> metrics = new ArrayList<>();
        String encoded = annotations.remove(METRICS_ANNOTATION);
        if (encoded != null) {
            for (JsonNode metric : parse(encoded, METRICS_ANNOTATION)) {
                metrics.add(JSON.convertValue(metricToV2(metric), MetricSpec.class));
            }
        }
        if (spec.getTargetCPUUtilizationPercentage() != null) {
            ObjectNode cpu = JSON.createObjectNode().put("type", "Resource");
            cpu.putObject("resource").put("name", "cpu").putObject("target").put("type", "Utilization")
                    .put("averageUtilization", spec.getTargetCPUUtilizationPercentage());
            metrics.add(JSON.convertValue(cpu, MetricSpec.class));
        }
        outSpec.setMetrics(metrics.isEmpty() ? null : metrics);
        String behavior = annotations.remove(BEHAVIOR_ANNOTATION);
        if (behavior != null) {
            outSpec.setBehavior(JSON.convertValue(parse(behavior, BEHAVIOR_ANNOTATION), HorizontalPodAutoscalerBehavior.class));
        }
        String conditions = annotations.remove(CONDITIONS_ANNOTATION);
        annotations.remove(CURRENT_METRICS_ANNOTATION);
        HorizontalPodAutoscalerStatus status = in.getStatus();
        if (status != null || conditions != null) {
            var outStatus = new io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerStatus();
            if (status != null) {
                outStatus.setCurrentReplicas(status.getCurrentReplicas());
                outStatus.setDesiredReplicas(status.getDesiredReplicas());
                outStatus.setLastScaleTime(status.getLastScaleTime());
                outStatus.setObservedGeneration(status.getObservedGeneration());
                if (status.getCurrentCPUUtilizationPercentage() != null) {
                    ObjectNode cpu = JSON.createObjectNode().put("type", "Resource");
                    cpu.putObject("resource").put("name", "cpu").putObject("current")
                            .put("averageUtilization", status.getCurrentCPUUtilizationPercentage());
                    outStatus.setCurrentMetrics(new ArrayList<>(List.of(JSON.convertValue(cpu, MetricStatus.class))));
                }
            }
            if (conditions != null) {
                outStatus.setConditions(Arrays.asList(JSON.convertValue(parse(conditions, CONDITIONS_ANNOTATION),
                        HorizontalPodAutoscalerCondition[].class)));
            }
            out.setStatus(outStatus);
        }
        meta.setAnnotations(annotations.isEmpty() ? null : annotations);
        out.setMetadata(meta);
        out.setSpec(outSpec);
        return out;
    }

    private static boolean isCpuUtilization(MetricSpec metric) {
        return "Resource".equals(metric.getType()) && metric.getResource() != null && "cpu".equals(metric.getResource().getName())
                && metric.getResource().getTarget() != null && metric.getResource().getTarget().getAverageUtilization() != null;
    }

    private static JsonNode parse(String json, String annotation) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the annotation " + annotation + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** A v2 MetricSpec as v1's (v2beta1-shaped) MetricSpec. */
    static ObjectNode metricToV1(JsonNode v2) {
        String type = v2.path("type").asText();
        ObjectNode out = JSON.createObjectNode().put("type", type);
        switch (type) {
            case "Resource", "ContainerResource" -> {
                String field = type.equals("Resource") ? "resource" : "containerResource";
                JsonNode src = v2.path(field);
                ObjectNode dst = out.putObject(field);
                copy(src, "name", dst, "name");
                copy(src, "container", dst, "container");
                copy(src.path("target"), "averageUtilization", dst, "targetAverageUtilization");
                copy(src.path("target"), "averageValue", dst, "targetAverageValue");
            }
            case "Pods" -> {
                JsonNode src = v2.path("pods");
                ObjectNode dst = out.putObject("pods");
                copy(src.path("metric"), "name", dst, "metricName");
                copy(src.path("metric"), "selector", dst, "selector");
                copy(src.path("target"), "averageValue", dst, "targetAverageValue");
            }
            case "Object" -> {
                JsonNode src = v2.path("object");
                ObjectNode dst = out.putObject("object");
                copy(src, "describedObject", dst, "target");
                copy(src.path("metric"), "name", dst, "metricName");
                copy(src.path("metric"), "selector", dst, "selector");
                copy(src.path("target"), "value", dst, "targetValue");
                copy(src.path("target"), "averageValue", dst, "averageValue");
            }
            case "External" -> {
                JsonNode src = v2.path("external");
                ObjectNode dst = out.putObject("external");
                copy(src.path("metric"), "name", dst, "metricName");
                copy(src.path("metric"), "selector", dst, "metricSelector");
                copy(src.path("target"), "value", dst, "targetValue");
                copy(src.path("target"), "averageValue", dst, "targetAverageValue");
            }
            default -> {
            }
        }
        return out;
    }

    /** v1's MetricSpec back to v2: the target type follows from which target field is set. */
    static ObjectNode metricToV2(JsonNode v1) {
        String type = v1.path("type").asText();
        ObjectNode out = JSON.createObjectNode().put("type", type);
        switch (type) {
            case "Resource", "ContainerResource" -> {
                String field = type.equals("Resource") ? "resource" : "containerResource";
                JsonNode src = v1.path(field);
                ObjectNode dst = out.putObject(field);
                copy(src, "name", dst, "name");
                copy(src, "container", dst, "container");
                ObjectNode target = dst.putObject("target");
                if (src.has("targetAverageUtilization")) {
                    target.put("type", "Utilization");
                    copy(src, "targetAverageUtilization", target, "averageUtilization");
                } else {
                    target.put("type", "AverageValue");
                    copy(src, "targetAverageValue", target, "averageValue");
                }
            }
            case "Pods" -> {
                JsonNode src = v1.path("pods");
                ObjectNode dst = out.putObject("pods");
                ObjectNode metric = dst.putObject("metric");
                copy(src, "metricName", metric, "name");
                copy(src, "selector", metric, "selector");
                ObjectNode target = dst.putObject("target").put("type", "AverageValue");
                copy(src, "targetAverageValue", target, "averageValue");
            }
            case "Object" -> {
                JsonNode src = v1.path("object");
                ObjectNode dst = out.putObject("object");
                copy(src, "target", dst, "describedObject");
                ObjectNode metric = dst.putObject("metric");
                copy(src, "metricName", metric, "name");
                copy(src, "selector", metric, "selector");
                ObjectNode target = dst.putObject("target").put("type", src.has("averageValue") ? "AverageValue" : "Value");
                copy(src, "targetValue", target, "value");
                copy(src, "averageValue", target, "averageValue");
            }
            case "External" -> {
                JsonNode src = v1.path("external");
                ObjectNode dst = out.putObject("external");
                ObjectNode metric = dst.putObject("metric");
                copy(src, "metricName", metric, "name");
                copy(src, "metricSelector", metric, "selector");
                ObjectNode target = dst.putObject("target").put("type", src.has("targetAverageValue") ? "AverageValue" : "Value");
                copy(src, "targetValue", target, "value");
                copy(src, "targetAverageValue", target, "averageValue");
            }
            default -> {
            }
        }
        return out;
    }

    private static void copy(JsonNode from, String fromField, ObjectNode to, String toField) {
        JsonNode value = from.get(fromField);
        if (value != null && !value.isNull()) {
            to.set(toField, value);
        }
    }
}
