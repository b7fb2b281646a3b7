package dev.skiff.api.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

class ShallowCopyTest {
    private static final String POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
             "spec":{"containers":[{"name":"c","image":"busybox","resources":{"requests":{"cpu":"100m"}}}],
              "tolerations":[{"key":"k","operator":"Exists"}],"priority":5,"schedulerName":"default-scheduler",
              "hostNetwork":true,"nodeSelector":{"pool":"a"},"futureField":"kept"},
             "status":{"phase":"Pending"},"unknownTopLevel":1}""";

    @Test
    void theCopyIsANewObjectThatHoldsTheSameFieldsAndSharesWhatTheyHold() throws Exception {
        Pod pod = new ObjectMapper().readValue(POD, Pod.class);
        Pod copy = ShallowCopy.of(pod);
        assertThat(copy).isNotSameAs(pod).isEqualTo(pod);
        assertThat(copy.getSpec()).isSameAs(pod.getSpec());
        assertThat(copy.getAdditionalProperties()).containsEntry("unknownTopLevel", 1);

        var spec = ShallowCopy.of(pod.getSpec());
        assertThat(spec).isNotSameAs(pod.getSpec()).isEqualTo(pod.getSpec());
        assertThat(spec.getContainers()).isSameAs(pod.getSpec().getContainers());
        assertThat(spec.getAdditionalProperties()).containsEntry("futureField", "kept");
        spec.setNodeName("n1");
        spec.setPriority(7);
        assertThat(pod.getSpec().getNodeName()).as("the original's fields are its own").isNull();
        assertThat(pod.getSpec().getPriority()).isEqualTo(5);
    }

    /** A subclass's copy holds its superclass's fields too. */
    static class Base {
        String inherited;
    }

    static final class Derived extends Base {
        String own;
    }

    static final class WithFinal {
        final String fixed = "x";
    }

    @Test
    void fieldsOfSuperclassesAreCopied() {
        var original = new Derived();
        original.inherited = "a";
        original.own = "b";
        Derived copy = ShallowCopy.of(original);
        assertThat(copy).isNotSameAs(original);
        assertThat(copy.inherited).isEqualTo("a");
        assertThat(copy.own).isEqualTo("b");
    }

    @Test
    void whatIsNotAPlainModelClassIsRefusedByName() {
        record Pair(String a, String b) {
        }
        assertThatThrownBy(() -> ShallowCopy.of(new Pair("x", "y"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Pair has a final field, a,");
        assertThatThrownBy(() -> ShallowCopy.of(new WithFinal())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("WithFinal has a final field, fixed,");
        assertThatThrownBy(() -> ShallowCopy.of(new java.util.ArrayList<>(java.util.List.of(1)))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.util.ArrayList is not a model class");
    }
}
