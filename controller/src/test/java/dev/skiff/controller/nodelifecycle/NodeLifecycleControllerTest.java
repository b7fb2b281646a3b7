package dev.skiff.controller.nodelifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControlPlaneTest;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerOptions;
import dev.skiff.controller.MovableClock;
import dev.skiff.controller.tainteviction.TaintEvictionController;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Node lifecycle and taint eviction against the real API server, with a 3 s grace period; the test
 * plays the kubelets (node status, leases). One node keeps its heartbeat, the other stops.
 */
class NodeLifecycleControllerTest extends ControlPlaneTest {

    @Test
    void aSilentNodeTurnsUnknownIsTaintedAndItsPodsAreEvictedAfterTheirTolerationThenItRecovers() throws Exception {
        node("alive");
        node("dead");
        pod("on-alive", "alive", null);
        pod("quick", "dead", 2L);
        pod("forever", "dead", -1L);
        pod("default", "dead", null); // DefaultTolerationSeconds: 300 s
        var aliveBeats = new AtomicBoolean(true);
        var deadBeats = new AtomicBoolean(false);
        Thread kubelets = Thread.ofVirtual().start(() -> {
            while (aliveBeats.get()) {
                try {
                    renew("alive");
                    if (deadBeats.get()) {
                        renew("dead");
                        reportReady("dead");
                    }
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // a conflict: next round
                }
            }
        });
        var informers = client.informers();
        var context = new ControllerContext(client, informers, Clock.systemUTC(), 2);
        var lifecycle = new NodeLifecycleController(context, Duration.ofMillis(200), Duration.ofSeconds(3), Duration.ofSeconds(3)).start();
        var eviction = TaintEvictionController.DESCRIPTOR.starter().start(context);
        informers.startAllRegisteredInformers().get();
        try {
            await("dead is Unknown", () -> "Unknown".equals(ready("dead").getStatus()));
            NodeCondition ready = ready("dead");
            assertThat(ready.getReason()).isEqualTo("NodeStatusUnknown");
            assertThat(ready.getMessage()).isEqualTo("Kubelet stopped posting node status.");
            assertThat(condition(client.nodes().withName("dead").get(), "MemoryPressure").getStatus()).isEqualTo("Unknown");
            await("unreachable taints", () -> taints("dead").containsAll(List.of("node.kubernetes.io/unreachable:NoSchedule",
                    "node.kubernetes.io/unreachable:NoExecute")));
            // deleted gracefully: with no kubelet to confirm, it stays Terminating, as upstream's would
            await("the pod tolerating 2 s is evicted", () -> client.pods().inNamespace("default").withName("quick").get()
                    .getMetadata().getDeletionTimestamp() != null);
            // events are recorded asynchronously: the event may follow the deletion
            await("the TaintManagerEviction event", () -> client.v1().events().inNamespace("default").list().getItems().stream()
                    .anyMatch(e -> "TaintManagerEviction".equals(e.getReason()) && "Marking for deletion Pod default/quick".equals(e.getMessage())));
            Pod forever = client.pods().inNamespace("default").withName("forever").get();
            assertThat(forever).as("tolerates forever").isNotNull();
            assertThat(forever.getStatus().getConditions()).anySatisfy(c -> {
                assertThat(c.getType()).isEqualTo("Ready");
                assertThat(c.getStatus()).as("marked not ready").isEqualTo("False");
            });
            assertThat(client.pods().inNamespace("default").withName("default").get()).as("300 s not over").isNotNull();
            assertThat(ready("alive").getStatus()).isEqualTo("True");
            assertThat(taints("alive")).isEmpty();
            assertThat(client.pods().inNamespace("default").withName("on-alive").get()).isNotNull();

            deadBeats.set(true);
            await("taints go once dead reports Ready again", () -> taints("dead").isEmpty() && "True".equals(ready("dead").getStatus()));
        } finally {
            aliveBeats.set(false);
            kubelets.join();
            lifecycle.close();
            eviction.close();
            informers.stopAllRegisteredInformers();
        }
    }

    @Test
    void aNodeThatNeverPostedReadyIsGivenTheStartupGraceThenMarkedUnknown() throws Exception {
        Node fresh = client.resource(new NodeBuilder().withNewMetadata().withName("fresh").endMetadata().build()).create();
        Instant created = Instant.parse(fresh.getMetadata().getCreationTimestamp());
        client.resource(new NodeBuilder().withNewMetadata().withName("reported").endMetadata().build()).create();
        reportReady("reported", created); // once, then silent
        var clock = new MovableClock(created);
        var informers = client.informers();
        // an hour between rounds: the test runs each round itself, at the time it set
        var options = ControllerOptions.DEFAULTS.withNodeMonitorPeriod(Duration.ofHours(1));
        var lifecycle = (NodeLifecycleController) NodeLifecycleController.DESCRIPTOR.starter()
                .start(new ControllerContext(client, informers, clock, 1, options));
        informers.startAllRegisteredInformers().get();
        try {
            var cache = informers.getExistingSharedIndexInformer(Node.class).getIndexer();
            await("the nodes are cached with the reported status", () -> cache.getByKey("fresh") != null
                    && cache.getByKey("reported") != null && cache.getByKey("reported").getStatus().getConditions() != null);

            clock.set(created.plusSeconds(55)); // past the 50 s monitor grace, within the 60 s startup grace
            lifecycle.monitorNodeHealth();
            assertThat(ready("reported").getReason()).as("a node that reported once has the monitor grace only").isEqualTo("NodeStatusUnknown");
            Node untouched = client.nodes().withName("fresh").get();
            assertThat(untouched.getStatus() == null ? List.of() : untouched.getStatus().getConditions()).as("still in its startup grace").isEmpty();
            assertThat(taints("fresh")).isEmpty();

            clock.set(created.plusSeconds(65));
            lifecycle.monitorNodeHealth();
            Node marked = client.nodes().withName("fresh").get();
            for (String type : List.of("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")) {
                NodeCondition c = condition(marked, type);
                assertThat(c.getStatus()).as(type).isEqualTo("Unknown");
                assertThat(c.getReason()).as(type).isEqualTo("NodeStatusNeverUpdated");
                assertThat(c.getMessage()).as(type).isEqualTo("Kubelet never posted node status.");
                assertThat(Instant.parse(c.getLastHeartbeatTime())).as(type).isEqualTo(created);
            }
            assertThat(taints("fresh")).containsExactlyInAnyOrder("node.kubernetes.io/unreachable:NoSchedule",
                    "node.kubernetes.io/unreachable:NoExecute");
        } finally {
            lifecycle.close();
            informers.stopAllRegisteredInformers();
        }
    }

