package dev.skiff.agent.kubelet.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.agent.NodeAgent;
import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.NodeMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The metrics API end to end in one process: the real control plane scraping a real node's kubelet
 * server (/metrics/resource over HTTPS with the kubelet client certificate) every 2 s, a pod
 * burning a core on the node's own containerd (bridge skiff-mt0 on 10.88.101.0/24), and
 * metrics.k8s.io read back with a client: PodMetrics and NodeMetrics by name and by label, discovery,
 * the table, and 404s. Needs root and the packages bin/test installs.
 */
@Tag("containerd")
class ResourceMetricsApiContainerdTest {
    private static final String POD_CIDR = "10.88.101.0/24";
    private static final String BRIDGE = "skiff-mt0";
    private static final String NODE = "metrics-node";
    private static final String NS = "default";

    private static Path dir;
    private static LocalControlPlane controlPlane;
    private static KubernetesClient client;
    private static NodeAgent agent;

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "skma-"); // short: containerd's socket path must fit a sockaddr_un
        controlPlane = LocalControlPlane.start(dir.resolve("cp"), Duration.ofSeconds(2));
        client = RestClients.fromKubeconfig(controlPlane.kubeconfig());
        agent = NodeAgent.start(client, new NodeAgent.Config(NODE, "127.0.0.1", dir.resolve("agent"), POD_CIDR, BRIDGE,
                Map.of("tier", "metrics"), List.of(), 110, 40, Duration.ofMinutes(5)));
    }

    @AfterAll
    static void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (client != null) {
            client.close();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static <T> T await(String what, Supplier<T> read, java.util.function.Predicate<T> done) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(120);
        T value = read.get();
        while (value == null || !done.test(value)) {
            assertThat(Instant.now()).as("%s; last %s", what, value).isBefore(deadline);
            Thread.sleep(500);
            value = read.get();
        }
        return value;
    }

    private static double cores(Quantity q) {
        return Quantity.getAmountInBytes(q).doubleValue();
    }

    @Test
    void aBusyPodsCpuAndTheNodesUsageAreServedAsMetricsK8sIo() throws Exception {
        Pod pod = new PodBuilder().withNewMetadata().withName("burner").withNamespace(NS).addToLabels("app", "burn").endMetadata()
                .withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .withContainers(new ContainerBuilder().withName("burn").withImage("busybox:1.35").withCommand("sh", "-c", "while :; do :; done").build(),
                        new ContainerBuilder().withName("idle").withImage("busybox:1.35").withCommand("sleep", "3600").build())
                .endSpec().build();
        client.resource(pod).create();
        Pod quiet = new PodBuilder().withNewMetadata().withName("quiet").withNamespace(NS).addToLabels("app", "quiet").endMetadata()
                .withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .withContainers(new ContainerBuilder().withName("idle").withImage("busybox:1.35").withCommand("sleep", "3600").build())
                .endSpec().build();
        client.resource(quiet).create();
        try {
            PodMetrics metrics = await("burner's metrics show a busy container", () -> client.resources(PodMetrics.class).inNamespace(NS)
                    .withName("burner").get(), m -> m.getContainers().size() == 2
                    && cores(m.getContainers().stream().filter(c -> c.getName().equals("burn")).findFirst().orElseThrow().getUsage().get("cpu")) > 0.3);
            var burn = metrics.getContainers().stream().filter(c -> c.getName().equals("burn")).findFirst().orElseThrow();
            var idle = metrics.getContainers().stream().filter(c -> c.getName().equals("idle")).findFirst().orElseThrow();
            assertThat(cores(burn.getUsage().get("cpu"))).isLessThan(1.5);
            assertThat(cores(idle.getUsage().get("cpu"))).isLessThan(0.1);
            assertThat(Quantity.getAmountInBytes(burn.getUsage().get("memory"))).isGreaterThan(BigDecimal.ZERO);
            assertThat(metrics.getMetadata().getLabels()).containsEntry("app", "burn");
            assertThat(metrics.getWindow().getDuration()).isBetween(Duration.ofMillis(500), Duration.ofSeconds(10));
            assertThat(Instant.parse(metrics.getTimestamp())).isAfter(Instant.now().minusSeconds(30));

            await("quiet's metrics", () -> client.resources(PodMetrics.class).inNamespace(NS).withName("quiet").get(), m -> true);
            assertThat(client.resources(PodMetrics.class).inNamespace(NS).withLabel("app", "burn").list().getItems())
                    .extracting(m -> m.getMetadata().getName()).containsExactly("burner");
            assertThat(client.resources(PodMetrics.class).inAnyNamespace().list().getItems())
                    .extracting(m -> m.getMetadata().getName()).contains("burner", "quiet");
            assertThat(client.resources(PodMetrics.class).inNamespace("kube-system").list().getItems()).isEmpty();

            NodeMetrics node = await("the node's metrics", () -> client.resources(NodeMetrics.class).withName(NODE).get(), m -> true);
            assertThat(cores(node.getUsage().get("cpu"))).isGreaterThan(0.3);
            assertThat(Quantity.getAmountInBytes(node.getUsage().get("memory"))).isGreaterThan(BigDecimal.valueOf(1 << 20));
            assertThat(node.getMetadata().getLabels()).containsEntry("tier", "metrics");
            assertThat(client.resources(NodeMetrics.class).withLabel("tier", "metrics").list().getItems()).hasSize(1);
            assertThat(client.resources(NodeMetrics.class).withLabel("tier", "other").list().getItems()).isEmpty();

            var missing = get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope", "application/json");
            assertThat(missing.code()).isEqualTo(404);
            assertThat(json(missing).path("message").asText()).isEqualTo("podmetrics.metrics.k8s.io \"default/nope\" not found");
            assertThat(json(get("/apis/metrics.k8s.io/v1beta1/nodes/nope", "application/json")).path("message").asText())
                    .isEqualTo("nodemetrics.metrics.k8s.io \"nope\" not found");
            assertThat(get("/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=a%20in%20(", "application/json").code()).isEqualTo(400);

            JsonNode resources = json(get("/apis/metrics.k8s.io/v1beta1", "application/json"));
            assertThat(resources.path("groupVersion").asText()).isEqualTo("metrics.k8s.io/v1beta1");
            assertThat(resources.path("resources").findValuesAsText("name")).containsExactly("nodes", "pods");
            assertThat(resources.path("resources").get(1).path("kind").asText()).isEqualTo("PodMetrics");
            assertThat(resources.path("resources").get(1).path("namespaced").asBoolean()).isTrue();
            assertThat(json(get("/apis", "application/json")).path("groups").findValuesAsText("name")).contains("metrics.k8s.io");

            JsonNode table = json(get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burner",
                    "application/json;as=Table;v=v1;g=meta.k8s.io"));
            assertThat(table.path("columnDefinitions").findValuesAsText("name")).containsExactly("Name", "cpu", "memory", "Window");
            assertThat(table.path("rows").get(0).path("cells").get(0).asText()).isEqualTo("burner");
        } finally {
            client.pods().inNamespace(NS).withName("burner").delete();
            client.pods().inNamespace(NS).withName("quiet").delete();
            await("the pods are gone", () -> client.pods().inNamespace(NS).list().getItems(), List::isEmpty);
        }
    }

    private static HttpResponse<String> get(String path, String accept) throws Exception {
        HttpRequest request = client.getHttpClient().newHttpRequestBuilder()
                .uri(client.getMasterUrl().toString().replaceAll("/$", "") + path).header("Accept", accept).build();
        return client.getHttpClient().sendAsync(request, String.class).get();
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return new ObjectMapper().readTree(response.body());
    }
}
