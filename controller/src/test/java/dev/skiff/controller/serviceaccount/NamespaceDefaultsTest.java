package dev.skiff.controller.serviceaccount;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControlPlaneTest;
import dev.skiff.controller.ControllerManager;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What every namespace gets from the controller manager: the default service account and the root CA config map. */
class NamespaceDefaultsTest extends ControlPlaneTest {

    @Test
    void everyNamespaceGetsTheDefaultServiceAccountBackWhenDeleted() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("serviceaccount"), false, 2)) {
            for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
                await("default service account in " + ns,
                        () -> client.serviceAccounts().inNamespace(ns).withName("default").get() != null);
            }
            client.resource(new NamespaceBuilder().withNewMetadata().withName("apps").endMetadata().build()).create();
            await("in a new namespace", () -> client.serviceAccounts().inNamespace("apps").withName("default").get() != null);
            String uid = client.serviceAccounts().inNamespace("apps").withName("default").get().getMetadata().getUid();
            client.serviceAccounts().inNamespace("apps").withName("default").delete();
            await("recreated", () -> {
                var sa = client.serviceAccounts().inNamespace("apps").withName("default").get();
                return sa != null && !sa.getMetadata().getUid().equals(uid);
            });
        }
    }

    @Test
    void everyNamespaceGetsTheClusterCaAndEditsAreUndone() throws Exception {
        String ca = controlPlaneCa();
        try (var manager = ControllerManager.start(client, List.of("root-ca-cert-publisher"), false, 2)) {
            client.resource(new NamespaceBuilder().withNewMetadata().withName("apps").endMetadata().build()).create();
            await("kube-root-ca.crt in apps", () -> client.configMaps().inNamespace("apps").withName("kube-root-ca.crt").get() != null);
            ConfigMap cm = client.configMaps().inNamespace("apps").withName("kube-root-ca.crt").get();
            assertThat(cm.getData()).containsOnlyKeys("ca.crt");
            assertThat(cm.getData().get("ca.crt")).isEqualTo(ca).startsWith("-----BEGIN CERTIFICATE-----");
            assertThat(cm.getMetadata().getAnnotations()).containsKey("kubernetes.io/description");
            assertThat(client.configMaps().inNamespace("default").withName("kube-root-ca.crt").get()).isNotNull();

            client.configMaps().inNamespace("apps").withName("kube-root-ca.crt")
                    .edit(c -> new ConfigMapBuilder(c).withData(java.util.Map.of("ca.crt", "tampered")).build());
            await("the CA is put back", () -> ca.equals(client.configMaps().inNamespace("apps").withName("kube-root-ca.crt").get()
                    .getData().get("ca.crt")));
        }
    }

    /** The cluster CA as the server wrote it at first start. */
    private String controlPlaneCa() throws Exception {
        return java.nio.file.Files.readString(dir.resolve("tls").resolve("cluster-ca.crt"));
    }
}
