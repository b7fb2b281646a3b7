package dev.skiff.agent.kubelet.metrics.collectors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.kubelet.stats.Summary;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceMetricsCollectorTest {
    private static final Instant T = Instant.ofEpochMilli(1_700_000_000_123L);

    @Test
    void writesCumulativeCpuInCoreSecondsAndWorkingSetsWithTheirReadTimes() {
        var pod = new Summary.PodStats("ns", "web-\"1\"", "uid", new Summary.CpuStats(T, 2_500_000_000L), new Summary.MemoryStats(T, 4096),
                List.of(new Summary.ContainerStats("app", new Summary.CpuStats(T, 1_000_000_001L), new Summary.MemoryStats(T, 2048)),
                        new Summary.ContainerStats("nocpu", null, new Summary.MemoryStats(T, 1))));
        var node = new Summary.NodeStats("n1", new Summary.CpuStats(T, 12_000_000_000L), new Summary.MemoryStats(T, 1 << 20));
        String text = new ResourceMetricsCollector(() -> new Summary(node, List.of(pod))).collect();
        assertThat(text).contains("# TYPE container_cpu_usage_seconds_total counter\n")
                .contains("container_cpu_usage_seconds_total{container=\"app\",namespace=\"ns\",pod=\"web-\\\"1\\\"\"} 1.000000001 1700000000123\n")
                .doesNotContain("container_cpu_usage_seconds_total{container=\"nocpu\"")
                .contains("container_memory_working_set_bytes{container=\"nocpu\",namespace=\"ns\",pod=\"web-\\\"1\\\"\"} 1 1700000000123\n")
                .contains("pod_cpu_usage_seconds_total{namespace=\"ns\",pod=\"web-\\\"1\\\"\"} 2.5 1700000000123\n")
                .contains("pod_memory_working_set_bytes{namespace=\"ns\",pod=\"web-\\\"1\\\"\"} 4096 1700000000123\n")
                .contains("node_cpu_usage_seconds_total 12 1700000000123\n")
                .contains("node_memory_working_set_bytes 1048576 1700000000123\n")
                .contains("resource_scrape_error 0\n");
    }

    @Test
    void aFailedReadIsAScrapeErrorWithoutSamples() {
        String text = new ResourceMetricsCollector(() -> {
            throw new IllegalStateException("runtime down");
        }).collect();
        assertThat(text).endsWith("resource_scrape_error 1\n").doesNotContain("node_cpu_usage_seconds_total ");
    }
}
