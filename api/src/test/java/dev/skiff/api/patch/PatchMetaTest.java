package dev.skiff.api.patch;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PatchMetaTest {

    @Test
    void everyFactNamesARealFieldOfTheModelWithTheRightShape() {
        PatchFactsTable.FACTS.forEach((type, facts) -> facts.forEach((name, fact) -> {
            PatchMeta.Field field = PatchMeta.forType(type).field(name).orElseThrow(
                    () -> new AssertionError(type.getSimpleName() + " has no JSON field " + name));
            assertThat(field.facts()).as("%s.%s", type.getSimpleName(), name).isEqualTo(fact);
            if (fact.listType() != null || fact.patchMergeKey() != null || fact.mergeStrategy().equals("merge")) {
                assertThat(field.shape()).as("%s.%s is a list", type.getSimpleName(), name).isEqualTo(PatchMeta.Shape.LIST);
            } else {
                assertThat(field.shape()).as("%s.%s is a struct", type.getSimpleName(), name).isEqualTo(PatchMeta.Shape.OBJECT);
            }
            if (fact.patchMergeKey() != null) {
                assertThat(field.meta().field(fact.patchMergeKey())).as("merge key %s of %s.%s", fact.patchMergeKey(),
                        type.getSimpleName(), name).isPresent();
            }
            for (String key : fact.listMapKeys()) {
                assertThat(field.meta().field(key)).as("list map key %s of %s.%s", key, type.getSimpleName(), name).isPresent();
            }
        }));
    }

    @Test
    void podFieldsAreFoundByPathThroughTheModel() {
        PatchMeta pod = PatchMeta.forType(Pod.class);
        assertThat(pod.factsAt("spec.containers")).contains(new PatchFacts("merge", "name", "map", List.of("name")));
        assertThat(pod.factsAt("spec.containers.env")).contains(new PatchFacts("merge", "name", "map", List.of("name")));
        assertThat(pod.factsAt("spec.containers.ports"))
                .contains(new PatchFacts("merge", "containerPort", "map", List.of("containerPort", "protocol")));
        assertThat(pod.factsAt("spec.volumes")).hasValueSatisfying(f -> {
            assertThat(f.retainKeys()).isTrue();
            assertThat(f.mergeStrategy()).isEqualTo("merge");
        });
        assertThat(pod.factsAt("metadata.finalizers")).contains(new PatchFacts("merge", null, "set", List.of()));
        assertThat(pod.factsAt("spec.tolerations")).as("atomic").isEmpty();
        assertThat(pod.factsAt("spec.noSuchField")).isEmpty();
        assertThat(pod.field("spec").orElseThrow().shape()).isEqualTo(PatchMeta.Shape.OBJECT);
        assertThat(pod.field("metadata").orElseThrow().meta().field("labels").orElseThrow().shape()).isEqualTo(PatchMeta.Shape.MAP);
        assertThat(pod.factsAt("spec.containers.ports").orElseThrow()).isNotNull();
        PatchMeta.Field env = PatchMeta.forType(Container.class).field("env").orElseThrow();
        assertThat(env.valueType()).isEqualTo(EnvVar.class);
    }

    @Test
    void retainKeysAndReplaceOnStructFields() {
        assertThat(PatchMeta.forType(Deployment.class).factsAt("spec.strategy")).hasValueSatisfying(f -> {
            assertThat(f.retainKeys()).isTrue();
            assertThat(f.mergeStrategy()).isEmpty();
        });
        assertThat(PatchMeta.forType(Deployment.class).factsAt("spec.template.spec.initContainers")).isPresent();
        assertThat(PatchMeta.forType(PodDisruptionBudget.class).factsAt("spec.selector"))
                .hasValueSatisfying(f -> assertThat(f.mergeStrategy()).isEqualTo("replace"));
    }

    @Test
    void valuesAndFreeFormMapsHaveNoFields() {
        assertThat(PatchMeta.forType(Quantity.class).isStruct()).isFalse();
        assertThat(PatchMeta.forType(String.class).isStruct()).isFalse();
        PatchMeta.Field data = PatchMeta.forType(ConfigMap.class).field("data").orElseThrow();
        assertThat(data.shape()).isEqualTo(PatchMeta.Shape.MAP);
        assertThat(data.meta().isStruct()).isFalse();
        assertThat(PatchMeta.forType(ConfigMap.class).fields()).containsKeys("metadata", "data", "binaryData", "immutable")
                .doesNotContainKey("additionalProperties");
        assertThat(Map.copyOf(PatchMeta.forType(Pod.class).fields())).containsKeys("apiVersion", "kind", "spec", "status");
    }
}
