package dev.skiff.registry.core.limitrange;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.LimitRangeBuilder;
import io.fabric8.kubernetes.api.model.LimitRangeItem;
import io.fabric8.kubernetes.api.model.LimitRangeItemBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LimitRangeStrategyTest {
    private final LimitRangeStrategy strategy = new LimitRangeStrategy();

    static LimitRange limits(LimitRangeItem... items) {
        return new LimitRangeBuilder().withNewMetadata().withName("l").withNamespace("ns").endMetadata().withNewSpec().withLimits(items)
                .endSpec().build();
    }

    static Map<String, Quantity> q(String resource, String value) {
        return Map.of(resource, new Quantity(value));
    }

    private List<String> errors(LimitRange limitRange) {
        strategy.prepareForCreate(limitRange);
        return strategy.validate(limitRange).stream().map(c -> c.field() + ": " + c.message()).toList();
    }

    @Test
    void containerDefaultsFallBackToMaxThenDefaultThenMin() {
        LimitRange lr = limits(new LimitRangeItemBuilder().withType("Container").withMax(q("cpu", "2")).withMin(q("memory", "64Mi")).build());
        strategy.prepareForCreate(lr);
        LimitRangeItem item = lr.getSpec().getLimits().getFirst();
        assertThat(item.getDefault()).containsExactly(Map.entry("cpu", new Quantity("2")));
        assertThat(item.getDefaultRequest()).containsOnly(Map.entry("cpu", new Quantity("2")), Map.entry("memory", new Quantity("64Mi")));
        assertThat(strategy.validate(lr)).isEmpty();
        LimitRange pod = limits(new LimitRangeItemBuilder().withType("Pod").withMax(q("cpu", "2")).build());
        strategy.prepareForCreate(pod);
        assertThat(pod.getSpec().getLimits().getFirst().getDefault()).isNullOrEmpty();
    }

    @Test
    void boundsMustBeOrderedMinDefaultRequestDefaultMax() {
        assertThat(errors(limits(new LimitRangeItemBuilder().withType("Container").withMin(q("cpu", "2")).withMax(q("cpu", "1"))
                .withDefault(q("cpu", "1")).withDefaultRequest(q("cpu", "1")).build()))).containsExactly(
                "spec.limits[0].min[cpu]: Invalid value: \"2\": min value 2 is greater than max value 1",
                "spec.limits[0].defaultRequest[cpu]: Invalid value: \"1\": min value 2 is greater than default request value 1",
                "spec.limits[0].default[cpu]: Invalid value: \"2\": min value 2 is greater than default value 1");
        assertThat(errors(limits(new LimitRangeItemBuilder().withType("Container").withMax(q("memory", "1Gi"))
                .withDefault(q("memory", "2Gi")).withDefaultRequest(q("memory", "3Gi")).build()))).containsExactly(
                "spec.limits[0].defaultRequest[memory]: Invalid value: \"3Gi\": default request value 3Gi is greater than max value 1Gi",
                "spec.limits[0].defaultRequest[memory]: Invalid value: \"3Gi\": default request value 3Gi is greater than default limit value 2Gi",
                "spec.limits[0].default[memory]: Invalid value: \"1Gi\": default value 2Gi is greater than max value 1Gi");
        assertThat(errors(limits(new LimitRangeItemBuilder().withType("Container").withMaxLimitRequestRatio(q("cpu", "500m")).build())))
                .containsExactly("spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: \"500m\": ratio 500m is less than 1");
    }

    @Test
    void limitTypesAndResourcesAreChecked() {
        assertThat(errors(limits(new LimitRangeItemBuilder().withType("Pod").withDefault(q("cpu", "1")).build())))
                .containsExactly("spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'");
        assertThat(errors(limits(new LimitRangeItemBuilder().withType("PersistentVolumeClaim").build()))).containsExactly(
                "spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided");
        assertThat(errors(limits(new LimitRangeItemBuilder().withType("Node").withMax(q("cpu", "1")).build())))
                .containsExactly("spec.limits[0].type: Invalid value: \"Node\": must be a standard limit type or fully qualified");
        assertThat(errors(limits(new LimitRangeItemBuilder().withType("Container").withMax(q("cpu", "1")).build(),
                new LimitRangeItemBuilder().withType("Container").withMax(q("cpu", "1")).build())))
                .containsExactly("spec.limits[1].type: Duplicate value: \"Container\"");
        assertThat(errors(limits(new LimitRangeItemBuilder().withType("Container").withMax(q("storage", "1Gi")).build())))
                // the defaults copied from max fail too, as upstream (defaulting runs before validation)
                .containsExactly("spec.limits[0].max[storage]: Invalid value: \"storage\": must be a standard resource for containers",
                        "spec.limits[0].default[storage]: Invalid value: \"storage\": must be a standard resource for containers",
                        "spec.limits[0].defaultRequest[storage]: Invalid value: \"storage\": must be a standard resource for containers");
    }
}
