package dev.skiff.scheduler.internal.cache;

import static dev.skiff.scheduler.testing.MakePod.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.Snapshot;
import dev.skiff.scheduler.testing.FakeClock;
import dev.skiff.scheduler.testing.MakeNode;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CacheTest {
    private final FakeClock clock = new FakeClock();
    private final Cache cache = new Cache(clock, Duration.ofSeconds(30));
    private final Snapshot snapshot = new Snapshot();

    private NodeInfo node(String name) {
        cache.updateSnapshot(snapshot);
        return snapshot.get(name);
    }

    @Test
    void assumedPodsCountUntilForgotten() {
        cache.addNode(MakeNode.node("n").obj());
        Pod p = pod("p").node("n").req("1", "1Gi").obj();
        cache.assumePod(p);
        assertThat(node("n").requested().milliCpu).isEqualTo(1000);
        assertThatThrownBy(() -> cache.assumePod(p)).isInstanceOf(IllegalStateException.class);
        cache.forgetPod(p);
        assertThat(node("n").requested().milliCpu).isZero();
        assertThat(node("n").pods()).isEmpty();
    }

    @Test
    void confirmedPodsStayAndMoveToTheNodeTheyWereBoundTo() {
        cache.addNode(MakeNode.node("a").obj());
        cache.addNode(MakeNode.node("b").obj());
        Pod assumed = pod("p").node("a").req("1", "").obj();
        cache.assumePod(assumed);
        cache.finishBinding(assumed);
        cache.addPod(pod("p").node("b").req("1", "").obj());
        assertThat(cache.isAssumedPod(assumed)).isFalse();
        assertThat(node("a").pods()).isEmpty();
        assertThat(node("b").pods()).hasSize(1);
        clock.step(Duration.ofMinutes(5));
        assertThat(cache.cleanupExpiredAssumedPods()).isEmpty();
        assertThat(node("b").pods()).hasSize(1);
    }

    @Test
    void assumedPodsExpireOnlyAfterBindingFinishedAndTheTtlPassed() {
        cache.addNode(MakeNode.node("n").obj());
        Pod p = pod("p").node("n").obj();
        cache.assumePod(p);
        clock.step(Duration.ofMinutes(5));
        assertThat(cache.cleanupExpiredAssumedPods()).as("binding still in flight").isEmpty();
        cache.finishBinding(p);
        clock.step(Duration.ofSeconds(29));
        assertThat(cache.cleanupExpiredAssumedPods()).isEmpty();
        clock.step(Duration.ofSeconds(2));
        assertThat(cache.cleanupExpiredAssumedPods()).containsExactly(p);
        assertThat(node("n").pods()).isEmpty();
    }

    @Test
    void snapshotUpdatesCopyOnlyChangedNodes() {
        cache.addNode(MakeNode.node("a").zone("z1").obj());
        cache.addNode(MakeNode.node("b").zone("z2").obj());
        cache.addNode(MakeNode.node("c").zone("z1").obj());
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.nodeInfoList).extracting(NodeInfo::name).as("zones interleaved").containsExactly("a", "b", "c");
        NodeInfo a = snapshot.get("a");
        long aGeneration = a.generation();
        cache.addPod(pod("p").node("b").obj());
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.get("a")).isSameAs(a);
        assertThat(a.generation()).as("unchanged node not copied again").isEqualTo(aGeneration);
        assertThat(snapshot.get("b").pods()).hasSize(1);
        cache.addPod(pod("anti").node("c").podAntiAffinity("kubernetes.io/hostname", "x", "y").obj());
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.havePodsWithRequiredAntiAffinityList).extracting(NodeInfo::name).containsExactly("c");
        cache.removeNode(MakeNode.node("a").zone("z1").obj());
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.nodeInfoList).extracting(NodeInfo::name).containsExactlyInAnyOrder("b", "c");
        assertThat(snapshot.get("a")).isNull();
    }

    @Test
    void imageStatesCountTheNodesHoldingEachImage() {
        cache.addNode(MakeNode.node("a").image("app:1", 100).obj());
        cache.addNode(MakeNode.node("b").image("app:1", 100).obj());
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.get("b").imageStates().get("app:1").numNodes()).isEqualTo(2);
    }
}
