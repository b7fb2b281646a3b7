package dev.skiff.registry.core.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodPriorityTest {
    private static final PriorityClass HIGH = new PriorityClassBuilder().withNewMetadata().withName("high").endMetadata()
            .withValue(1000).withPreemptionPolicy("Never").build();
    private static final PriorityClass DEFAULT = new PriorityClassBuilder().withNewMetadata().withName("everyone").endMetadata()
            .withValue(7).withGlobalDefault(true).build();

    @Test
    void thePodGetsItsClassesValueAndPolicy() {
        Pod pod = pod("high", null);
        new PodStrategy(new PodPriority(() -> List.of(HIGH))).prepareForCreate(pod);
        assertThat(pod.getSpec().getPriority()).isEqualTo(1000);
        assertThat(pod.getSpec().getPreemptionPolicy()).isEqualTo("Never");
    }

    @Test
    void withoutAClassTheGlobalDefaultElseZero() {
        Pod pod = pod(null, null);
        new PodStrategy(new PodPriority(() -> List.of(HIGH, DEFAULT))).prepareForCreate(pod);
        assertThat(pod.getSpec().getPriorityClassName()).isEqualTo("everyone");
        assertThat(pod.getSpec().getPriority()).isEqualTo(7);
        assertThat(pod.getSpec().getPreemptionPolicy()).isEqualTo("PreemptLowerPriority");

        Pod plain = pod(null, null);
        new PodStrategy(new PodPriority(() -> List.of(HIGH))).prepareForCreate(plain);
        assertThat(plain.getSpec().getPriorityClassName()).isNull();
        assertThat(plain.getSpec().getPriority()).isZero();
    }

    @Test
    void anUnknownClassOrADisagreeingPriorityIsForbiddenAsUpstream() {
        assertThatThrownBy(() -> new PodStrategy(PodPriority.none()).prepareForCreate(pod("missing", null)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(403))
                .hasMessage("pods \"p\" is forbidden: no PriorityClass with name missing was found");
        assertThatThrownBy(() -> new PodStrategy(new PodPriority(() -> List.of(HIGH))).prepareForCreate(pod("high", 5)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(403))
                .hasMessage("pods \"p\" is forbidden: the integer value of priority (5) must not be provided in pod spec; "
                        + "priority admission controller computed 1000 from the given PriorityClass name");
    }

    private static Pod pod(String className, Integer priority) {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").endMetadata()
                .withNewSpec().withPriorityClassName(className).withPriority(priority)
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
    }
}
