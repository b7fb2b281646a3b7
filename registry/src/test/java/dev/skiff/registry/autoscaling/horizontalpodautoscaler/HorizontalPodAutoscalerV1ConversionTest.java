package dev.skiff.registry.autoscaling.horizontalpodautoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class HorizontalPodAutoscalerV1ConversionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HorizontalPodAutoscalerV1Conversion conversion = new HorizontalPodAutoscalerV1Conversion();

    static HorizontalPodAutoscaler v2(List<MetricSpec> metrics) {
        return new io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder().withNewMetadata().withName("web")
                .withNamespace("default").endMetadata().withNewSpec().withMinReplicas(2).withMaxReplicas(5)
                .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName("web").endScaleTargetRef()
                .withMetrics(metrics).endSpec().build();
    }

    static MetricSpec cpu(int percent) {
        return new MetricSpecBuilder().withType("Resource").withNewResource().withName("cpu").withNewTarget().withType("Utilization")
                .withAverageUtilization(percent).endTarget().endResource().build();
    }

    static MetricSpec pods() {
        return new MetricSpecBuilder().withType("Pods").withNewPods().withNewMetric().withName("packets").endMetric()
                .withNewTarget().withType("AverageValue").withAverageValue(new Quantity("1k")).endTarget().endPods().build();
    }

    static MetricSpec external() {
        return new MetricSpecBuilder().withType("External").withNewExternal().withNewMetric().withName("queue").endMetric()
                .withNewTarget().withType("Value").withValue(new Quantity("30")).endTarget().endExternal().build();
    }

    @Test
    void cpuUtilizationIsTheV1TargetAndOtherMetricsTravelInTheAnnotation() throws Exception {
        var v1 = conversion.fromStorage(v2(List.of(pods(), cpu(70), external())));
        assertThat(v1.getSpec().getTargetCPUUtilizationPercentage()).isEqualTo(70);
        assertThat(v1.getSpec().getMinReplicas()).isEqualTo(2);
        assertThat(v1.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        var annotation = JSON.readTree(v1.getMetadata().getAnnotations().get(HorizontalPodAutoscalerV1Conversion.METRICS_ANNOTATION));
        // v1's own metric shape (the v2beta1 one)
        assertThat(annotation.toString()).isEqualTo("[{\"type\":\"Pods\",\"pods\":{\"metricName\":\"packets\",\"targetAverageValue\":\"1k\"}},"
                + "{\"type\":\"External\",\"external\":{\"metricName\":\"queue\",\"targetValue\":\"30\"}}]");

        HorizontalPodAutoscaler back = conversion.toStorage(v1);
        assertThat(back.getMetadata().getAnnotations()).isNull();
        assertThat(back.getSpec().getMetrics()).containsExactly(pods(), external(), cpu(70));
    }

    @Test
    void aV1ObjectWithoutTargetGetsTheDefaultCpuMetricInStorage() {
        var v1 = new HorizontalPodAutoscalerBuilder().withNewMetadata().withName("web").endMetadata().withNewSpec().withMaxReplicas(3)
                .withNewScaleTargetRef().withKind("Deployment").withName("web").endScaleTargetRef().endSpec().build();
        HorizontalPodAutoscaler stored = conversion.toStorage(v1);
        new HorizontalPodAutoscalerStrategy().prepareForCreate(stored);
        assertThat(stored.getSpec().getMetrics()).containsExactly(cpu(80));
        assertThat(stored.getSpec().getMinReplicas()).isEqualTo(1);
        assertThat(conversion.fromStorage(stored).getSpec().getTargetCPUUtilizationPercentage()).isEqualTo(80);
    }

    @Test
    void behaviorAndConditionsRoundTripThroughAnnotations() {
        HorizontalPodAutoscaler stored = v2(List.of(cpu(50)));
        stored.getSpec().setBehavior(new io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehaviorBuilder()
                .withNewScaleDown().withStabilizationWindowSeconds(60).endScaleDown().build());
        stored.setStatus(new io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerStatusBuilder().withCurrentReplicas(2)
                .withDesiredReplicas(3).addNewCondition().withType("AbleToScale").withStatus("True").withReason("Ready").endCondition()
                .addNewCurrentMetric().withType("Resource").withNewResource().withName("cpu").withNewCurrent().withAverageUtilization(42)
                .endCurrent().endResource().endCurrentMetric().build());
        var v1 = conversion.fromStorage(stored);
        assertThat(v1.getStatus().getCurrentCPUUtilizationPercentage()).isEqualTo(42);
        assertThat(v1.getMetadata().getAnnotations()).containsKeys(HorizontalPodAutoscalerV1Conversion.BEHAVIOR_ANNOTATION,
                HorizontalPodAutoscalerV1Conversion.CONDITIONS_ANNOTATION);
        HorizontalPodAutoscaler back = conversion.toStorage(v1);
        assertThat(back.getSpec()).isEqualTo(stored.getSpec());
        assertThat(back.getStatus().getConditions()).isEqualTo(stored.getStatus().getConditions());
        assertThat(back.getStatus().getCurrentMetrics()).isEqualTo(stored.getStatus().getCurrentMetrics());
        assertThat(back.getStatus().getDesiredReplicas()).isEqualTo(3);
    }

    @Test
    void validationOfReplicaBoundsAndTarget() {
        HorizontalPodAutoscaler hpa = v2(List.of(cpu(50)));
        hpa.getSpec().setMinReplicas(0);
        hpa.getSpec().setMaxReplicas(0);
        hpa.getSpec().getScaleTargetRef().setName(null);
        assertThat(new HorizontalPodAutoscalerStrategy().validate(hpa)).extracting(c -> c.field() + ": " + c.message()).containsExactly(
                "spec.scaleTargetRef.name: Required value",
                "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
                "spec.maxReplicas: Invalid value: 0: must be greater than 0");
        hpa.getSpec().setMinReplicas(4);
        hpa.getSpec().setMaxReplicas(3);
        hpa.getSpec().getScaleTargetRef().setName("web");
        assertThat(new HorizontalPodAutoscalerStrategy().validate(hpa)).extracting(c -> c.field() + ": " + c.message()).containsExactly(
                "spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`");
    }
}