    @Test
    void nodesAreCheckedEveryMonitorPeriod() throws Exception {
        Node fresh = client.resource(new NodeBuilder().withNewMetadata().withName("fresh").endMetadata().build()).create();
        Instant created = Instant.parse(fresh.getMetadata().getCreationTimestamp());
        var clock = new MovableClock(created);
        var informers = client.informers();
        var options = ControllerOptions.DEFAULTS.withNodeMonitorPeriod(Duration.ofMillis(200)).withNodeStartupGracePeriod(Duration.ofSeconds(10))
                .withNodeMonitorGracePeriod(Duration.ofSeconds(10));
        var lifecycle = NodeLifecycleController.DESCRIPTOR.starter().start(new ControllerContext(client, informers, clock, 1, options));
        informers.startAllRegisteredInformers().get();
        try {
            clock.set(created.plusSeconds(11));
            // under 4 s: the default 5 s period would not have run its first round yet
            await("marked Unknown after the startup grace", Duration.ofSeconds(4), () -> readyState("fresh").equals("Unknown/NodeStatusNeverUpdated"));

            reportReady("fresh", clock.instant());
            await("the next rounds lift the taints", Duration.ofSeconds(4), () -> taints("fresh").isEmpty());
            clock.set(clock.instant().plusSeconds(11));
            await("and mark it Unknown again once silent for the grace", Duration.ofSeconds(4),
                    () -> readyState("fresh").equals("Unknown/NodeStatusUnknown") && !taints("fresh").isEmpty());
        } finally {
            lifecycle.close();
            informers.stopAllRegisteredInformers();
        }
    }

    private void node(String name) {
        Node node = client.resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        client.resource(new LeaseBuilder().withNewMetadata().withName(name).withNamespace("kube-node-lease").endMetadata()
                .withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40).withRenewTime(now()).endSpec().build()).create();
        reportReady(node.getMetadata().getName());
    }

    private void reportReady(String name) {
        reportReady(name, Instant.now());
    }

    /**
     * The kubelet's status update: Ready and MemoryPressure, with {@code heartbeat} as their lastHeartbeatTime; retried on a
     * conflict with the controller's own status write, as the kubelet retries.
     */
    private void reportReady(String name, Instant heartbeat) {
        String now = heartbeat.truncatedTo(ChronoUnit.SECONDS).toString();
        for (int attempt = 1; ; attempt++) {
            try {
                client.nodes().withName(name).editStatus(n -> new NodeBuilder(n).editOrNewStatus().withConditions().addNewCondition()
                        .withType("Ready").withStatus("True").withReason("KubeletReady").withLastHeartbeatTime(now).withLastTransitionTime(now)
                        .endCondition().addNewCondition().withType("MemoryPressure").withStatus("False").withReason("KubeletHasSufficientMemory")
                        .withLastHeartbeatTime(now).withLastTransitionTime(now).endCondition().endStatus().build());
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private void renew(String name) {
        client.leases().inNamespace("kube-node-lease").withName(name)
                .edit(l -> new LeaseBuilder(l).editSpec().withRenewTime(now()).endSpec().build());
    }

    private static ZonedDateTime now() {
        return ZonedDateTime.ofInstant(Instant.now().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    /** {@code tolerationSeconds}: null for none of our own, -1 for tolerating forever. */
    private void pod(String name, String node, Long tolerationSeconds) {
        var builder = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("busybox").endContainer().endSpec();
        if (tolerationSeconds != null) {
            builder.editSpec().addToTolerations(new TolerationBuilder().withKey("node.kubernetes.io/unreachable").withOperator("Exists")
                    .withEffect("NoExecute").withTolerationSeconds(tolerationSeconds < 0 ? null : tolerationSeconds).build()).endSpec();
        }
        Pod pod = client.resource(builder.build()).create();
        client.resource(new PodBuilder(pod).editOrNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True")
                .endCondition().endStatus().build()).updateStatus();
    }

    private NodeCondition ready(String node) {
        return condition(client.nodes().withName(node).get(), "Ready");
    }

    /** The node's Ready condition as "status/reason", or "none" while it has none. */
    private String readyState(String node) {
        Node n = client.nodes().withName(node).get();
        if (n.getStatus() == null || n.getStatus().getConditions() == null) {
            return "none";
        }
        return n.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).map(c -> c.getStatus() + "/" + c.getReason())
                .findFirst().orElse("none");
    }

    private static NodeCondition condition(Node node, String type) {
        return node.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
    }

    private List<String> taints(String node) {
        Node n = client.nodes().withName(node).get();
        return n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints().stream().map(t -> t.getKey() + ":" + t.getEffect()).toList();
    }
}
