package dev.skiff.scheduler.framework.plugins.tainttoleration;

import static dev.skiff.scheduler.testing.MakeNode.node;
import static dev.skiff.scheduler.testing.MakePod.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.scheduler.framework.Code;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaintTolerationTest {
    private final TaintToleration plugin = new TaintToleration();
    private final NodeInfo controlPlane = new NodeInfo(node("cp").taint("node-role.kubernetes.io/control-plane", null, "NoSchedule").obj());

    @Test
    void untoleratedTaintIsReportedWithKeyAndValue() {
        Status s = plugin.filter(new CycleState(), PodInfo.of(pod("p").obj()), controlPlane);
        assertThat(s.code()).isEqualTo(Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
        assertThat(s.reasons()).containsExactly("node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }");
        NodeInfo gpu = new NodeInfo(node("g").taint("dedicated", "gpu", "NoExecute").obj());
        assertThat(plugin.filter(new CycleState(), PodInfo.of(pod("p").obj()), gpu).reasons())
                .containsExactly("node(s) had untolerated taint {dedicated: gpu}");
    }

    @Test
    void tolerationOperatorsAndEffects() {
        Toleration exists = new TolerationBuilder().withKey("node-role.kubernetes.io/control-plane").withOperator("Exists").build();
        Toleration wildcard = new TolerationBuilder().withOperator("Exists").build();
        Toleration wrongEffect = new TolerationBuilder().withKey("node-role.kubernetes.io/control-plane").withOperator("Exists")
                .withEffect("NoExecute").build();
        assertThat(plugin.filter(new CycleState(), PodInfo.of(pod("p").toleration(exists).obj()), controlPlane).isSuccess()).isTrue();
        assertThat(plugin.filter(new CycleState(), PodInfo.of(pod("p").toleration(wildcard).obj()), controlPlane).isSuccess()).isTrue();
        assertThat(plugin.filter(new CycleState(), PodInfo.of(pod("p").toleration(wrongEffect).obj()), controlPlane).isSuccess()).isFalse();
        NodeInfo gpu = new NodeInfo(node("g").taint("dedicated", "gpu", "NoSchedule").obj());
        Toleration equal = new TolerationBuilder().withKey("dedicated").withValue("gpu").build();
        Toleration other = new TolerationBuilder().withKey("dedicated").withOperator("Equal").withValue("db").build();
        assertThat(plugin.filter(new CycleState(), PodInfo.of(pod("p").toleration(equal).obj()), gpu).isSuccess()).isTrue();
        assertThat(plugin.filter(new CycleState(), PodInfo.of(pod("p").toleration(other).obj()), gpu).isSuccess()).isFalse();
    }

    /** The node info keeps the taints beside the node: they must follow the node as the cache replaces it, and into copies. */
    @Test
    void taintsFollowTheNodeThroughTheNodeInfo() {
        NodeInfo info = new NodeInfo(node("a").obj());
        PodInfo p = PodInfo.of(pod("p").obj());
        info.setNode(node("a").taint("dedicated", "gpu", "NoSchedule").taint("x", "1", "PreferNoSchedule").obj());
        assertThat(plugin.filter(new CycleState(), p, info.copy()).reasons()).containsExactly("node(s) had untolerated taint {dedicated: gpu}");
        info.setNode(node("a").taint("x", "1", "PreferNoSchedule").obj());
        assertThat(plugin.filter(new CycleState(), p, info).isSuccess()).isTrue();
        assertThat(plugin.score(null, p, info)).isEqualTo(1);
        info.setNode(node("a").obj());
        assertThat(plugin.score(null, p, info)).isZero();
    }

    @Test
    void preferNoScheduleTaintsOnlyLowerTheScore() {
        NodeInfo clean = new NodeInfo(node("a").obj());
        NodeInfo one = new NodeInfo(node("b").taint("x", "1", "PreferNoSchedule").obj());
        NodeInfo two = new NodeInfo(node("c").taint("x", "1", "PreferNoSchedule").taint("y", "2", "PreferNoSchedule").obj());
        PodInfo p = PodInfo.of(pod("p").obj());
        assertThat(plugin.filter(new CycleState(), p, two).isSuccess()).isTrue();
        long[] scores = {plugin.score(null, p, clean), plugin.score(null, p, one), plugin.score(null, p, two)};
        plugin.normalizeScore(null, p, scores, List.of(clean, one, two));
        assertThat(scores).containsExactly(100, 50, 0);
    }
}
