package dev.skiff.scheduler.framework.plugins.noderesources;

import static dev.skiff.scheduler.testing.MakeNode.node;
import static dev.skiff.scheduler.testing.MakePod.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.scheduler.framework.Code;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.PodRequests;
import dev.skiff.scheduler.framework.Resource;
import dev.skiff.scheduler.framework.Status;
import dev.skiff.scheduler.framework.plugins.noderesources.ScoringStrategy.ResourceSpec;
import dev.skiff.scheduler.framework.plugins.noderesources.ScoringStrategy.UtilizationShapePoint;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeResourcesFitTest {
    private final NodeResourcesFit fit = new NodeResourcesFit(Set.of(), ScoringStrategy.leastAllocated());

    private Status filter(Pod pod, NodeInfo n) {
        return fit.filter(new CycleState(), PodInfo.of(pod), n);
    }

    @Test
    void requestIsTheLargerOfAppContainersAndTheLargestInitContainer() {
        Resource r = PodRequests.of(pod("p").req("1", "1Gi").req("500m", "").initReq("2", "512Mi").obj());
        assertThat(r.milliCpu).isEqualTo(2000);
        assertThat(r.memory).isEqualTo(1024L * 1024 * 1024);
    }

    @Test
    void sidecarsAddToAppContainersAndToLaterInitContainers() {
        // sidecar 1 cpu runs alongside the later init container (2 cpu) and the app (1 cpu)
        Resource r = PodRequests.of(pod("p").req("1", "").sidecarReq("1", "").initReq("2", "").obj());
        assertThat(r.milliCpu).isEqualTo(3000);
        Resource r2 = PodRequests.of(pod("p").req("3", "").sidecarReq("1", "").initReq("2", "").obj());
        assertThat(r2.milliCpu).isEqualTo(4000);
    }

    @Test
    void overheadIsAdded() {
        Resource r = PodRequests.of(pod("p").req("1", "1Gi").overhead("250m", "100Mi").obj());
        assertThat(r.milliCpu).isEqualTo(1250);
        assertThat(r.memory).isEqualTo((1024L + 100) * 1024 * 1024);
    }

    @Test
    void nonZeroRequestsDefaultMissingCpuAndMemoryForScoring() {
        Resource r = PodRequests.nonZero(pod("p").req("", "").obj());
        assertThat(r.milliCpu).isEqualTo(100);
        assertThat(r.memory).isEqualTo(200L * 1024 * 1024);
        assertThat(PodRequests.of(pod("p").req("", "").obj()).isZero()).isTrue();
    }

    @Test
    void rejectsWithInsufficientCpuAndMemoryTogether() {
        NodeInfo n = new NodeInfo(node("n").capacity("2", "2Gi", "10").obj(), pod("e").node("n").req("1500m", "1Gi").obj());
        Status s = filter(pod("p").req("1", "3Gi").obj(), n);
        assertThat(s.code()).isEqualTo(Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
        assertThat(s.reasons()).containsExactly("Insufficient cpu", "Insufficient memory");
        Status s2 = filter(pod("p").req("1", "512Mi").obj(), n);
        assertThat(s2.code()).isEqualTo(Code.UNSCHEDULABLE);
        assertThat(s2.reasons()).containsExactly("Insufficient cpu");
    }

    @Test
    void initContainerRequestCountsInTheFilter() {
        NodeInfo n = new NodeInfo(node("n").capacity("2", "2Gi", "10").obj(), pod("e").node("n").req("1", "").obj());
        assertThat(filter(pod("p").req("500m", "").obj(), n).isSuccess()).isTrue();
        assertThat(filter(pod("p").req("500m", "").initReq("1500m", "").obj(), n).reasons()).containsExactly("Insufficient cpu");
    }

    @Test
    void rejectsWhenThePodCountIsReachedEvenWithoutRequests() {
        NodeInfo n = new NodeInfo(node("n").capacity("2", "2Gi", "1").obj(), pod("e").node("n").obj());
        assertThat(filter(pod("p").obj(), n).reasons()).containsExactly("Too many pods");
    }

    @Test
    void extendedResourcesAreCheckedUnlessIgnored() {
        NodeInfo n = new NodeInfo(node("n").resource("example.com/gpu", "1").obj(), pod("e").node("n").reqResource("example.com/gpu", "1").obj());
        Pod p = pod("p").reqResource("example.com/gpu", "1").obj();
        assertThat(filter(p, n).reasons()).containsExactly("Insufficient example.com/gpu");
        assertThat(new NodeResourcesFit(Set.of("example.com/gpu"), ScoringStrategy.leastAllocated())
                .filter(new CycleState(), PodInfo.of(p), n).isSuccess()).isTrue();
    }

    @Test
    void leastAllocatedScoresTheEmptierNodeHigher() {
        // upstream's example: node 4 cpu / 10000 memory, pod 3000m / 5000 -> cpu (4000-3000)*100/4000=25, mem 50 -> 37
        NodeInfo n = new NodeInfo(node("n").capacity("4", "10000", "10").obj());
        Pod p = pod("p").req("3", "5000").obj();
        assertThat(fit.score(new CycleState(), PodInfo.of(p), n)).isEqualTo(37);
    }

    @Test
    void mostAllocatedAndRequestedToCapacityRatioFollowTheirFormulas() {
        NodeInfo n = new NodeInfo(node("n").capacity("4", "10000", "10").obj());
        PodInfo p = PodInfo.of(pod("p").req("3", "5000").obj());
        var most = new NodeResourcesFit(Set.of(), new ScoringStrategy(ScoringStrategy.Type.MostAllocated, null, null));
        assertThat(most.score(new CycleState(), p, n)).isEqualTo((75 + 50) / 2);
        var ratio = new NodeResourcesFit(Set.of(), new ScoringStrategy(ScoringStrategy.Type.RequestedToCapacityRatio,
                List.of(new ResourceSpec("cpu", 1)), List.of(new UtilizationShapePoint(0, 0), new UtilizationShapePoint(100, 10))));
        assertThat(ratio.score(new CycleState(), p, n)).isEqualTo(75);
    }

    @Test
    void balancedAllocationPrefersEqualFractions() {
        var b = new BalancedAllocation(null);
        NodeInfo n = new NodeInfo(node("n").capacity("4", "4Gi", "10").obj());
        assertThat(b.score(new CycleState(), PodInfo.of(pod("p").req("2", "2Gi").obj()), n)).isEqualTo(100);
        // cpu 1/4, memory 3/4 -> std 0.25 -> 75
        assertThat(b.score(new CycleState(), PodInfo.of(pod("p").req("1", "3Gi").obj()), n)).isEqualTo(75);
        assertThat(b.preScore(new CycleState(), PodInfo.of(pod("p").obj()), List.of(n)).isSkip()).isTrue();
    }
}
