package dev.skiff.scheduler.framework.plugins.interpodaffinity;

import static dev.skiff.scheduler.testing.MakeNode.node;
import static dev.skiff.scheduler.testing.MakePod.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.testing.TestHandle;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InterPodAffinityTest {
    private static final String ZONE = "topology.kubernetes.io/zone";
    private final List<Node> nodes = List.of(node("a1").zone("a").obj(), node("a2").zone("a").obj(), node("b1").zone("b").obj());

    /** Filter status reasons per node, "" for fits. */
    private Map<String, String> filter(TestHandle h, Pod pod) {
        InterPodAffinity pl = new InterPodAffinity(h, 1);
        CycleState s = new CycleState();
        PodInfo pi = PodInfo.of(pod);
        pl.preFilter(s, pi, h.snapshot.nodeInfoList);
        var out = new java.util.TreeMap<String, String>();
        for (NodeInfo n : h.snapshot.nodeInfoList) {
            out.put(n.name(), pl.filter(s, pi, n).message());
        }
        return out;
    }

    @Test
    void antiAffinityKeepsThePodOutOfTheWholeZone() {
        TestHandle h = new TestHandle(nodes, List.of(pod("db-0").label("app", "db").node("a1").obj()));
        assertThat(filter(h, pod("db-1").label("app", "db").podAntiAffinity(ZONE, "app", "db").obj())).isEqualTo(Map.of(
                "a1", "node(s) didn't match pod anti-affinity rules", "a2", "node(s) didn't match pod anti-affinity rules", "b1", ""));
    }

    @Test
    void existingPodsAntiAffinityIsHonoured() {
        TestHandle h = new TestHandle(nodes, List.of(pod("lonely").label("app", "x").node("b1")
                .podAntiAffinity("kubernetes.io/hostname", "app", "web").obj()));
        assertThat(filter(h, pod("web").label("app", "web").obj()))
                .containsEntry("b1", "node(s) didn't satisfy existing pods anti-affinity rules").containsEntry("a1", "");
    }

    @Test
    void affinityNeedsAMatchingPodInTheZoneExceptForTheFirstOfAGroup() {
        TestHandle h = new TestHandle(nodes, List.of(pod("cache").label("app", "cache").node("b1").obj()));
        assertThat(filter(h, pod("web").podAffinity(ZONE, "app", "cache").obj()))
                .containsEntry("a1", "node(s) didn't match pod affinity rules").containsEntry("b1", "");
        TestHandle empty = new TestHandle(nodes, List.of());
        // matches its own term: the first pod of the group may go anywhere
        assertThat(filter(empty, pod("c0").label("app", "cache").podAffinity(ZONE, "app", "cache").obj()).values()).containsOnly("");
        assertThat(filter(empty, pod("web").podAffinity(ZONE, "app", "cache").obj()).values())
                .containsOnly("node(s) didn't match pod affinity rules");
    }

    @Test
    void namespaceSelectorSelectsPodsInLabelledNamespaces() {
        TestHandle h = new TestHandle(nodes, List.of(pod("cache").namespace("team-a").label("app", "cache").node("b1").obj()));
        h.namespaces.put("team-a", Map.of("team", "a"));
        assertThat(filter(h, pod("web").podAffinityNamespaceSelector(ZONE, "app", "cache", "team", "a").obj()))
                .containsEntry("b1", "").containsEntry("a1", "node(s) didn't match pod affinity rules");
        // without the selector the term means the pod's own namespace, where no cache runs
        assertThat(filter(h, pod("web").podAffinity(ZONE, "app", "cache").obj())).containsEntry("b1", "node(s) didn't match pod affinity rules");
    }

    @Test
    void preferredAffinityScoresTheZoneWithMatchingPods() {
        TestHandle h = new TestHandle(nodes, List.of(pod("cache").label("app", "cache").node("b1").obj()));
        InterPodAffinity pl = new InterPodAffinity(h, 1);
        PodInfo p = PodInfo.of(pod("web").preferredPodAffinity(5, ZONE, "app", "cache").obj());
        CycleState s = new CycleState();
        assertThat(pl.preScore(s, p, h.snapshot.nodeInfoList).isSuccess()).isTrue();
        long[] scores = h.snapshot.nodeInfoList.stream().mapToLong(n -> pl.score(s, p, n)).toArray();
        pl.normalizeScore(s, p, scores, h.snapshot.nodeInfoList);
        assertThat(scores).containsExactly(0, 0, 100);
    }
}
