package dev.skiff.scheduler.framework.plugins.podtopologyspread;

import static dev.skiff.scheduler.testing.MakeNode.node;
import static dev.skiff.scheduler.testing.MakePod.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.api.selector.LabelSelector;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.testing.TestHandle;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PodTopologySpreadTest {
    private static final String ZONE = "topology.kubernetes.io/zone";
    private final List<Node> nodes = List.of(node("a1").zone("a").obj(), node("a2").zone("a").obj(), node("b1").zone("b").obj(),
            node("nolabel").obj());

    private Map<String, String> filter(TestHandle h, Pod pod) {
        return filter(new PodTopologySpread(h, List.of()), h, pod);
    }

    /** One scheduling cycle's PreFilter, then Filter on every node: the message per node ("" when it fits). */
    private static Map<String, String> filter(PodTopologySpread pl, TestHandle h, Pod pod) {
        CycleState s = new CycleState();
        PodInfo pi = PodInfo.of(pod);
        pl.preFilter(s, pi, h.snapshot.nodeInfoList);
        Map<String, String> out = new TreeMap<>();
        for (NodeInfo n : h.snapshot.nodeInfoList) {
            out.put(n.name(), pl.filter(s, pi, n).message());
        }
        return out;
    }

    private static List<Pod> pods(String node, int n) {
        List<Pod> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(pod(node + "-" + i).label("app", "web").node(node).obj());
        }
        return out;
    }

    @Test
    void skewBeyondMaxSkewIsRejectedAndMissingLabelIsUnresolvable() {
        List<Pod> existing = new ArrayList<>(pods("a1", 2));
        existing.addAll(pods("b1", 1));
        TestHandle h = new TestHandle(nodes, existing);
        Pod p = pod("new").label("app", "web").spread(1, ZONE, "DoNotSchedule", "app", "web", null).obj();
        // zone a has 2, zone b 1: a would make skew 3-1=2 > 1; b makes 2-2=0
        assertThat(filter(h, p)).isEqualTo(Map.of(
                "a1", "node(s) didn't match pod topology spread constraints",
                "a2", "node(s) didn't match pod topology spread constraints",
                "b1", "",
                "nolabel", "node(s) didn't match pod topology spread constraints (missing required label)"));
    }

    /** A pod its own constraint does not select does not count itself: zone a at 1 and b at 0 make a skew of 1 - 0 = 1, allowed. */
    @Test
    void aPodTheSelectorDoesNotMatchDoesNotCountItself() {
        TestHandle h = new TestHandle(nodes, pods("a1", 1));
        Pod other = pod("new").label("app", "db").spread(1, ZONE, "DoNotSchedule", "app", "web", null).obj();
        assertThat(filter(h, other)).containsEntry("a1", "").containsEntry("a2", "").containsEntry("b1", "");
        Pod self = pod("new").label("app", "web").spread(1, ZONE, "DoNotSchedule", "app", "web", null).obj();
        assertThat(filter(h, self)).containsEntry("a1", "node(s) didn't match pod topology spread constraints").containsEntry("b1", "");
    }

    /**
     * Preemption and nominated pods filter on a copy of the cycle's state with pods added or removed: the copy keeps
     * the incoming pod's own match. With a pod added in zone b on the copy, a and b are level again (1 each) and the
     * pod counting itself may go to either.
     */
    @Test
    void aCopyOfTheCycleStateWithAnAddedPodKeepsThePodsOwnMatch() {
        TestHandle h = new TestHandle(nodes, pods("a1", 1));
        PodTopologySpread pl = new PodTopologySpread(h, List.of());
        Pod p = pod("new").label("app", "web").spread(1, ZONE, "DoNotSchedule", "app", "web", null).obj();
        PodInfo pi = PodInfo.of(p);
        CycleState state = new CycleState();
        pl.preFilter(state, pi, h.snapshot.nodeInfoList);
        CycleState copy = state.copy();
        NodeInfo b1 = h.snapshot.get("b1");
        pl.preFilterExtensions().addPod(copy, pi, PodInfo.of(pod("nominated").label("app", "web").node("b1").obj()), b1);
        assertThat(pl.filter(copy, pi, h.snapshot.get("a1")).isSuccess()).as("a: 1 + 1 - 1").isTrue();
        assertThat(pl.filter(state, pi, h.snapshot.get("a1")).isSuccess()).as("the original state: a 1 + 1 - 0").isFalse();
    }

    /**
     * One plugin across cycles, on a snapshot whose nodes carry the cache's generations: the counts
     * it keeps follow a node whose generation moved, and stay for the nodes whose did not.
     */
    @Test
    void countsKeptAcrossCyclesFollowTheNodesWhoseGenerationChanged() {
        TestHandle h = new TestHandle(nodes, pods("a1", 1));
        long generation = 0;
        for (NodeInfo n : h.snapshot.nodeInfoList) {
            n.setGeneration(++generation);
        }
        PodTopologySpread pl = new PodTopologySpread(h, List.of());
        Pod p = pod("new").label("app", "web").spread(1, ZONE, "DoNotSchedule", "app", "web", null).obj();
        String rejected = "node(s) didn't match pod topology spread constraints";
        // a 1, b 0: only b
        assertThat(filter(pl, h, p)).containsEntry("a1", rejected).containsEntry("a2", rejected).containsEntry("b1", "");

        NodeInfo b1 = h.snapshot.get("b1");
        b1.addPod(PodInfo.of(pod("b1-0").label("app", "web").node("b1").obj()));
        b1.setGeneration(++generation);
        // a 1, b 1: either zone
        assertThat(filter(pl, h, p)).containsEntry("a1", "").containsEntry("a2", "").containsEntry("b1", "");

        b1.addPod(PodInfo.of(pod("b1-1").label("app", "web").node("b1").obj()));
        b1.setGeneration(++generation);
        // a 1, b 2: only a
        assertThat(filter(pl, h, p)).containsEntry("a1", "").containsEntry("a2", "").containsEntry("b1", rejected);
    }

    @Test
    void belowMinDomainsTheGlobalMinimumIsZero() {
        TestHandle h = new TestHandle(nodes, pods("b1", 1));
        Pod p = pod("new").label("app", "web").spread(1, ZONE, "DoNotSchedule", "app", "web", 3).obj();
        // only 2 zones exist < minDomains 3: min is 0, so zone b (1 + 1 - 0 = 2 > 1) is rejected
        assertThat(filter(h, p)).containsEntry("b1", "node(s) didn't match pod topology spread constraints").containsEntry("a1", "");
    }

    @Test
    void scheduleAnywayScoresEmptierZonesHigher() {
        TestHandle h = new TestHandle(nodes, pods("a1", 3));
        PodTopologySpread pl = new PodTopologySpread(h, List.of());
        PodInfo p = PodInfo.of(pod("new").label("app", "web").spread(1, ZONE, "ScheduleAnyway", "app", "web", null).obj());
        CycleState s = new CycleState();
        List<NodeInfo> filtered = h.snapshot.nodeInfoList;
        assertThat(pl.preScore(s, p, filtered).isSuccess()).isTrue();
        long[] scores = filtered.stream().mapToLong(n -> pl.score(s, p, n)).toArray();
        pl.normalizeScore(s, p, scores, filtered);
        assertThat(scores[2]).isEqualTo(100);
        assertThat(scores[0]).isEqualTo(scores[1]).isLessThan(100);
        assertThat(scores[3]).isZero();
    }

    @Test
    void systemDefaultConstraintsApplyThroughTheOwnersSelector() {
        TestHandle h = new TestHandle(nodes, pods("a1", 3));
        PodTopologySpread pl = new PodTopologySpread(h, PodTopologySpread.SYSTEM_DEFAULT_CONSTRAINTS);
        PodInfo p = PodInfo.of(pod("new").label("app", "web").obj());
        assertThat(pl.preScore(new CycleState(), p, h.snapshot.nodeInfoList).isSkip()).isTrue();
        h.defaultSelector = LabelSelector.fromSet(Map.of("app", "web"));
        assertThat(pl.preScore(new CycleState(), p, h.snapshot.nodeInfoList).isSuccess()).isTrue();
    }
}
