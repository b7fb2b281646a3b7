package dev.skiff.scheduler.internal.queue;

import static dev.skiff.scheduler.testing.MakePod.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.scheduler.framework.ClusterEvent;
import dev.skiff.scheduler.framework.ClusterEventWithHint;
import dev.skiff.scheduler.framework.QueuedPod;
import dev.skiff.scheduler.framework.plugins.nodeaffinity.NodeAffinity;
import dev.skiff.scheduler.framework.plugins.noderesources.NodeResourcesFit;
import dev.skiff.scheduler.framework.plugins.noderesources.ScoringStrategy;
import dev.skiff.scheduler.framework.plugins.queuesort.PrioritySort;
import dev.skiff.scheduler.framework.plugins.schedulinggates.SchedulingGates;
import dev.skiff.scheduler.testing.FakeClock;
import dev.skiff.scheduler.testing.MakeNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SchedulingQueueTest {
    private final FakeClock clock = new FakeClock();
    private final SchedulingQueue q = new SchedulingQueue(clock, new PrioritySort().less(), new SchedulingGates()::preEnqueue,
            Map.<String, List<ClusterEventWithHint>>of(
                    NodeAffinity.NAME, new NodeAffinity(null).eventsToRegister(),
                    NodeResourcesFit.NAME, new NodeResourcesFit(Set.of(), ScoringStrategy.leastAllocated()).eventsToRegister()),
            Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(5));

    private QueuedPod pop() throws InterruptedException {
        return q.pop(0, TimeUnit.MILLISECONDS);
    }

    /** Pops the pod and records that the given plugin rejected it. */
    private QueuedPod failWith(String plugin) throws InterruptedException {
        QueuedPod qp = pop();
        qp.unschedulablePlugins.add(plugin);
        q.addUnschedulableIfNotPresent(qp, q.schedulingCycle());
        return qp;
    }

    @Test
    void popsByPriorityThenByArrival() throws Exception {
        q.add(pod("low").priority(1).obj());
        clock.step(Duration.ofMillis(1));
        q.add(pod("high").priority(10).obj());
        clock.step(Duration.ofMillis(1));
        q.add(pod("high2").priority(10).obj());
        assertThat(pop().podInfo().pod().getMetadata().getName()).isEqualTo("high");
        assertThat(pop().podInfo().pod().getMetadata().getName()).isEqualTo("high2");
        assertThat(pop().podInfo().pod().getMetadata().getName()).isEqualTo("low");
        assertThat(pop()).isNull();
    }

    @Test
    void backoffDoublesFromOneSecondUpToTen() {
        assertThat(List.of(1, 2, 3, 4, 5, 6).stream().map(q::backoffDuration).toList()).containsExactly(
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
                Duration.ofSeconds(10), Duration.ofSeconds(10));
    }

    @Test
    void nodeAddMovesOnlyPodsItMayHelp() throws Exception {
        q.add(pod("wants-ssd").nodeAffinityIn("disk", "ssd").obj());
        failWith(NodeAffinity.NAME);
        assertThat(q.unschedulableCount()).isEqualTo(1);
        q.moveAllToActiveOrBackoffQueue(ClusterEvent.NODE_ADD, null, MakeNode.node("hdd").label("disk", "hdd").obj());
        assertThat(q.unschedulableCount()).as("the hint says an hdd node does not help").isEqualTo(1);
        q.moveAllToActiveOrBackoffQueue(ClusterEvent.ASSIGNED_POD_DELETE, pod("x").obj(), null);
        assertThat(q.unschedulableCount()).as("NodeAffinity did not register pod deletes").isEqualTo(1);
        q.moveAllToActiveOrBackoffQueue(ClusterEvent.NODE_ADD, null, MakeNode.node("ssd").label("disk", "ssd").obj());
        assertThat(q.unschedulableCount()).isZero();
        assertThat(q.backoffCount()).as("still backing off (1 s after the first attempt)").isEqualTo(1);
        clock.step(Duration.ofSeconds(1));
        q.flushBackoffQCompleted();
        assertThat(pop().podInfo().pod().getMetadata().getName()).isEqualTo("wants-ssd");
    }

    @Test
    void podDeleteMovesPodsRejectedForResources() throws Exception {
        q.add(pod("big").req("4", "").obj());
        failWith(NodeResourcesFit.NAME);
        clock.step(Duration.ofSeconds(5));
        q.moveAllToActiveOrBackoffQueue(ClusterEvent.ASSIGNED_POD_DELETE, pod("x").obj(), null);
        assertThat(q.activeCount()).as("back-off already over: straight to activeQ").isEqualTo(1);
    }

    @Test
    void aMoveRequestDuringTheCycleSendsTheFailedPodToBackoff() throws Exception {
        q.add(pod("p").obj());
        QueuedPod qp = pop();
        long cycle = q.schedulingCycle();
        q.moveAllToActiveOrBackoffQueue(ClusterEvent.NODE_ADD, null, MakeNode.node("n").obj());
        qp.unschedulablePlugins.add(NodeAffinity.NAME);
        q.addUnschedulableIfNotPresent(qp, cycle);
        assertThat(q.unschedulableCount()).isZero();
        assertThat(q.backoffCount()).isEqualTo(1);
    }

    @Test
    void podsLeftUnschedulableForFiveMinutesAreRetried() throws Exception {
        q.add(pod("p").obj());
        failWith(NodeAffinity.NAME);
        clock.step(Duration.ofMinutes(4));
        q.flushUnschedulablePodsLeftover();
        assertThat(q.unschedulableCount()).isEqualTo(1);
        clock.step(Duration.ofMinutes(1));
        q.flushUnschedulablePodsLeftover();
        assertThat(q.activeCount()).isEqualTo(1);
    }

    @Test
    void gatedPodsWaitUntilTheGatesAreRemoved() throws Exception {
        Pod gated = new PodBuilder(pod("g").obj()).editSpec().addNewSchedulingGate("example.com/wait").endSpec().build();
        q.add(gated);
        assertThat(pop()).isNull();
        q.moveAllToActiveOrBackoffQueue(ClusterEvent.NODE_ADD, null, MakeNode.node("n").obj());
        assertThat(pop()).isNull();
        q.update(gated, pod("g").obj());
        assertThat(pop().podInfo().pod().getMetadata().getName()).isEqualTo("g");
    }
}
