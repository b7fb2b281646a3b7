package dev.skiff.controller.namespace;

import dev.skiff.controller.ControlPlaneTest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControllerManager;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceCondition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The namespace controller empties a deleted namespace, against the real API server. */
class NamespaceControllerTest extends ControlPlaneTest {

    @Test
    void deletingANamespaceRemovesEverythingInItThenTheNamespace() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("*"), false, 2)) {
            client.resource(new NamespaceBuilder().withNewMetadata().withName("team").endMetadata().build()).create();
            client.resource(new ConfigMapBuilder().withNewMetadata().withName("conf").withNamespace("team").endMetadata()
                    .addToData("k", "v").build()).create();
            client.resource(new SecretBuilder().withNewMetadata().withName("s").withNamespace("team").endMetadata()
                    .addToStringData("k", "v").build()).create();
            client.resource(new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("team").endMetadata()
                    .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
                    .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                    .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate()
                    .endSpec().build()).create();
            await("pods", () -> client.pods().inNamespace("team").list().getItems().size() == 2);

            client.namespaces().withName("team").delete();
            await("the namespace is gone", () -> client.namespaces().withName("team").get() == null);
            assertThat(client.configMaps().inNamespace("team").list().getItems()).isEmpty();
            assertThat(client.secrets().inNamespace("team").list().getItems()).isEmpty();
            assertThat(client.apps().deployments().inNamespace("team").list().getItems()).isEmpty();
            assertThat(client.apps().replicaSets().inNamespace("team").list().getItems()).isEmpty();
            assertThat(client.pods().inNamespace("team").list().getItems()).isEmpty();

            // the name is free again, and the new namespace starts without the old content (the root CA
            // publisher may already have put its kube-root-ca.crt there)
            client.resource(new NamespaceBuilder().withNewMetadata().withName("team").endMetadata().build()).create();
            assertThat(client.configMaps().inNamespace("team").list().getItems()).extracting(c -> c.getMetadata().getName())
                    .doesNotContain("conf");
            assertThat(client.secrets().inNamespace("team").list().getItems()).isEmpty();
        }
    }

    @Test
    void contentWithAFinalizerKeepsTheNamespaceTerminatingWithConditionsSayingWhy() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("namespace"), false, 2)) {
            client.resource(new NamespaceBuilder().withNewMetadata().withName("held").endMetadata().build()).create();
            client.resource(new ConfigMapBuilder().withNewMetadata().withName("pinned").withNamespace("held")
                    .addToFinalizers("example.com/hold").endMetadata().build()).create();
            client.namespaces().withName("held").delete();
            await("conditions say what remains", () -> {
                Namespace ns = client.namespaces().withName("held").get();
                Map<String, NamespaceCondition> c = conditions(ns);
                return c.containsKey("NamespaceFinalizersRemaining") && "True".equals(c.get("NamespaceFinalizersRemaining").getStatus());
            });
            Namespace ns = client.namespaces().withName("held").get();
            assertThat(ns.getStatus().getPhase()).isEqualTo("Terminating");
            Map<String, NamespaceCondition> c = conditions(ns);
            assertThat(c.get("NamespaceContentRemaining").getReason()).isEqualTo("SomeResourcesRemain");
            assertThat(c.get("NamespaceContentRemaining").getMessage())
                    .isEqualTo("Some resources are remaining: configmaps. has 1 resource instances");
            assertThat(c.get("NamespaceFinalizersRemaining").getMessage())
                    .isEqualTo("Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances");
            assertThat(c.get("NamespaceDeletionDiscoveryFailure").getStatus()).isEqualTo("False");
            assertThat(c.get("NamespaceDeletionContentFailure").getReason()).isEqualTo("ContentDeleted");
            assertThat(ns.getSpec().getFinalizers()).containsExactly("kubernetes");

            client.configMaps().inNamespace("held").withName("pinned")
                    .edit(cm -> new ConfigMapBuilder(cm).editMetadata().withFinalizers(List.of()).endMetadata().build());
            await("the namespace goes once its content has", () -> client.namespaces().withName("held").get() == null);
        }
    }

    private static Map<String, NamespaceCondition> conditions(Namespace ns) {
        if (ns == null || ns.getStatus() == null || ns.getStatus().getConditions() == null) {
            return Map.of();
        }
        return ns.getStatus().getConditions().stream().collect(Collectors.toMap(NamespaceCondition::getType, c -> c));
    }

}
