package dev.skiff.registry.scheduling.priorityclass;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import org.junit.jupiter.api.Test;

class PriorityClassStrategyTest {
    private final java.util.List<PriorityClass> stored = new java.util.ArrayList<>();
    private final PriorityClassStrategy strategy = new PriorityClassStrategy(() -> stored);

    static PriorityClass pc(String name, int value) {
        return new PriorityClassBuilder().withNewMetadata().withName(name).endMetadata().withValue(value).build();
    }

    @Test
    void systemClassesAreTheUpstreamOnesAndValid() {
        assertThat(PriorityClassStrategy.systemPriorityClasses()).extracting(p -> p.getMetadata().getName() + "=" + p.getValue())
                .containsExactly("system-node-critical=2000001000", "system-cluster-critical=2000000000");
        PriorityClassStrategy.systemPriorityClasses().forEach(p -> assertThat(strategy.validate(p)).isEmpty());
    }

    @Test
    void userValuesAreBoundedAndTheSystemPrefixReserved() {
        assertThat(strategy.validate(pc("high", 1_000_000_001))).extracting(c -> c.field() + ": " + c.message())
                .containsExactly("value: Forbidden: maximum allowed value of a user defined priority is 1000000000");
        assertThat(strategy.validate(pc("system-mine", 1))).extracting(c -> c.field() + ": " + c.message()).containsExactly(
                "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. "
                        + "error: system-mine is not a known system priority class");
        assertThat(strategy.validate(pc("system-node-critical", 5))).extracting(c -> c.message()).containsExactly(
                "Forbidden: priority class names with 'system-' prefix are reserved for system use only. "
                        + "error: value of system-node-critical PriorityClass must be 2000001000");
    }

    @Test
    void onlyOneGlobalDefault() {
        PriorityClass current = pc("normal", 10);
        current.setGlobalDefault(true);
        stored.add(current);
        PriorityClass second = pc("other", 20);
        second.setGlobalDefault(true);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> strategy.validate(second))
                .isInstanceOfSatisfying(dev.skiff.api.errors.ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(403);
                    assertThat(e.getMessage()).isEqualTo("priorityclasses.scheduling.k8s.io \"other\" is forbidden: "
                            + "PriorityClass normal is already marked as default. Only one default can exist");
                });
        assertThat(strategy.validate(current)).as("the default itself may be updated").isEmpty();
        second.setGlobalDefault(false);
        assertThat(strategy.validate(second)).isEmpty();
    }

    @Test
    void defaultsPreemptionAndKeepsValueAndPolicy() {
        PriorityClass old = pc("high", 1000);
        strategy.prepareForCreate(old);
        assertThat(old.getPreemptionPolicy()).isEqualTo("PreemptLowerPriority");
        PriorityClass changed = pc("high", 2000);
        changed.setPreemptionPolicy("Never");
        assertThat(strategy.validateUpdate(changed, old)).extracting(c -> c.field() + ": " + c.message()).containsExactly(
                "value: Forbidden: may not be changed in an update.",
                "preemptionPolicy: Invalid value: \"Never\": field is immutable");
    }
}
