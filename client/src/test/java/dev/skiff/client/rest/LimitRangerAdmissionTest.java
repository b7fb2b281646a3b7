package dev.skiff.client.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LimitRangeBuilder;
import io.fabric8.kubernetes.api.model.LimitRangeItemBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LimitRanger on a real server with upstream's default plugins: defaults applied to created pods, violations refused with the whole Status. */
class LimitRangerAdmissionTest {
    @TempDir
    static Path dir;
    private static AdmissionServer raw;
    private static KubernetesClient client;

    @BeforeAll
    static void start() throws Exception {
        raw = new AdmissionServer(dir);
        client = raw.client();
        client.resource(new NamespaceBuilder().withNewMetadata().withName("limits").endMetadata().build()).create();
        client.resource(new LimitRangeBuilder().withNewMetadata().withNamespace("limits").withName("bounds").endMetadata().withNewSpec()
                .addToLimits(new LimitRangeItemBuilder().withType("Container")
                        .withDefault(Map.of("cpu", new Quantity("500m"), "memory", new Quantity("256Mi")))
                        .withDefaultRequest(Map.of("cpu", new Quantity("100m")))
                        .withMin(Map.of("cpu", new Quantity("100m"))).withMax(Map.of("cpu", new Quantity("1"))).build())
                .addToLimits(new LimitRangeItemBuilder().withType("PersistentVolumeClaim")
                        .withMin(Map.of("storage", new Quantity("1Gi"))).withMax(Map.of("storage", new Quantity("5Gi"))).build())
                .endSpec().build()).create();
    }

    @AfterAll
    static void stop() {
        raw.close();
    }

    @Test
    void aCreatedPodGetsTheNamespacesDefaultsAndTheAnnotation() {
        Pod created = client.resource(new PodBuilder().withNewMetadata().withNamespace("limits").withName("plain").endMetadata().withNewSpec()
                .addNewInitContainer().withName("setup").withImage("busybox").endInitContainer()
                .addNewContainer().withName("app").withImage("busybox").withNewResources().addToLimits("cpu", new Quantity("800m")).endResources()
                .endContainer().endSpec().build()).create();
        var app = created.getSpec().getContainers().getFirst().getResources();
        // the stated limit is also the request (pod defaulting); memory's limit is the default, its request the default request,
        // which the LimitRange's own defaulting took from the default
        assertThat(app.getLimits()).containsEntry("cpu", new Quantity("800m")).containsEntry("memory", new Quantity("256Mi"));
        assertThat(app.getRequests()).containsEntry("cpu", new Quantity("800m")).containsEntry("memory", new Quantity("256Mi"));
        var setup = created.getSpec().getInitContainers().getFirst().getResources();
        assertThat(setup.getRequests()).containsEntry("cpu", new Quantity("100m")).containsEntry("memory", new Quantity("256Mi"));
        assertThat(created.getMetadata().getAnnotations()).containsEntry("kubernetes.io/limit-ranger",
                "LimitRanger plugin set: memory request for container app; memory limit for container app; "
                        + "cpu, memory request for init container setup; cpu, memory limit for init container setup");
        assertThat(created.getStatus().getQosClass()).isEqualTo("Burstable");
    }

    @Test
    void aPodOutsideTheBoundsIsRefusedWithUpstreamsStatus() throws Exception {
        var answer = raw.post("/api/v1/namespaces/limits/pods", """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[
                 {"name":"small","image":"busybox","resources":{"requests":{"cpu":"50m"},"limits":{"cpu":"2"}}}]}}""");
        assertThat(answer.code()).isEqualTo(403);
        assertThat(answer.body().path("kind").asText()).isEqualTo("Status");
        assertThat(answer.body().path("status").asText()).isEqualTo("Failure");
        assertThat(answer.body().path("reason").asText()).isEqualTo("Forbidden");
        assertThat(answer.body().path("code").asInt()).isEqualTo(403);
        assertThat(answer.body().path("message").asText()).isEqualTo("pods \"p\" is forbidden: [minimum cpu usage per Container is 100m, "
                + "but request is 50m, maximum cpu usage per Container is 1, but limit is 2]");
        assertThat(answer.body().at("/details/name").asText()).isEqualTo("p");
        assertThat(answer.body().at("/details/kind").asText()).isEqualTo("pods");
        assertThat(client.pods().inNamespace("limits").withName("p").get()).isNull();
    }

    @Test
    void claimsOutsideTheStorageBoundsAreRefusedOnCreateAndUpdate() throws Exception {
        String claim = """
                {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"%s"},
                 "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"%s"}}}}""";
        var small = raw.post("/api/v1/namespaces/limits/persistentvolumeclaims", claim.formatted("small", "100Mi"));
        assertThat(small.code()).isEqualTo(403);
        assertThat(small.body().path("message").asText()).isEqualTo("persistentvolumeclaims \"small\" is forbidden: "
                + "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 100Mi");
        assertThat(raw.post("/api/v1/namespaces/limits/persistentvolumeclaims", claim.formatted("data", "2Gi")).code()).isEqualTo(201);
        // only a bound claim may grow
        assertThat(raw.send("PATCH", "/api/v1/namespaces/limits/persistentvolumeclaims/data/status", "application/merge-patch+json",
                "{\"status\":{\"phase\":\"Bound\"}}").code()).isEqualTo(200);
        var grown = raw.send("PATCH", "/api/v1/namespaces/limits/persistentvolumeclaims/data", "application/merge-patch+json",
                "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"8Gi\"}}}}");
        assertThat(grown.code()).isEqualTo(403);
        assertThat(grown.body().path("message").asText()).isEqualTo("persistentvolumeclaims \"data\" is forbidden: "
                + "maximum storage usage per PersistentVolumeClaim is 5Gi, but request is 8Gi");
    }
}
