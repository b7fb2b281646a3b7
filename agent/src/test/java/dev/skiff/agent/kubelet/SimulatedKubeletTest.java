package dev.skiff.agent.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.simulated.SimulatedNodes;
import dev.skiff.agent.simulated.SimulatedPodSyncer;
import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet loop with simulated nodes against the real API server: registration, leases, pods reported Running, deletion. */
class SimulatedKubeletTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Kubelet.Config CONFIG = new Kubelet.Config(40, Duration.ofSeconds(2), null, 4);

    @TempDir
    Path dir;
    private LocalControlPlane controlPlane;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        controlPlane = LocalControlPlane.start(dir);
        client = RestClients.fromKubeconfig(controlPlane.kubeconfig());
    }

    @AfterEach
    void stop() {
        client.close();
        controlPlane.close();
    }

    private Kubelet fleet(int count) {
        return Kubelet.start(client, Clock.systemUTC(), CONFIG, SimulatedNodes.fleet("sim", count, 110, Map.of("pool", "a"), List.of()),
                node -> {
                    int i = Integer.parseInt(node.substring("sim-".length()));
                    return new SimulatedPodSyncer(SimulatedNodes.internalIp(i), SimulatedNodes.podCidrPrefix(i), Clock.systemUTC());
                });
    }

    @Test
    void itsOwnStatusWriteIsNoReasonToSyncAPodButAnotherWritersIs() throws Exception {
        var syncs = new java.util.concurrent.atomic.AtomicInteger();
        var simulated = new SimulatedPodSyncer(SimulatedNodes.internalIp(0), SimulatedNodes.podCidrPrefix(0), Clock.systemUTC());
        PodSyncer counting = new PodSyncer() {
            @Override
            public io.fabric8.kubernetes.api.model.PodStatus syncPod(Pod pod) throws Exception {
                syncs.incrementAndGet();
                return simulated.syncPod(pod);
            }

            @Override
            public io.fabric8.kubernetes.api.model.PodStatus syncTerminatingPod(Pod pod, Duration gracePeriod) throws Exception {
                return simulated.syncTerminatingPod(pod, gracePeriod);
            }

            @Override
            public java.util.Set<String> runtimePodUids() throws Exception {
                return simulated.runtimePodUids();
            }
        };
        try (var kubelet = Kubelet.start(client, Clock.systemUTC(), CONFIG, SimulatedNodes.fleet("sim", 1, 110, Map.of(), List.of()),
                node -> counting)) {
            client.resource(new PodBuilder().withNewMetadata().withName("p").withNamespace("default").endMetadata().withNewSpec()
                    .withNodeName("sim-0").addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();
            BooleanSupplier ready = () -> {
                Pod p = client.pods().inNamespace("default").withName("p").get();
                return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
            };
            await("Running and Ready", ready);
            Thread.sleep(2000); // the watch has long brought the kubelet's own write back by now
            assertThat(syncs.get()).as("one sync: the write it made is not a reason for another").isEqualTo(1);

            // another writer changes the status (as node lifecycle marks the pods of an unreachable node not ready)
            client.pods().inNamespace("default").withName("p").editStatus(p -> new PodBuilder(p).editStatus()
                    .withConditions(p.getStatus().getConditions().stream().map(c -> c.getType().equals("Ready")
                            ? new io.fabric8.kubernetes.api.model.PodConditionBuilder(c).withStatus("False").build() : c).toList())
                    .endStatus().build());
            await("the kubelet writes its status back", ready);
            assertThat(syncs.get()).isEqualTo(2);
        }
    }

    @Test
    void registrationWaitsForAnApiServerThatIsNotUpYet() throws Exception {
        int port = controlPlane.port();
        controlPlane.close(); // the client now gets no answer at all
        var started = new java.util.concurrent.CompletableFuture<Kubelet>();
        Thread.ofVirtual().start(() -> {
            try {
                started.complete(fleet(2));
            } catch (RuntimeException e) {
                started.completeExceptionally(e);
            }
        });
        Thread.sleep(1500);
        assertThat(started).as("still retrying, not failed").isNotDone();
        controlPlane = LocalControlPlane.start(dir, port); // the same CA and token from the same dir
        try (var kubelet = started.get(60, java.util.concurrent.TimeUnit.SECONDS)) {
            assertThat(client.nodes().list().getItems()).extracting(n -> n.getMetadata().getName()).containsExactlyInAnyOrder("sim-0", "sim-1");
        }
    }

    @Test
    void registrationTakesOverANodeThatAnotherWriterKeepsChanging() throws Exception {
        try (var kubelet = fleet(1)) {
            assertThat(client.nodes().withName("sim-0").get()).isNotNull();
        }
        // as the node lifecycle controller writes the node of a restarting server: between the agent's read and its write
        var writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        var writes = new java.util.concurrent.atomic.AtomicInteger();
        Thread writer = Thread.ofVirtual().start(() -> {
            while (writing.get()) {
                client.nodes().withName("sim-0").edit(n -> new io.fabric8.kubernetes.api.model.NodeBuilder(n).editMetadata()
                        .addToAnnotations("test/writes", String.valueOf(writes.incrementAndGet())).endMetadata().build());
                try {
                    Thread.sleep(10); // not so often that a registration never gets a read and two writes in between
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        int before;
        try {
            await("the other writer is writing", () -> writes.get() >= 2);
            before = writes.get();
            for (int i = 0; i < 3; i++) {
                try (var kubelet = fleet(1)) { // a conflict is tried again, not the end of the start
                    assertThat(client.nodes().withName("sim-0").get().getMetadata().getLabels()).containsEntry("pool", "a");
                }
            }
        } finally {
            writing.set(false);
            writer.join();
        }
        assertThat(writes.get()).as("the other writer wrote meanwhile").isGreaterThan(before);
    }

    @Test
    void nodesRegisterWithUpstreamsConditionsAndHoldTheirLeases() throws Exception {
        try (var kubelet = fleet(3)) {
            List<Node> nodes = client.nodes().list().getItems();
            assertThat(nodes).extracting(n -> n.getMetadata().getName()).containsExactlyInAnyOrder("sim-0", "sim-1", "sim-2");
            Node node = client.nodes().withName("sim-1").get();
            assertThat(node.getMetadata().getLabels()).containsEntry("kubernetes.io/hostname", "sim-1")
                    .containsEntry("kubernetes.io/os", "linux").containsKey("kubernetes.io/arch").containsEntry("pool", "a");
            assertThat(node.getStatus().getCapacity()).containsKeys("cpu", "memory", "ephemeral-storage", "pods");
            assertThat(node.getStatus().getAllocatable().get("pods").getAmount()).isEqualTo("110");
            assertThat(node.getStatus().getAddresses()).anySatisfy(a -> {
                assertThat(a.getType()).isEqualTo("InternalIP");
                assertThat(a.getAddress()).isEqualTo("10.200.0.2");
            });
            assertThat(node.getStatus().getNodeInfo().getKubeletVersion()).isEqualTo("v1.33.0+skiff");
            assertThat(node.getSpec().getPodCIDRs()).containsExactly(SimulatedNodes.podCidrPrefix(1) + ".0/24");
            Map<String, NodeCondition> conditions = node.getStatus().getConditions().stream()
                    .collect(Collectors.toMap(NodeCondition::getType, c -> c));
            assertThat(conditions.get("Ready").getStatus()).isEqualTo("True");
            assertThat(conditions.get("Ready").getReason()).isEqualTo("KubeletReady");
            assertThat(conditions.get("MemoryPressure").getStatus()).isEqualTo("False");
            assertThat(conditions.get("DiskPressure").getReason()).isEqualTo("KubeletHasNoDiskPressure");
            assertThat(conditions.get("PIDPressure").getMessage()).isEqualTo("kubelet has sufficient PID available");

            Lease lease = client.leases().inNamespace("kube-node-lease").withName("sim-1").get();
            assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("sim-1");
            assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(40);
            assertThat(lease.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(r -> assertThat(r.getUid()).isEqualTo(node.getMetadata().getUid()));

            String heartbeat = conditions.get("Ready").getLastHeartbeatTime();
            await("the node status is reported again", () -> !heartbeat.equals(ready(client.nodes().withName("sim-1").get())
                    .getLastHeartbeatTime()));
            assertThat(ready(client.nodes().withName("sim-1").get()).getLastTransitionTime())
                    .isEqualTo(conditions.get("Ready").getLastTransitionTime());
        }
        // a restarted agent takes its nodes over
        try (var again = fleet(3)) {
            assertThat(client.nodes().list().getItems()).hasSize(3);
        }
    }

    @Test
    void boundPodsRunWithAnIpFromTheNodesCidrAndDeletedPodsGiveItBack() throws Exception {
        try (var kubelet = fleet(2)) {
            client.resource(pod("a", "sim-1")).create();
            client.resource(pod("unbound", null)).create();
            await("a runs", () -> "Running".equals(phase("a")));
            Pod a = client.pods().inNamespace("default").withName("a").get();
            assertThat(a.getStatus().getPodIP()).startsWith("10.64.1.");
            assertThat(a.getStatus().getHostIP()).isEqualTo("10.200.0.2");
            assertThat(a.getStatus().getStartTime()).isNotNull();
            assertThat(a.getStatus().getContainerStatuses()).singleElement().satisfies(c -> {
                assertThat(c.getReady()).isTrue();
                assertThat(c.getState().getRunning()).isNotNull();
            });
            assertThat(a.getStatus().getConditions()).extracting(PodCondition::getType)
                    .contains("Initialized", "Ready", "ContainersReady", "PodReadyToStartContainers");
            assertThat(phase("unbound")).isNotEqualTo("Running");

            String ip = a.getStatus().getPodIP();
            client.pods().inNamespace("default").withName("a").delete();
            await("a is gone", () -> client.pods().inNamespace("default").withName("a").get() == null);
            client.resource(pod("b", "sim-1")).create();
            await("b runs", () -> "Running".equals(phase("b")));
            assertThat(client.pods().inNamespace("default").withName("b").get().getStatus().getPodIP()).startsWith("10.64.1.");
            assertThat(ip).startsWith("10.64.1.");
        }
    }

    private static NodeCondition ready(Node node) {
        return node.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow();
    }

    private String phase(String name) {
        Pod p = client.pods().inNamespace("default").withName(name).get();
        return p == null || p.getStatus() == null ? null : p.getStatus().getPhase();
    }

    private static Pod pod(String name, String node) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + TIMEOUT + " waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }
}
