package dev.skiff.apiserver.metrics.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsStorageTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final MetricsBatch.PodRef WEB = new MetricsBatch.PodRef("ns", "web");

    private static MetricsBatch batch(Instant t, long nodeCpu, long containerCpu) {
        return new MetricsBatch(Map.of("n1", new MetricsPoint(t, nodeCpu, 1000)),
                Map.of(WEB, Map.of("app", new MetricsPoint(t, containerCpu, 2048))));
    }

    @Test
    void usageIsTheCpuRateBetweenTheLastTwoSamplesAndTheLastWorkingSet() {
        var storage = new MetricsStorage();
        storage.store(batch(T0, 10_000_000_000L, 1_000_000_000L));
        assertThat(storage.node("n1")).as("one sample is no rate").isEmpty();
        assertThat(storage.pod("ns", "web")).isEmpty();
        storage.store(batch(T0.plusSeconds(15), 25_000_000_000L, 1_750_000_000L));
        var node = storage.node("n1").orElseThrow();
        assertThat(node.cpuNanoCores()).isEqualTo(1_000_000_000L);
        assertThat(node.memoryBytes()).isEqualTo(1000);
        assertThat(node.window()).isEqualTo(Duration.ofSeconds(15));
        assertThat(node.timestamp()).isEqualTo(T0.plusSeconds(15));
        var app = storage.pod("ns", "web").orElseThrow().get("app");
        assertThat(app.cpuNanoCores()).isEqualTo(50_000_000L);
        assertThat(app.memoryBytes()).isEqualTo(2048);
    }

    @Test
    void aRestartedContainerStartsOverAndWhatARoundMissesIsDropped() {
        var storage = new MetricsStorage();
        storage.store(batch(T0, 10, 5_000_000_000L));
        storage.store(batch(T0.plusSeconds(10), 20, 6_000_000_000L));
        storage.store(batch(T0.plusSeconds(20), 30, 100));
        assertThat(storage.pod("ns", "web")).as("cumulative CPU went backwards").isEmpty();
        assertThat(storage.node("n1")).isPresent();
        storage.store(new MetricsBatch(Map.of(), Map.of()));
        assertThat(storage.node("n1")).isEmpty();
    }

    @Test
    void theSameSampleAgainKeepsTheWindow() {
        var storage = new MetricsStorage();
        storage.store(batch(T0, 0, 0));
        storage.store(batch(T0.plusSeconds(10), 10_000_000_000L, 0));
        storage.store(batch(T0.plusSeconds(10), 10_000_000_000L, 0));
        assertThat(storage.node("n1").orElseThrow().cpuNanoCores()).isEqualTo(1_000_000_000L);
    }
}
