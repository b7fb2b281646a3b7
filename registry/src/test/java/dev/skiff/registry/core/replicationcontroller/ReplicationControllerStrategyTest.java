package dev.skiff.registry.core.replicationcontroller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicationControllerStrategyTest {

    static ReplicationControllerBuilder rc(String name) {
        return new ReplicationControllerBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "web")).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate().endSpec();
    }

    @Test
    void defaultsFromTheTemplateValidationAndStatusSplit(@TempDir Path dir) {
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var rcs = new GenericRegistry<>(store, ReplicationControllerStrategy.RESOURCE, new ReplicationControllerStrategy(),
                    Clock.systemUTC(), new SplittableRandom(9));
            ReplicationController created = rcs.create("default", rc("web").build(), false);
            assertThat(created.getSpec().getReplicas()).isEqualTo(1);
            assertThat(created.getSpec().getSelector()).isEqualTo(Map.of("app", "web"));
            assertThat(created.getMetadata().getLabels()).isEqualTo(Map.of("app", "web"));
            assertThat(created.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Always");
            assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);
            assertThat(created.getStatus().getReplicas()).isZero();

            assertThatThrownBy(() -> rcs.create("default", rc("bad").editSpec().withSelector(Map.of("app", "other"))
                    .withReplicas(-2).endSpec().build(), false)).isInstanceOfSatisfying(ApiException.class, e ->
                    assertThat(e.getMessage()).isEqualTo("ReplicationController \"bad\" is invalid: [spec.replicas: Invalid value: -2: "
                            + "must be greater than or equal to 0, spec.template.metadata.labels: Invalid value: "
                            + "map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`]"));
            assertThatThrownBy(() -> rcs.create("default", rc("never").editSpec().editTemplate().editSpec().withRestartPolicy("Never")
                    .endSpec().endTemplate().endSpec().build(), false)).isInstanceOfSatisfying(ApiException.class, e ->
                    assertThat(e.getMessage()).endsWith("spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""));

            // status through the main resource is ignored; through status it is taken, and the spec is not
            ReplicationController withStatus = new ReplicationControllerBuilder(created).editStatus().withReplicas(4).endStatus()
                    .editSpec().withReplicas(7).endSpec().build();
            ReplicationController main = rcs.update("default", "web", withStatus, false).object();
            assertThat(main.getStatus().getReplicas()).isZero();
            assertThat(main.getSpec().getReplicas()).isEqualTo(7);
            assertThat(main.getMetadata().getGeneration()).isEqualTo(2L);
            var status = rcs.subresource("status").orElseThrow();
            ReplicationController viaStatus = status.update("default", "web", new ReplicationControllerBuilder(withStatus)
                    .editSpec().withReplicas(9).endSpec().editMetadata().withResourceVersion(null).endMetadata().build(), false).object();
            assertThat(viaStatus.getStatus().getReplicas()).isEqualTo(4);
            assertThat(viaStatus.getSpec().getReplicas()).isEqualTo(7);
            assertThat(viaStatus.getMetadata().getGeneration()).isEqualTo(2L);
            assertThatThrownBy(() -> status.update("default", "web", new ReplicationControllerBuilder(viaStatus).editStatus()
                    .withReplicas(-1).endStatus().build(), false)).isInstanceOfSatisfying(ApiException.class, e ->
                    assertThat(e.getMessage()).endsWith("status.replicas: Invalid value: -1: must be greater than or equal to 0"));
            assertThat(rcs.getScale("default", "web").getStatus().getReplicas()).isEqualTo(4);
        }
    }
}
