package dev.skiff.controller.daemonset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControllerManager;
import dev.skiff.controller.PodReadiness;
import dev.skiff.controller.ControlPlaneTest;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The DaemonSet controller in the controller manager against the real API server. Nodes are Node
 * objects created through the API; no scheduler or kubelet runs, so daemon pods stay unbound (pinned
 * to their node by node affinity) and the test reports them Running and Ready through pods/status.
 */
class DaemonSetControllerTest extends ControlPlaneTest {

    @Test
    void runsOnePodOnEveryEligibleNodeFollowsNodesAndRespectsNodeSelector() throws Exception {
        node("n1", Map.of(), null);
        node("n2", Map.of("disk", "ssd"), null);
        node("tainted", Map.of(), "dedicated");
        node("cordoned", Map.of(), "node.kubernetes.io/unschedulable");
        kubelet().runAll(pods -> { });
        try (var manager = ControllerManager.start(client, List.of("daemonset"), false, 2)) {
            DaemonSet created = client.resource(daemonSet("agent", "busybox:1")).create();
            await("a pod for n1, n2 and the cordoned node", () -> nodesOf("agent").equals(Set.of("n1", "n2", "cordoned")));
            Pod pod = podsOf("agent").stream().filter(p -> "n1".equals(DaemonPlacement.targetNode(p))).findFirst().orElseThrow();
            var terms = pod.getSpec().getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
            assertThat(terms).singleElement().satisfies(t -> {
                assertThat(t.getMatchFields()).singleElement().satisfies(r -> {
                    assertThat(r.getKey()).isEqualTo("metadata.name");
                    assertThat(r.getOperator()).isEqualTo("In");
                    assertThat(r.getValues()).containsExactly("n1");
                });
            });
            assertThat(pod.getSpec().getNodeName()).as("the scheduler binds it, not the controller").isNull();
            assertThat(pod.getSpec().getTolerations()).extracting(Toleration::getKey).containsExactlyInAnyOrder(
                    "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable", "node.kubernetes.io/disk-pressure",
                    "node.kubernetes.io/memory-pressure", "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable");
            assertThat(pod.getMetadata().getOwnerReferences().getFirst().getUid()).isEqualTo(created.getMetadata().getUid());
            assertThat(pod.getMetadata().getLabels()).containsKey("controller-revision-hash").containsEntry("app", "agent");
            await("status: 3 desired, scheduled, ready and available", () -> {
                DaemonSetStatus s = status("agent");
                return s != null && eq(s.getDesiredNumberScheduled(), 3) && eq(s.getCurrentNumberScheduled(), 3) && eq(s.getNumberReady(), 3)
                        && eq(s.getNumberAvailable(), 3) && eq(s.getUpdatedNumberScheduled(), 3) && eq(s.getNumberMisscheduled(), 0)
                        && eq(s.getNumberUnavailable(), 0) && Long.valueOf(1).equals(s.getObservedGeneration());
            });
            assertThat(client.v1().events().inNamespace("default").list().getItems())
                    .anyMatch(e -> "SuccessfulCreate".equals(e.getReason()) && e.getMessage().startsWith("Created pod: agent-"));

            node("n3", Map.of(), null);
            await("a node added later gets its pod", () -> nodesOf("agent").equals(Set.of("n1", "n2", "cordoned", "n3")));

            client.resource(new DaemonSetBuilder(daemonSet("ssd", "busybox:1")).editSpec().editTemplate().editSpec()
                    .addToNodeSelector("disk", "ssd").endSpec().endTemplate().endSpec().build()).create();
            await("the nodeSelector picks n2 only", () -> nodesOf("ssd").equals(Set.of("n2")));
            Thread.sleep(500);
            assertThat(nodesOf("ssd")).containsExactly("n2");
            client.nodes().withName("n2").edit(n -> new NodeBuilder(n).editMetadata().removeFromLabels("disk").endMetadata().build());
            await("its pod goes once n2 no longer matches", () -> nodesOf("ssd").isEmpty());
            await("the SuccessfulDelete event", () -> client.v1().events().inNamespace("default").list().getItems().stream()
                    .anyMatch(e -> "SuccessfulDelete".equals(e.getReason()) && e.getMessage().startsWith("Deleted pod: ssd-")));
        }
    }

