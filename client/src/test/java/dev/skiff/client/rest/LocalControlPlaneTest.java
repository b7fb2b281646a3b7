package dev.skiff.client.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process control plane other modules test against: every system object is there, data survives a restart. */
class LocalControlPlaneTest {

    @Test
    void servesTheSystemObjectsAndKeepsDataAcrossARestartOnTheSamePort(@TempDir Path dir) {
        int port;
        try (var cp = LocalControlPlane.start(dir); KubernetesClient client = RestClients.fromKubeconfig(cp.kubeconfig())) {
            port = cp.port();
            assertThat(client.namespaces().list().getItems()).extracting(n -> n.getMetadata().getName())
                    .contains("default", "kube-system", "kube-public", "kube-node-lease");
            assertThat(client.services().inNamespace("default").withName("kubernetes").get().getSpec().getClusterIP())
                    .isEqualTo("10.43.0.1");
            assertThat(client.apps().deployments().inAnyNamespace().list().getItems()).isEmpty();
            client.resource(new ConfigMapBuilder().withNewMetadata().withName("kept").withNamespace("default").endMetadata()
                    .addToData("k", "v").build()).create();
        }
        try (var cp = LocalControlPlane.start(dir, port); KubernetesClient client = RestClients.fromKubeconfig(cp.kubeconfig())) {
            assertThat(cp.port()).isEqualTo(port);
            assertThat(client.configMaps().inNamespace("default").withName("kept").get().getData()).containsEntry("k", "v");
            Namespace ns = client.namespaces().withName("kube-system").get();
            assertThat(ns.getStatus().getPhase()).isEqualTo("Active");
        }
    }
}
