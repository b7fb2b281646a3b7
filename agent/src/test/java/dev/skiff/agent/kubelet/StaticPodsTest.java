package dev.skiff.agent.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.kubelet.config.FileSource;
import dev.skiff.agent.simulated.SimulatedNodes;
import dev.skiff.agent.simulated.SimulatedPodSyncer;
import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Static pods on a simulated node against the real API server: run from files, mirrored, recreated, removed. */
class StaticPodsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String NODE = "sim-0";

    @TempDir
    Path dir;
    private LocalControlPlane controlPlane;
    private KubernetesClient client;
    private Path manifests;

    @BeforeEach
    void start() throws Exception {
        controlPlane = LocalControlPlane.start(dir.resolve("cp"));
        client = RestClients.fromKubeconfig(controlPlane.kubeconfig());
        manifests = Files.createDirectories(dir.resolve("manifests"));
    }

    @AfterEach
    void stop() {
        client.close();
        controlPlane.close();
    }

    private static String manifest(String image) {
        return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: kube-system\nspec:\n  containers:\n  - name: httpd\n    image: "
                + image + "\n";
    }

    @Test
    void aStaticPodRunsWithAMirrorPodThatComesBackAndGoesWithItsFile() throws Exception {
        Files.writeString(manifests.resolve("web.yaml"), manifest("skiff.local/httpd:1.35"));
        try (var kubelet = Kubelet.start(client, Clock.systemUTC(), new Kubelet.Config(40, Duration.ofMinutes(5), null, 2),
                SimulatedNodes.fleet("sim", 1, 110, Map.of(), List.of()),
                node -> new SimulatedPodSyncer(SimulatedNodes.internalIp(0), SimulatedNodes.podCidrPrefix(0), Clock.systemUTC()));
             var files = new FileSource(manifests, NODE).start(Duration.ofMillis(200), pods -> kubelet.updateStaticPods(NODE, pods))) {
            await("the mirror pod shows the static pod Running", () -> "Running".equals(phase(mirror())));
            Pod mirror = mirror();
            String hash = mirror.getMetadata().getAnnotations().get(FileSource.CONFIG_HASH);
            assertThat(hash).matches("[0-9a-f]{32}");
            assertThat(mirror.getMetadata().getAnnotations()).containsEntry(FileSource.CONFIG_MIRROR, hash)
                    .containsEntry(FileSource.CONFIG_SOURCE, "file");
            assertThat(mirror.getMetadata().getUid()).isNotEqualTo(hash);
            String nodeUid = client.nodes().withName(NODE).get().getMetadata().getUid();
            assertThat(mirror.getMetadata().getOwnerReferences()).singleElement().satisfies(r -> {
                assertThat(r.getKind()).isEqualTo("Node");
                assertThat(r.getApiVersion()).isEqualTo("v1");
                assertThat(r.getName()).isEqualTo(NODE);
                assertThat(r.getUid()).isEqualTo(nodeUid);
            });
            assertThat(mirror.getSpec().getNodeName()).isEqualTo(NODE);
            assertThat(mirror.getStatus().getPodIP()).startsWith(SimulatedNodes.podCidrPrefix(0));
            // the kubelet server finds the static pod by its mirror's name, with the status the mirror shows
            await("the static pod's status is its mirror's", () -> "Running".equals(phase(kubelet.podByName("kube-system", "web-sim-0").orElseThrow())));
            assertThat(kubelet.podByName("kube-system", "web-sim-0").orElseThrow().getMetadata().getUid()).isEqualTo(hash);

            // deleted through the API: created again, the static pod running on
            client.pods().inNamespace("kube-system").withName("web-sim-0").delete();
            await("the mirror pod is back", () -> {
                Pod m = mirror();
                return m != null && !m.getMetadata().getUid().equals(mirror.getMetadata().getUid()) && "Running".equals(phase(m));
            });
            assertThat(mirror().getMetadata().getAnnotations()).containsEntry(FileSource.CONFIG_MIRROR, hash);

            // a changed file is a new static pod: its mirror is replaced
            Files.writeString(manifests.resolve("web.yaml"), manifest("skiff.local/httpd:1.36"));
            await("the mirror pod follows the changed file", () -> {
                Pod m = mirror();
                return m != null && !hash.equals(m.getMetadata().getAnnotations().get(FileSource.CONFIG_MIRROR)) && "Running".equals(phase(m));
            });
            assertThat(mirror().getSpec().getContainers().getFirst().getImage()).isEqualTo("skiff.local/httpd:1.36");

            // the file removed: the pod stops and its mirror pod is deleted
            Files.delete(manifests.resolve("web.yaml"));
            await("the mirror pod is deleted", () -> mirror() == null);
            assertThat(kubelet.podByName("kube-system", "web-sim-0")).isEmpty();
        }
    }

    @Test
    void aMirrorPodWithoutItsFileIsDeleted() throws Exception {
        try (var kubelet = Kubelet.start(client, Clock.systemUTC(), new Kubelet.Config(40, Duration.ofMinutes(5), null, 2),
                SimulatedNodes.fleet("sim", 1, 110, Map.of(), List.of()),
                node -> new SimulatedPodSyncer(SimulatedNodes.internalIp(0), SimulatedNodes.podCidrPrefix(0), Clock.systemUTC()))) {
            // left by an earlier run of the agent whose file is gone meanwhile
            Path gone = Files.writeString(dir.resolve("old.yaml"), manifest("busybox:1.35"));
            var orphan = new FileSource(gone, NODE).read().getFirst();
            orphan.getMetadata().getAnnotations().put(FileSource.CONFIG_MIRROR, orphan.getMetadata().getUid());
            orphan.getMetadata().setUid(null);
            orphan.setStatus(null);
            client.pods().inNamespace("kube-system").resource(orphan).create();
            await("the orphaned mirror pod is deleted", () -> mirror() == null);
            // and an ordinary pod bound to the node still runs
            assertThat(kubelet.nodeNames()).containsExactly(NODE);
        }
    }

    private Pod mirror() {
        return client.pods().inNamespace("kube-system").withName("web-sim-0").get();
    }

    private static String phase(Pod pod) {
        return pod == null || pod.getStatus() == null ? null : pod.getStatus().getPhase();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(100);
        }
    }
}