    @Test
    void rollingUpdateReplacesEveryPodKeepingAtMostMaxUnavailableNodesWithoutAnAvailablePod() throws Exception {
        for (String n : List.of("n1", "n2", "n3")) {
            node(n, Map.of(), null);
        }
        AtomicInteger mostUnavailable = new AtomicInteger();
        AtomicInteger rounds = new AtomicInteger();
        var worstRound = new java.util.concurrent.atomic.AtomicReference<List<String>>();
        kubelet().runAll(pods -> {
            // watched only while the update runs: nodes without a ready pod of the set
            if (rounds.get() > 0) {
                Set<String> available = pods.stream().filter(p -> p.getMetadata().getName().startsWith("agent-") && PodReadiness.isReady(p))
                        .map(DaemonPlacement::targetNode).collect(Collectors.toSet());
                if (3 - available.size() > mostUnavailable.get()) {
                    worstRound.set(pods.stream().map(p -> p.getMetadata().getName() + "@" + DaemonPlacement.targetNode(p)
                            + " ready=" + PodReadiness.isReady(p) + " rev=" + p.getMetadata().getLabels().get("controller-revision-hash")).toList());
                    mostUnavailable.set(3 - available.size());
                }
                rounds.incrementAndGet();
            }
        });
        try (var manager = ControllerManager.start(client, List.of("daemonset"), false, 2)) {
            client.resource(daemonSet("agent", "busybox:1")).create();
            await("rolled out", () -> status("agent") != null && eq(status("agent").getNumberAvailable(), 3));
            Set<String> oldPods = podsOf("agent").stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());

            rounds.set(1);
            client.apps().daemonSets().inNamespace("default").withName("agent").edit(d -> new DaemonSetBuilder(d).editSpec().editTemplate()
                    .editSpec().editFirstContainer().withImage("busybox:2").endContainer().endSpec().endTemplate().endSpec().build());
            await("every pod replaced by one of the new template", () -> {
                List<Pod> pods = podsOf("agent");
                return pods.size() == 3 && pods.stream().allMatch(p -> "busybox:2".equals(p.getSpec().getContainers().getFirst().getImage()))
                        && nodesOf("agent").equals(Set.of("n1", "n2", "n3"));
            });
            await("status: 3 updated and available", () -> {
                DaemonSetStatus s = status("agent");
                return eq(s.getUpdatedNumberScheduled(), 3) && eq(s.getNumberAvailable(), 3) && Long.valueOf(2).equals(s.getObservedGeneration());
            });
            assertThat(podsOf("agent")).noneMatch(p -> oldPods.contains(p.getMetadata().getName()));
            assertThat(mostUnavailable.get()).as("maxUnavailable 1: at most one node without an available pod; worst round: %s", worstRound.get()).isEqualTo(1);
            assertThat(client.apps().controllerRevisions().inNamespace("default").list().getItems())
                    .filteredOn(r -> r.getMetadata().getName().startsWith("agent-")).extracting(r -> r.getRevision())
                    .containsExactlyInAnyOrder(1L, 2L);
        }
    }

    private void node(String name, Map<String, String> labels, String taintKey) {
        var b = new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().withNewSpec().endSpec();
        if (taintKey != null) {
            b.editSpec().addNewTaint().withKey(taintKey).withValue(taintKey.equals("dedicated") ? "infra" : null).withEffect("NoSchedule")
                    .endTaint().endSpec();
        }
        Node node = b.build();
        client.resource(node).create();
    }

    private static DaemonSet daemonSet(String name, String image) {
        return new DaemonSetBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage(image).endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    private List<Pod> podsOf(String ds) {
        return kubelet().livePods().stream().filter(p -> ds.equals(p.getMetadata().getLabels().get("app"))).toList();
    }

    /** The nodes the set's live pods are for; a node with two pods would show as fewer nodes than pods. */
    private Set<String> nodesOf(String ds) {
        List<Pod> pods = podsOf(ds);
        Set<String> nodes = new HashSet<>();
        pods.forEach(p -> nodes.add(DaemonPlacement.targetNode(p)));
        return nodes.size() == pods.size() ? nodes : Set.of("duplicate pods: " + pods.size());
    }

    private DaemonSetStatus status(String name) {
        return client.apps().daemonSets().inNamespace("default").withName(name).get().getStatus();
    }

    private static boolean eq(Integer v, int expected) {
        return v != null && v == expected;
    }
}
