package dev.skiff.scheduler.framework.plugins.nodeunschedulable;

import static dev.skiff.scheduler.testing.MakeNode.node;
import static dev.skiff.scheduler.testing.MakePod.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.scheduler.framework.ClusterEventWithHint;
import dev.skiff.scheduler.framework.Code;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import org.junit.jupiter.api.Test;

class NodeUnschedulableTest {
    private final NodeUnschedulable plugin = new NodeUnschedulable();
    private final Toleration tolerateCordon = new TolerationBuilder().withKey("node.kubernetes.io/unschedulable").withOperator("Exists")
            .withEffect("NoSchedule").build();

    @Test
    void aCordonedNodeTakesOnlyPodsToleratingIt() {
        NodeInfo cordoned = new NodeInfo(node("a").unschedulable().obj());
        Status s = plugin.filter(new CycleState(), PodInfo.of(pod("p").obj()), cordoned);
        assertThat(s.code()).isEqualTo(Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
        assertThat(s.reasons()).containsExactly("node(s) were unschedulable");
        assertThat(plugin.filter(new CycleState(), PodInfo.of(pod("p").toleration(tolerateCordon).obj()), cordoned).isSuccess()).isTrue();
        assertThat(plugin.filter(new CycleState(), PodInfo.of(pod("p").obj()), new NodeInfo(node("b").obj())).isSuccess()).isTrue();
    }

    /** The node info keeps spec.unschedulable beside the node: it must follow the node as the cache replaces it, and into copies. */
    @Test
    void cordoningAndUncordoningFollowTheNodeThroughTheNodeInfo() {
        NodeInfo info = new NodeInfo(node("a").obj());
        PodInfo p = PodInfo.of(pod("p").obj());
        info.setNode(node("a").unschedulable().obj());
        assertThat(plugin.filter(new CycleState(), p, info).isSuccess()).isFalse();
        assertThat(plugin.filter(new CycleState(), p, info.copy()).isSuccess()).as("a snapshot's copy").isFalse();
        NodeInfo assigned = new NodeInfo(node("a").obj());
        assigned.assign(info);
        assertThat(plugin.filter(new CycleState(), p, assigned).isSuccess()).as("a snapshot's node info assigned anew").isFalse();
        info.setNode(node("a").obj());
        assertThat(plugin.filter(new CycleState(), p, info).isSuccess()).isTrue();
    }

    @Test
    void anUncordonedNodeIsWorthRetryingForAPodItRejected() {
        ClusterEventWithHint hint = plugin.eventsToRegister().getFirst();
        var p = pod("p").obj();
        assertThat(hint.hint().shouldQueue(p, node("a").unschedulable().obj(), node("a").obj())).isTrue();
        assertThat(hint.hint().shouldQueue(p, node("a").obj(), node("a").unschedulable().obj())).isFalse();
    }
}
