package dev.skiff.scheduler;

import static dev.skiff.scheduler.testing.MakeNode.node;
import static dev.skiff.scheduler.testing.MakePod.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration;
import dev.skiff.scheduler.testing.FakeClock;
import dev.skiff.scheduler.testing.Recorder;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private final FakeClock clock = new FakeClock();
    private final Recorder out = new Recorder();
    private Scheduler scheduler = newScheduler(KubeSchedulerConfiguration.defaults());

    private Scheduler newScheduler(KubeSchedulerConfiguration config) {
        return new Scheduler(config, clock, new SplittableRandom(7), out, out, Runnable::run);
    }

    @AfterEach
    void close() {
        scheduler.close();
    }

    private void drain() throws InterruptedException {
        while (scheduler.scheduleNext(0, TimeUnit.MILLISECONDS)) {
            // keep going
        }
    }

    /** Binds the recorded placements back into the scheduler, as the informer would report them. */
    private void confirm(Pod pending) {
        scheduler.onPodUpdate(pending, new io.fabric8.kubernetes.api.model.PodBuilder(pending).editSpec()
                .withNodeName(out.bindings.get(pending.getMetadata().getName())).endSpec().build());
    }

    private void addFourCpuNodes(String... names) {
        for (String name : names) {
            scheduler.onNodeAdd(node(name).capacity("4", "8Gi", "110").obj());
        }
    }

    /** Once the back-off of a failed attempt is over: the tick flushes backoffQ, then the cycles run. */
    private void drainAfterBackoff() throws InterruptedException {
        clock.step(Duration.ofSeconds(2));
        scheduler.tick();
        drain();
    }

    @Test
    void failureMessageAggregatesReasonsAndPreemptionAsUpstream() throws Exception {
        scheduler.onNodeAdd(node("cp").taint("node-role.kubernetes.io/control-plane", null, "NoSchedule").obj());
        scheduler.onNodeAdd(node("w1").capacity("4", "8Gi", "110").obj());
        scheduler.onNodeAdd(node("w2").capacity("4", "8Gi", "110").obj());
        scheduler.onPodAdd(pod("e1").node("w1").req("3", "").obj());
        scheduler.onPodAdd(pod("e2").node("w2").req("3", "").obj());
        scheduler.onPodAdd(pod("p").req("2", "").obj());
        drain();
        assertThat(out.bindings).isEmpty();
        assertThat(out.failures.get("p")).isEqualTo("0/3 nodes are available: 1 node(s) had untolerated taint "
                + "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: "
                + "1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..");
        assertThat(scheduler.queue().unschedulableCount()).isEqualTo(1);
    }

    @Test
    void nodesLeftOutByPreFilterAreCountedAsNotSatisfyingThePlugin() throws Exception {
        scheduler.onNodeAdd(node("a").obj());
        scheduler.onNodeAdd(node("b").obj());
        scheduler.onPodAdd(pod("pinned").nodeNameField("c").obj());
        scheduler.onPodAdd(pod("pinned-b").nodeNameField("b").obj());
        drain();
        assertThat(out.failures.get("pinned")).isEqualTo("0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. "
                + "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..");
        assertThat(out.bindings).containsExactly(java.util.Map.entry("pinned-b", "b"));
    }

    @Test
    void theAssumedPodIsOnItsNodeAndTheInformersObjectIsLeftAsItWas() throws Exception {
        Pod pending = pod("p").req("1", "1Gi").obj();
        pending.getSpec().setTolerations(new java.util.ArrayList<>());
        Pod assumed = Scheduler.assumedOn(pending, "n1");
        assertThat(assumed.getSpec().getNodeName()).isEqualTo("n1");
        assertThat(pending.getSpec().getNodeName()).as("the informer's object").isNull();
        assertThat(assumed.getSpec().getContainers()).isEqualTo(pending.getSpec().getContainers());
        assertThat(assumed.getMetadata()).isEqualTo(pending.getMetadata());
        assumed.getSpec().setNodeName(null);
        assertThat(assumed).isEqualTo(pending);

        Pod before = new io.fabric8.kubernetes.api.model.PodBuilder(pending).build();
        addFourCpuNodes("n1");
        scheduler.onPodAdd(pending);
        drain();
        assertThat(out.bindings).containsEntry("p", "n1");
        assertThat(pending).as("the informer's object after the pod was assumed and bound").isEqualTo(before);
    }

    @Test
    void aBindThatFailsLeavesTheInformersObjectAsItWasToo() throws Exception {
        scheduler.close();
        scheduler = new Scheduler(KubeSchedulerConfiguration.defaults(), clock, new SplittableRandom(7), (pod, node) -> {
            throw new IllegalStateException("binding refused");
        }, out, Runnable::run);
        Pod pending = pod("p").req("1", "1Gi").obj();
        Pod before = new io.fabric8.kubernetes.api.model.PodBuilder(pending).build();
        addFourCpuNodes("n1");
        scheduler.onPodAdd(pending);
        drain();
        assertThat(out.failures.get("p")).contains("binding refused");
        assertThat(pending).as("the informer's object after the assumed pod was forgotten").isEqualTo(before);
    }

    @Test
    void unschedulablePodIsScheduledWhenANodeJoins() throws Exception {
        scheduler.onNodeAdd(node("small").capacity("1", "1Gi", "110").obj());
        scheduler.onPodAdd(pod("p").req("2", "").obj());
        drain();
        assertThat(out.failures.get("p")).startsWith("0/1 nodes are available: 1 Insufficient cpu.");
        scheduler.onNodeAdd(node("big").capacity("8", "8Gi", "110").obj());
        clock.step(Duration.ofSeconds(1));
        scheduler.tick();
        drain();
        assertThat(out.bindings).containsEntry("p", "big");
    }

    @Test
    void preemptionEvictsTheLowestPriorityVictimsAndNominatesTheNode() throws Exception {
        addFourCpuNodes("n1", "n2");
        Pod low = pod("low").node("n1").priority(1).req("2", "").obj();
        scheduler.onPodAdd(low);
        scheduler.onPodAdd(pod("mid").node("n1").priority(5).req("2", "").obj());
        scheduler.onPodAdd(pod("mid2").node("n2").priority(5).req("2", "").obj());
        scheduler.onPodAdd(pod("mid3").node("n2").priority(5).req("2", "").obj());
        scheduler.onPodAdd(pod("high").priority(10).req("2", "").obj());
        drain();
        assertThat(out.victims).containsExactly("low");
        assertThat(out.nominations).containsEntry("high", "n1");
        // the victim goes away; the preemptor lands on the node it was nominated to
        scheduler.onPodDelete(low);
        drainAfterBackoff();
        assertThat(out.bindings).containsEntry("high", "n1");
    }

    @Test
    void theNodeFreedForAPreemptorIsKeptForItBeforeItsStatusSaysSo() throws Exception {
        addFourCpuNodes("n1", "n2");
        Pod low1 = pod("low1").node("n1").priority(1).req("4", "").obj();
        scheduler.onPodAdd(low1);
        scheduler.onPodAdd(pod("low2").node("n2").priority(1).req("4", "").obj());
        scheduler.onPodAdd(pod("high1").priority(10).req("4", "").obj());
        drain();
        assertThat(out.victims).containsExactly("low1");
        assertThat(out.nominations).containsEntry("high1", "n1");
        // the victim is gone before the preemptor's nominatedNodeName comes back from the API server;
        // a pod of the same priority must still count high1 on n1 and preempt elsewhere, as upstream's
        // handleSchedulingFailure records the nomination in the queue after requeueing the pod
        scheduler.onPodDelete(low1);
        scheduler.onPodAdd(pod("high2").priority(10).req("4", "").obj());
        drain();
        assertThat(out.bindings).doesNotContainKey("high2");
        assertThat(out.victims).containsExactly("low1", "low2");
        assertThat(out.nominations).containsEntry("high2", "n2");
        drainAfterBackoff();
        assertThat(out.bindings).containsEntry("high1", "n1");
    }

    @Test
    void aPodThatMayNotPreemptSaysSo() throws Exception {
        scheduler.onNodeAdd(node("n1").capacity("1", "8Gi", "110").obj());
        scheduler.onPodAdd(pod("low").node("n1").priority(1).req("1", "").obj());
        scheduler.onPodAdd(pod("polite").priority(10).preemptionPolicy("Never").req("1", "").obj());
        drain();
        assertThat(out.failures.get("polite")).isEqualTo(
                "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..");
        assertThat(out.victims).isEmpty();
    }

    @Test
    void nodesToScoreFollowUpstreamsAdaptivePercentage() {
        assertThat(scheduler.numFeasibleNodesToFind(null, 50)).isEqualTo(50);
        assertThat(scheduler.numFeasibleNodesToFind(null, 150)).isEqualTo(100);
        assertThat(scheduler.numFeasibleNodesToFind(null, 1000)).isEqualTo(420);
        assertThat(scheduler.numFeasibleNodesToFind(null, 5000)).isEqualTo(500);
        assertThat(scheduler.numFeasibleNodesToFind(null, 10000)).isEqualTo(500);
        assertThat(scheduler.numFeasibleNodesToFind(100, 5000)).isEqualTo(5000);
        assertThat(scheduler.numFeasibleNodesToFind(1, 5000)).isEqualTo(100);
    }

    private static final String CONFIG = """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            percentageOfNodesToScore: 0
            profiles:
            - schedulerName: default-scheduler
            - schedulerName: bin-packer
              plugins:
                multiPoint:
                  disabled:
                  - name: NodeResourcesBalancedAllocation
                score:
                  enabled:
                  - name: NodeResourcesFit
                    weight: 5
              pluginConfig:
              - name: NodeResourcesFit
                args:
                  scoringStrategy:
                    type: MostAllocated
                    resources:
                    - name: cpu
                      weight: 1
            """;

    @Test
    void profilesAreChosenBySchedulerName() throws Exception {
        scheduler.close();
        scheduler = newScheduler(KubeSchedulerConfiguration.parse(CONFIG));
        scheduler.onNodeAdd(node("busy").obj());
        scheduler.onNodeAdd(node("idle").obj());
        scheduler.onPodAdd(pod("e").node("busy").req("2", "1Gi").obj());
        Pod spread = pod("spread").req("1", "1Gi").obj();
        Pod packed = pod("packed").req("1", "1Gi").schedulerName("bin-packer").obj();
        Pod other = pod("other").schedulerName("someone-else").obj();
        scheduler.onPodAdd(spread);
        scheduler.onPodAdd(packed);
        scheduler.onPodAdd(other);
        drain();
        assertThat(out.bindings).containsEntry("spread", "idle").containsEntry("packed", "busy").doesNotContainKey("other");
    }

    @Test
    void badConfigurationIsRejectedWithTheReason() {
        assertThatThrownBy(() -> KubeSchedulerConfiguration.parse(CONFIG.replace("percentageOfNodesToScore: 0", "percentageOfNodesToScore: 101")))
                .hasMessageContaining("percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]");
        assertThatThrownBy(() -> KubeSchedulerConfiguration.parse(CONFIG.replace("percentageOfNodesToScore", "percentOfNodes")))
                .hasMessageContaining("Unrecognized field \"percentOfNodes\"");
        assertThatThrownBy(() -> KubeSchedulerConfiguration.parse(CONFIG.replace("/v1", "/v1beta3")))
                .hasMessageContaining("no kind \"KubeSchedulerConfiguration\" is registered for version \"kubescheduler.config.k8s.io/v1beta3\"");
        assertThatThrownBy(() -> KubeSchedulerConfiguration.parse("profiles: [unclosed"))
                .hasMessageStartingWith("invalid scheduler configuration:");
        assertThatThrownBy(() -> newScheduler(KubeSchedulerConfiguration.parse(CONFIG.replace("name: NodeResourcesBalancedAllocation", "name: Nope")
                .replace("disabled:", "enabled:")))).hasMessage("plugin \"Nope\" does not exist");
        assertThatThrownBy(() -> newScheduler(KubeSchedulerConfiguration.parse(CONFIG.replace("type: MostAllocated", "type: Fancy"))))
                .hasMessageContaining("initializing plugin \"NodeResourcesFit\": invalid args");
        assertThatThrownBy(() -> newScheduler(KubeSchedulerConfiguration.parse(CONFIG.replace("name: NodeResourcesFit\n        weight: 5",
                "name: PrioritySort")))).hasMessage("plugin \"PrioritySort\" does not extend score plugin");
        String volumeBinding = CONFIG + "  - name: VolumeBinding\n    args:\n      bindTimeoutSeconds: %d\n";
        assertThatThrownBy(() -> newScheduler(KubeSchedulerConfiguration.parse(volumeBinding.formatted(-1))))
                .hasMessageContaining("bindTimeoutSeconds: Invalid value: -1: invalid BindTimeoutSeconds, should not be a negative value");
        newScheduler(KubeSchedulerConfiguration.parse(volumeBinding.formatted(30))).close();
    }
}
