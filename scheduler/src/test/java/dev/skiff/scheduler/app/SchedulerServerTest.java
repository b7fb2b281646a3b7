package dev.skiff.scheduler.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import dev.skiff.controller.ControllerManager;
import dev.skiff.controller.volume.persistentvolume.PersistentVolumeController;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler against the real API server (in-process control plane, embedded store): nodes and
 * pods are created through the API as a kubelet and a user would; the scheduler binds through
 * pods/binding and writes conditions, nominations and events through the API. Volume binding runs
 * with the controller manager's PV controller, which completes the bindings the scheduler starts.
 */
class SchedulerServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String CONTROL_PLANE_TAINT = "node-role.kubernetes.io/control-plane";

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

    @Test
    void placesPodsByTaintsAndSelectorsAndReportsAndRetriesWhatDoesNotFit() throws Exception {
        createNode(node("control", "4", "8Gi", Map.of(CONTROL_PLANE_TAINT, "true"), true));
        createNode(node("worker-a", "2", "4Gi", Map.of("disktype", "ssd"), false));
        try (var scheduler = SchedulerServer.start(client, KubeSchedulerConfiguration.defaults(), false)) {
            for (int i = 0; i < 4; i++) {
                createPod(pod("plain-" + i, "100m", p -> p));
            }
            createPod(pod("pinned", "100m", p -> new PodBuilder(p).editSpec().withNodeSelector(Map.of("disktype", "ssd")).endSpec().build()));
            createPod(pod("tolerant", "100m", p -> new PodBuilder(p).editSpec().withNodeSelector(Map.of(CONTROL_PLANE_TAINT, "true"))
                    .addNewToleration().withKey(CONTROL_PLANE_TAINT).withOperator("Exists").withEffect("NoSchedule").endToleration()
                    .endSpec().build()));
            for (int i = 0; i < 4; i++) {
                assertThat(awaitNode("plain-" + i)).as("the tainted control plane gets no ordinary pod").isEqualTo("worker-a");
            }
            assertThat(awaitNode("pinned")).isEqualTo("worker-a");
            assertThat(awaitNode("tolerant")).isEqualTo("control");

            createPod(pod("big", "3", p -> p));
            await("big is reported unschedulable", () -> scheduledCondition("big") != null && "False".equals(scheduledCondition("big").getStatus()));
            PodCondition condition = scheduledCondition("big");
            assertThat(condition.getReason()).isEqualTo("Unschedulable");
            assertThat(condition.getMessage()).startsWith("0/2 nodes are available: 1 Insufficient cpu, "
                    + "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: true}.");
            await("a FailedScheduling event", () -> events("big").stream().anyMatch(e -> "FailedScheduling".equals(e.getReason())
                    && "Warning".equals(e.getType()) && e.getMessage().startsWith("0/2 nodes are available")));

            createNode(node("worker-big", "8", "16Gi", Map.of(), false));
            assertThat(awaitNode("big")).as("scheduled once a node that fits joins").isEqualTo("worker-big");
            await("a Scheduled event", () -> events("big").stream().anyMatch(e -> "Scheduled".equals(e.getReason())
                    && e.getMessage().equals("Successfully assigned default/big to worker-big")));
        }
    }

    @Test
    void spreadsAcrossZonesAndKeepsAntiAffinePodsApart() throws Exception {
        for (String zone : List.of("a", "b")) {
            for (int i = 0; i < 2; i++) {
                createNode(node("node-" + zone + i, "4", "8Gi", Map.of("topology.kubernetes.io/zone", zone), false));
            }
        }
        try (var scheduler = SchedulerServer.start(client, KubeSchedulerConfiguration.defaults(), false)) {
            for (int i = 0; i < 6; i++) {
                createPod(pod("spread-" + i, "100m", p -> new PodBuilder(p).editMetadata().addToLabels("app", "spread").endMetadata()
                        .editSpec().addNewTopologySpreadConstraint().withMaxSkew(1).withTopologyKey("topology.kubernetes.io/zone")
                        .withWhenUnsatisfiable("DoNotSchedule").withNewLabelSelector().addToMatchLabels("app", "spread").endLabelSelector()
                        .endTopologySpreadConstraint().endSpec().build()));
            }
            int zoneA = 0;
            for (int i = 0; i < 6; i++) {
                zoneA += awaitNode("spread-" + i).startsWith("node-a") ? 1 : 0;
            }
            assertThat(zoneA).as("6 pods with maxSkew 1 over two zones").isEqualTo(3);

            Set<String> nodes = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                createPod(pod("apart-" + i, "100m", p -> new PodBuilder(p).editMetadata().addToLabels("app", "apart").endMetadata()
                        .editSpec().withNewAffinity().withNewPodAntiAffinity().addNewRequiredDuringSchedulingIgnoredDuringExecution()
                        .withTopologyKey("kubernetes.io/hostname").withNewLabelSelector().addToMatchLabels("app", "apart").endLabelSelector()
                        .endRequiredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity().endAffinity().endSpec().build()));
                nodes.add(awaitNode("apart-" + i));
            }
            assertThat(nodes).as("one anti-affine pod per node").hasSize(4);
            createPod(pod("apart-4", "100m", p -> new PodBuilder(p).editMetadata().addToLabels("app", "apart").endMetadata()
                    .editSpec().withNewAffinity().withNewPodAntiAffinity().addNewRequiredDuringSchedulingIgnoredDuringExecution()
                    .withTopologyKey("kubernetes.io/hostname").withNewLabelSelector().addToMatchLabels("app", "apart").endLabelSelector()
                    .endRequiredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity().endAffinity().endSpec().build()));
            await("a fifth anti-affine pod has no node", () -> scheduledCondition("apart-4") != null);
            assertThat(scheduledCondition("apart-4").getMessage())
                    .startsWith("0/4 nodes are available: 4 node(s) didn't match pod anti-affinity rules.");
        }
    }

    @Test
    void aHighPriorityPodPreemptsALowerOne() throws Exception {
        client.resource(new PriorityClassBuilder().withNewMetadata().withName("high").endMetadata().withValue(1000).build()).create();
        createNode(node("only", "1", "4Gi", Map.of(), false));
        try (var scheduler = SchedulerServer.start(client, KubeSchedulerConfiguration.defaults(), false)) {
            // no kubelet runs here to confirm a graceful deletion: the victim asks for none
            createPod(pod("low", "800m", p -> new PodBuilder(p).editSpec().withTerminationGracePeriodSeconds(0L).endSpec().build()));
            assertThat(awaitNode("low")).isEqualTo("only");
            createPod(pod("high", "800m", p -> new PodBuilder(p).editSpec().withPriorityClassName("high").endSpec().build()));
            assertThat(awaitNode("high")).isEqualTo("only");
            assertThat(client.pods().inNamespace("default").withName("low").get()).as("the victim is deleted").isNull();
            await("a Preempted event for the victim", () -> events("low").stream().anyMatch(e -> "Preempted".equals(e.getReason())));
        }
    }

    @Test
    void placesAPodByItsWaitForFirstConsumerClaimAndTheVolumeBindsThere() throws Exception {
        createNode(node("node-a", "4", "8Gi", Map.of(), false));
        createNode(node("node-b", "4", "8Gi", Map.of(), false));
        client.resource(new StorageClassBuilder().withNewMetadata().withName("local").endMetadata()
                .withProvisioner("kubernetes.io/no-provisioner").withVolumeBindingMode("WaitForFirstConsumer").build()).create();
        client.resource(localVolume("pv-a-1g", "1Gi", "node-a")).create();
        client.resource(localVolume("pv-b-5g", "5Gi", "node-b")).create();
        try (var pvController = ControllerManager.start(client, List.of(PersistentVolumeController.NAME), false, 2);
             var scheduler = SchedulerServer.start(client, KubeSchedulerConfiguration.defaults(), false)) {
            client.resource(claim("data", "3Gi")).create();
            createPod(pod("app", "100m", p -> withClaim(p, "data")));
            assertThat(awaitNode("app")).as("only node-b has a volume that fits").isEqualTo("node-b");
            await("the claim is Bound", () -> "Bound".equals(client.persistentVolumeClaims().inNamespace("default").withName("data").get()
                    .getStatus().getPhase()));
            PersistentVolumeClaim bound = client.persistentVolumeClaims().inNamespace("default").withName("data").get();
            assertThat(bound.getSpec().getVolumeName()).isEqualTo("pv-b-5g");
            PersistentVolume volume = client.persistentVolumes().withName("pv-b-5g").get();
            assertThat(volume.getSpec().getClaimRef().getUid()).isEqualTo(bound.getMetadata().getUid());
            assertThat(volume.getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/bound-by-controller", "yes");
            assertThat(client.persistentVolumes().withName("pv-a-1g").get().getSpec().getClaimRef()).isNull();

            client.resource(claim("huge", "50Gi")).create();
            createPod(pod("stuck", "100m", p -> withClaim(p, "huge")));
            await("stuck is reported unschedulable", () -> scheduledCondition("stuck") != null);
            assertThat(scheduledCondition("stuck").getStatus()).isEqualTo("False");
            assertThat(scheduledCondition("stuck").getMessage())
                    .startsWith("0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.");
            createPod(pod("no-claim", "100m", p -> withClaim(p, "missing")));
            await("no-claim is reported unschedulable", () -> scheduledCondition("no-claim") != null);
            assertThat(scheduledCondition("no-claim").getMessage())
                    .startsWith("0/2 nodes are available: persistentvolumeclaim \"missing\" not found.");
            Thread.sleep(1000);
            assertThat(client.pods().inNamespace("default").withName("stuck").get().getSpec().getNodeName()).isNull();
            assertThat(client.persistentVolumeClaims().inNamespace("default").withName("huge").get().getStatus().getPhase()).isEqualTo("Pending");

            client.resource(localVolume("pv-a-100g", "100Gi", "node-a")).create();
            assertThat(awaitNode("stuck")).as("a volume that fits comes: the PV event retries the pod").isEqualTo("node-a");
            await("the big claim is Bound to it", () -> "pv-a-100g".equals(client.persistentVolumeClaims().inNamespace("default")
                    .withName("huge").get().getSpec().getVolumeName()));
        }
    }

    @Test
    void onlyTheLeaderSchedulesAndAnotherTakesOverWhenItStops() throws Exception {
        createNode(node("worker", "4", "8Gi", Map.of(), false));
        var first = SchedulerServer.start(client, KubeSchedulerConfiguration.defaults(), true);
        try (var second = SchedulerServer.start(client, KubeSchedulerConfiguration.defaults(), true)) {
            await("one of them leads", () -> first.isScheduling() || second.isScheduling());
            Thread.sleep(3000); // a retry period and more: the other must still not lead
            assertThat(first.isScheduling() && second.isScheduling()).as("never both").isFalse();
            SchedulerServer leader = first.isScheduling() ? first : second;
            SchedulerServer follower = leader == first ? second : first;
            String holder = client.leases().inNamespace("kube-system").withName("kube-scheduler").get().getSpec().getHolderIdentity();
            assertThat(holder).isEqualTo(leader.identity());
            createPod(pod("before", "100m", p -> p));
            assertThat(awaitNode("before")).isEqualTo("worker");

            leader.close();
            await("the other takes over", follower::isScheduling);
            createPod(pod("after", "100m", p -> p));
            assertThat(awaitNode("after")).isEqualTo("worker");
        } finally {
            first.close();
        }
    }

    // --- helpers

    private static PersistentVolume localVolume(String name, String size, String node) {
        return new PersistentVolumeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                .withCapacity(Map.of("storage", new Quantity(size))).withAccessModes("ReadWriteOnce").withStorageClassName("local")
                .withPersistentVolumeReclaimPolicy("Retain").withNewLocal().withPath("/mnt/disks/" + name).endLocal()
                .withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm().addNewMatchExpression().withKey("kubernetes.io/hostname")
                .withOperator("In").withValues(node).endMatchExpression().endNodeSelectorTerm().endRequired().endNodeAffinity()
                .endSpec().build();
    }

    private static PersistentVolumeClaim claim(String name, String size) {
        return new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata().withNewSpec()
                .withAccessModes("ReadWriteOnce").withStorageClassName("local").withNewResources().addToRequests("storage", new Quantity(size))
                .endResources().endSpec().build();
    }

    private static Pod withClaim(Pod pod, String claim) {
        return new PodBuilder(pod).editSpec().addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName(claim)
                .endPersistentVolumeClaim().endVolume().endSpec().build();
    }

    private static Node node(String name, String cpu, String memory, Map<String, String> labels, boolean controlPlaneTaint) {
        Map<String, Quantity> resources = Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory), "pods", new Quantity("110"));
        var builder = new NodeBuilder().withNewMetadata().withName(name).addToLabels(labels)
                .addToLabels("kubernetes.io/hostname", name).endMetadata().withNewSpec().endSpec()
                .withNewStatus().withCapacity(resources).withAllocatable(resources)
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").endCondition().endStatus();
        if (controlPlaneTaint) {
            builder.editSpec().addNewTaint().withKey(CONTROL_PLANE_TAINT).withValue("true").withEffect("NoSchedule").endTaint().endSpec();
        }
        return builder.build();
    }

    private void createNode(Node node) {
        client.resource(node).create();
        // the node's status as a kubelet reports it, whatever create kept of it
        client.nodes().withName(node.getMetadata().getName()).editStatus(n -> new NodeBuilder(n).withStatus(node.getStatus()).build());
    }

    private static Pod pod(String name, String cpu, UnaryOperator<Pod> customize) {
        return customize.apply(new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox")
                .withNewResources().addToRequests("cpu", new Quantity(cpu)).endResources().endContainer().endSpec().build());
    }

    private void createPod(Pod pod) {
        client.resource(pod).create();
    }

    private String awaitNode(String pod) throws InterruptedException {
        await(pod + " bound", () -> {
            Pod p = client.pods().inNamespace("default").withName(pod).get();
            return p != null && p.getSpec().getNodeName() != null;
        });
        return client.pods().inNamespace("default").withName(pod).get().getSpec().getNodeName();
    }

    private PodCondition scheduledCondition(String pod) {
        Pod p = client.pods().inNamespace("default").withName(pod).get();
        if (p == null || p.getStatus() == null || p.getStatus().getConditions() == null) {
            return null;
        }
        return p.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst().orElse(null);
    }

    private List<Event> events(String pod) {
        return client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> pod.equals(e.getInvolvedObject().getName())).toList();
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
