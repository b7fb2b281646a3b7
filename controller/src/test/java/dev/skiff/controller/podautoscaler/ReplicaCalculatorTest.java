package dev.skiff.controller.podautoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cases after upstream's replica_calculator_test.go: utilization and average-value targets, tolerance, unready and missing pods. */
class ReplicaCalculatorTest {
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    /** Started long ago and ready since: its CPU always counts. */
    private static final Instant LONG_AGO = NOW.minus(Duration.ofHours(1));
    private final ReplicaCalculator calculator = new ReplicaCalculator(0.1);

    static Pod pod(String name, String phase, String cpuRequest, boolean ready, Instant started, Instant readySince) {
        var builder = new PodBuilder().withNewMetadata().withName(name).withNamespace("ns").endMetadata().withNewSpec()
                .withContainers(new ContainerBuilder().withName("c").withNewResources().addToRequests("cpu", new Quantity(cpuRequest))
                        .addToRequests("memory", new Quantity("100Mi")).endResources().build()).endSpec()
                .withNewStatus().withPhase(phase).withStartTime(started.toString())
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").withLastTransitionTime(readySince.toString()).endCondition()
                .endStatus();
        return builder.build();
    }

    static Pod running(String name, String cpuRequest) {
        return pod(name, "Running", cpuRequest, true, LONG_AGO, LONG_AGO);
    }

    static PodMetric milli(long value) {
        return new PodMetric(NOW.minusSeconds(5), Duration.ofSeconds(15), value);
    }

    @Test
    void scalesUpByTheUtilizationRatioRoundedUp() throws Exception {
        // 3 pods requesting 1 core each using 1.0, 0.8, 0.9 cores: 90% against a 30% target -> ceil(3 * 3.0) = 9
        var result = calculator.resourceReplicas(3, 30, "cpu", Map.of("a", milli(1000), "b", milli(800), "c", milli(900)),
                List.of(running("a", "1"), running("b", "1"), running("c", "1")), NOW);
        assertThat(result.replicas()).isEqualTo(9);
        assertThat(result.utilization()).isEqualTo(90);
        assertThat(result.rawAverageMilli()).isEqualTo(900);
    }

    @Test
    void scalesDownAndStaysWithinTheTolerance() throws Exception {
        var down = calculator.resourceReplicas(5, 50, "cpu", Map.of("a", milli(100), "b", milli(100)),
                List.of(running("a", "1"), running("b", "1")), NOW);
        assertThat(down.replicas()).as("10% of request against 50%: ceil(0.2 * 2)").isEqualTo(1);
        var within = calculator.resourceReplicas(4, 50, "cpu", Map.of("a", milli(540), "b", milli(520)),
                List.of(running("a", "1"), running("b", "1")), NOW);
        assertThat(within.replicas()).as("53%% is within 10%% of 50%%").isEqualTo(4);
        assertThat(within.utilization()).isEqualTo(53);
    }

    @Test
    void unreadyPodsCountAsIdleOnAScaleUp() throws Exception {
        // ready pod at 100% of a 50% target; one pending and one never-ready starting pod: (1000 + 0 + 0) / 3 cores = 33% -> < 1 flips, stay
        Pod starting = pod("starting", "Running", "1", false, NOW.minusSeconds(20), NOW.minusSeconds(20));
        var result = calculator.resourceReplicas(3, 50, "cpu", Map.of("a", milli(1000), "starting", milli(900)),
                List.of(running("a", "1"), pod("pending", "Pending", "1", false, NOW, NOW), starting), NOW);
        assertThat(result.replicas()).as("the recomputed ratio falls below 1, so the count stays").isEqualTo(3);

        // ready pods at 200% of 50%; one unready: (2000 + 2000 + 0) / 3 = 133% -> ceil(2.67 * 3) = 8
        var up = calculator.resourceReplicas(3, 50, "cpu", Map.of("a", milli(2000), "b", milli(2000)),
                List.of(running("a", "1"), running("b", "1"), pod("pending", "Pending", "1", false, NOW, NOW)), NOW);
        assertThat(up.replicas()).isEqualTo(8);
        assertThat(up.utilization()).as("reported over the ready pods").isEqualTo(200);
    }

    @Test
    void missingPodsCountAsFullOnAScaleDownAndAsIdleOnAScaleUp() throws Exception {
        // scale-down: 10% and a missing pod read as 100% -> 55% of a 50% target reverses the direction: stay
        var down = calculator.resourceReplicas(2, 50, "cpu", Map.of("a", milli(100)), List.of(running("a", "1"), running("missing", "1")), NOW);
        assertThat(down.replicas()).isEqualTo(2);
        // a missing pod is read at its full request when scaling down
        var down3 = calculator.resourceReplicas(3, 80, "cpu", Map.of("a", milli(100), "b", milli(100)),
                List.of(running("a", "1"), running("b", "1"), running("missing", "1")), NOW);
        assertThat(down3.replicas()).as("(100+100+1000)/3000 = 40%% of 80%%: ceil(0.5 * 3)").isEqualTo(2);
        // scale-up: 200% and a missing pod read as 0 -> 100% of 50% -> ceil(2 * 2) = 4
        var up = calculator.resourceReplicas(2, 50, "cpu", Map.of("a", milli(2000)), List.of(running("a", "1"), running("missing", "1")), NOW);
        assertThat(up.replicas()).isEqualTo(4);
    }

    @Test
    void deletedAndFailedPodsAreIgnored() throws Exception {
        Pod deleting = running("deleting", "1");
        deleting.getMetadata().setDeletionTimestamp(NOW.toString());
        var result = calculator.resourceReplicas(2, 50, "cpu", Map.of("a", milli(1000), "deleting", milli(0)),
                List.of(running("a", "1"), deleting, pod("failed", "Failed", "1", false, LONG_AGO, LONG_AGO)), NOW);
        assertThat(result.replicas()).isEqualTo(2);
        assertThat(result.utilization()).isEqualTo(100);
    }

    @Test
    void averageValueTargetsScaleByTheAveragePerPod() throws Exception {
        Map<String, PodMetric> metrics = new HashMap<>();
        metrics.put("a", milli(400_000));
        metrics.put("b", milli(200_000));
        var result = calculator.plainReplicas(2, 100_000, "cpu", metrics, List.of(running("a", "1"), running("b", "1")), NOW);
        assertThat(result.replicas()).as("average 300 against 100: ceil(3 * 2)").isEqualTo(6);
        assertThat(result.rawAverageMilli()).isEqualTo(300_000);
        assertThat(result.utilization()).isEqualTo(-1);
    }

    @Test
    void failsWithUpstreamsMessages() {
        assertThatThrownBy(() -> calculator.resourceReplicas(1, 50, "cpu", Map.of(), List.of(), NOW))
                .hasMessage("no pods returned by selector while calculating replica count");
        assertThatThrownBy(() -> calculator.resourceReplicas(1, 50, "cpu", Map.of("a", milli(1)),
                List.of(pod("a", "Pending", "1", false, NOW, NOW)), NOW))
                .hasMessage("did not receive metrics for targeted pods (pods might be unready)");
        Pod noRequest = new PodBuilder(running("a", "1")).editSpec().editFirstContainer().withNewResources().endResources().endContainer().endSpec().build();
        assertThatThrownBy(() -> calculator.resourceReplicas(1, 50, "cpu", Map.of("a", milli(1)), List.of(noRequest), NOW))
                .hasMessage("missing request for cpu in container c of Pod a");
    }
}
