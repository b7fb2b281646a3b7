package dev.skiff.scheduler.framework.plugins.nodeaffinity;

import static dev.skiff.scheduler.testing.MakeNode.node;
import static dev.skiff.scheduler.testing.MakePod.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeAffinityTest {
    private final NodeAffinity plugin = new NodeAffinity(null);
    private final NodeInfo n = new NodeInfo(node("n1").label("zone", "a").label("gen", "5").obj());

    private boolean fits(Pod p) {
        Status s = plugin.filter(new CycleState(), PodInfo.of(p), n);
        if (!s.isSuccess()) {
            assertThat(s.reasons()).containsExactly("node(s) didn't match Pod's node affinity/selector");
        }
        return s.isSuccess();
    }

    @Test
    void operators() {
        assertThat(fits(pod("p").nodeAffinity("zone", "In", "a", "b").obj())).isTrue();
        assertThat(fits(pod("p").nodeAffinity("zone", "In", "b").obj())).isFalse();
        assertThat(fits(pod("p").nodeAffinity("zone", "NotIn", "b").obj())).isTrue();
        assertThat(fits(pod("p").nodeAffinity("zone", "NotIn", "a").obj())).isFalse();
        assertThat(fits(pod("p").nodeAffinity("missing", "NotIn", "a").obj())).isTrue();
        assertThat(fits(pod("p").nodeAffinity("zone", "Exists").obj())).isTrue();
        assertThat(fits(pod("p").nodeAffinity("zone", "DoesNotExist").obj())).isFalse();
        assertThat(fits(pod("p").nodeAffinity("gen", "Gt", "4").obj())).isTrue();
        assertThat(fits(pod("p").nodeAffinity("gen", "Gt", "5").obj())).isFalse();
        assertThat(fits(pod("p").nodeAffinity("gen", "Lt", "6").obj())).isTrue();
        assertThat(fits(pod("p").nodeAffinity("zone", "Lt", "6").obj())).isFalse();
    }

    @Test
    void nodeSelectorAndAffinityMustBothMatch() {
        assertThat(fits(pod("p").nodeSelector("zone", "a").obj())).isTrue();
        assertThat(fits(pod("p").nodeSelector("zone", "b").obj())).isFalse();
        assertThat(fits(pod("p").nodeSelector("zone", "a").nodeAffinity("gen", "In", "4").obj())).isFalse();
    }

    @Test
    void matchFieldsOnNameNarrowTheCycleInPreFilter() {
        Pod p = pod("p").nodeNameField("n1", "n2").obj();
        var r = plugin.preFilter(new CycleState(), PodInfo.of(p), List.of(n));
        assertThat(r.value().nodeNames()).isEqualTo(Set.of("n1", "n2"));
        assertThat(fits(p)).isTrue();
        assertThat(fits(pod("p").nodeNameField("n2").obj())).isFalse();
        assertThat(plugin.preFilter(new CycleState(), PodInfo.of(pod("p").obj()), List.of(n)).status().isSkip()).isTrue();
    }

    @Test
    void preferredTermsScoreByWeight() {
        NodeInfo b = new NodeInfo(node("n2").label("zone", "b").obj());
        PodInfo p = PodInfo.of(pod("p").preferredNodeAffinity(10, "zone", "a").preferredNodeAffinity(30, "zone", "b").obj());
        long[] s = {plugin.score(null, p, n), plugin.score(null, p, b)};
        plugin.normalizeScore(null, p, s, List.of(n, b));
        assertThat(s).containsExactly(33, 100);
    }
}
