package dev.skiff.client.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.apiserver.audit.AuditOptions;
import dev.skiff.apiserver.audit.Policy;
import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.apiserver.pki.ClusterPki;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.skiff.apiserver.pki.SubjectAltNames;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeDaemonEndpointsBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Set;
import javax.net.ssl.SSLContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API server's in-process transport as the components inside {@code skiff server} use it: a fabric8
 * client whose requests go through the whole request chain in this process, with the kubeconfig's
 * identity - told apart from network requests by the audit log, where they have no source address.
 */
class InProcessClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = "in-process";
    @TempDir
    static Path dir;
    private static LocalControlPlane server;
    private static KubernetesClient inProcess;
    private static KubernetesClient network;
    private static Path auditLog;

    @BeforeAll
    static void start() {
        auditLog = dir.resolve("audit.log");
        server = LocalControlPlane.start(dir.resolve("server"), new AuditOptions(Policy.parse("""
                apiVersion: audit.k8s.io/v1
                kind: Policy
                rules:
                - level: Metadata
                """), auditLog.toString(), 0, 0, 0));
        network = RestClients.fromKubeconfig(server.kubeconfig());
        inProcess = RestClients.inProcess(server.kubeconfig(), server.controlPlane().apiServer()::inProcessClients);
        network.resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    }

    @AfterAll
    static void stop() {
        inProcess.close();
        network.close();
        server.close();
    }

    private static ConfigMap configMap(String name, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(NS).addToLabels("app", "web").endMetadata()
                .withData(data).build();
    }

    /**
     * The source addresses of the audit events (stage ResponseComplete) of requests whose path ends with {@code uriSuffix}
     * and verb is {@code verb} ("none" for none), once there are {@code atLeast} of them or after 15 s.
     */
    private static List<String> sources(String verb, String uriSuffix, int atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            var found = new ArrayList<JsonNode>();
            if (Files.exists(auditLog)) {
                for (String line : Files.readAllLines(auditLog)) {
                    JsonNode event = JSON.readTree(line);
                    if (event.path("verb").asText().equals(verb) && event.path("requestURI").asText().replaceAll("\\?.*", "").endsWith(uriSuffix)
                            && event.path("stage").asText().equals("ResponseComplete")) {
                        found.add(event);
                    }
                }
            }
            if (found.size() >= atLeast || System.nanoTime() > deadline) {
                return found.stream().map(e -> e.path("sourceIPs").size() == 0 ? "none" : e.path("sourceIPs").toString()).toList();
            }
            Thread.sleep(20);
        }
    }

    @Test
    void requestsGoThroughTheWholeChainInThisProcessAsTheKubeconfigsUser() throws Exception {
        var created = inProcess.resource(configMap("settings", Map.of("a", "1"))).create();
        assertThat(created.getMetadata().getUid()).isNotEmpty();
        assertThat(inProcess.configMaps().inNamespace(NS).withName("settings").get().getData()).containsEntry("a", "1");
        assertThat(inProcess.configMaps().inNamespace(NS).withLabel("app", "web").list().getItems())
                .extracting(c -> c.getMetadata().getName()).contains("settings");
        inProcess.configMaps().inNamespace(NS).withName("settings")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"b\":\"2\"}}");
        assertThat(network.configMaps().inNamespace(NS).withName("settings").get().getData()).containsEntry("b", "2");

        // errors come back as the Status the chain answered
        var stale = configMap("settings", Map.of("a", "stale"));
        stale.getMetadata().setResourceVersion(created.getMetadata().getResourceVersion());
        assertThatThrownBy(() -> inProcess.resource(stale).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
        assertThatThrownBy(() -> inProcess.resource(configMap("Not_A_Name", Map.of())).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getStatus().getDetails().getCauses()).extracting(c -> c.getField()).contains("metadata.name");
                });
        assertThatThrownBy(() -> inProcess.resource(configMap("huge", Map.of("big", "x".repeat(4 * 1024 * 1024)))).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(413));
        assertThat(network.configMaps().inNamespace(NS).withName("huge").get()).as("nothing written").isNull();
        assertThat(inProcess.configMaps().inNamespace(NS).withName("missing").get()).isNull();

        // the identity is the kubeconfig's client certificate, as over TLS
        var review = inProcess.resource(new SelfSubjectReview()).create();
        assertThat(review.getStatus().getUserInfo().getUsername()).isEqualTo(ClusterPki.ADMIN_USER);
        assertThat(review.getStatus().getUserInfo().getGroups()).contains(ClusterPki.MASTERS_GROUP);

        // in this process: no source address, where the network's requests have loopback's
        network.configMaps().inNamespace(NS).withName("settings").get();
        assertThat(sources("create", "/namespaces/" + NS + "/configmaps", 1)).first().isEqualTo("none");
        assertThat(sources("get", "/namespaces/" + NS + "/configmaps/settings", 4)).contains("none", "[\"127.0.0.1\"]");

        inProcess.configMaps().inNamespace(NS).withName("settings").delete();
        assertThat(network.configMaps().inNamespace(NS).withName("settings").get()).isNull();
    }

    @Test
    void watchesAndInformersFollowChangesAndAClosedWatchStopsDelivering() throws Exception {
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        var informer = inProcess.configMaps().inNamespace(NS).withLabel("app", "informed").inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap c) {
                seen.add("add " + c.getMetadata().getName());
            }

            @Override
            public void onUpdate(ConfigMap old, ConfigMap c) {
                if (!old.getMetadata().getResourceVersion().equals(c.getMetadata().getResourceVersion())) {
                    seen.add("update " + c.getMetadata().getName() + " " + c.getData().get("v"));
                }
            }

            @Override
            public void onDelete(ConfigMap c, boolean unknown) {
                seen.add("delete " + c.getMetadata().getName());
            }
        });
        try {
            var informed = new ConfigMapBuilder().withNewMetadata().withName("informed").withNamespace(NS).addToLabels("app", "informed")
                    .endMetadata().addToData("v", "1").build();
            network.resource(informed).create();
            assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("add informed");
            network.configMaps().inNamespace(NS).withName("informed").edit(c -> {
                c.getData().put("v", "2");
                return c;
            });
            assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("update informed 2");
            network.configMaps().inNamespace(NS).withName("informed").delete();
            assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("delete informed");
        } finally {
            informer.stop();
        }

        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        var watch = inProcess.configMaps().inNamespace(NS).withName("watched").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, ConfigMap resource) {
                events.add(action + " " + resource.getMetadata().getName());
            }

            @Override
            public void onClose(WatcherException cause) {
                events.add("closed " + cause);
            }
        });
        network.resource(configMap("watched", Map.of("v", "1"))).create();
        assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("ADDED watched");
        watch.close();
        network.configMaps().inNamespace(NS).withName("watched").delete();
        assertThat(events.poll(1, TimeUnit.SECONDS)).as("nothing after close").isNull();
    }

    @Test
    void anAggregatedApiIsServedInThisProcessTooTheAggregatorDialsTheExtension() throws Exception {
        String group = "relayed.example.com";
        try (var extension = new ExtensionApiServer(network, "relayed", dir.resolve("extension-pki"))
                .serve("/apis/" + group + "/v1", query -> """
                        {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"relayed.example.com/v1","resources":[]}""")
                .serve("/apis/" + group + "/v1/hello", query -> "{\"hello\":\"world\"}")) {
            ExtensionApiServer.register(network, extension.apiService(group, "v1"));
            extension.clearSeen();
            String answer = inProcess.raw(server.url().toString().replaceAll("/$", "") + "/apis/" + group + "/v1/hello");
            assertThat(JSON.readTree(answer).path("hello").asText()).isEqualTo("world");
            var relayed = extension.proxied().stream().filter(r -> r.path().endsWith("/hello")).toList();
            assertThat(relayed).hasSize(1);
            assertThat(relayed.getFirst().user()).as("the caller's identity, from its certificate").isEqualTo(ClusterPki.ADMIN_USER);
            assertThat(sources("list", "/apis/" + group + "/v1/hello", 1)).containsExactly("none");
        }
    }

    @Test
    void aLogTheServerRelaysFromTheKubeletGoesOverTheNetwork() throws Exception {
        var kubeletTls = ClusterPki.loadOrCreate(dir.resolve("kubelet-pki"), new SubjectAltNames(Set.of("localhost"), Set.of()), Clock.systemUTC());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kubeletTls.serving().keyManagers(), null, null);
        HttpsServer kubelet = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        kubelet.setHttpsConfigurator(new HttpsConfigurator(context));
        var asked = new LinkedBlockingQueue<String>();
        kubelet.createContext("/", exchange -> {
            asked.add(exchange.getRequestURI().getRawPath());
            byte[] body = "line 1\nline 2\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        kubelet.start();
        try {
            network.resource(new NodeBuilder().withNewMetadata().withName("logs-node").endMetadata().withNewStatus()
                    .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
                    .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(kubelet.getAddress().getPort()).endKubeletEndpoint()
                    .endDaemonEndpoints().endStatus().build()).create();
            network.nodes().withName("logs-node").editStatus(n -> {
                n.getStatus().setAddresses(List.of(new NodeAddressBuilder().withType("InternalIP").withAddress("127.0.0.1").build()));
                n.getStatus().setDaemonEndpoints(new NodeDaemonEndpointsBuilder().withNewKubeletEndpoint()
                        .withPort(kubelet.getAddress().getPort()).endKubeletEndpoint().build());
                return n;
            });
            network.resource(new PodBuilder().withNewMetadata().withName("logged").withNamespace(NS).endMetadata().withNewSpec()
                    .withNodeName("logs-node").addNewContainer().withName("app").withImage("busybox").endContainer().endSpec().build()).create();

            assertThat(inProcess.pods().inNamespace(NS).withName("logged").getLog()).isEqualTo("line 1\nline 2\n");
            assertThat(asked.poll(5, TimeUnit.SECONDS)).isEqualTo("/containerLogs/" + NS + "/logged/app");
            // the in-process attempt that found it must be relayed, then the same request over the network
            assertThat(sources("get", "/namespaces/" + NS + "/pods/logged/log", 2)).containsExactly("none", "[\"127.0.0.1\"]");
        } finally {
            kubelet.stop(0);
        }
    }
}
