package dev.skiff.apiserver.metrics.scraper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.apiserver.metrics.storage.MetricsBatch;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ResourceMetricsDecoderTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void readsTheNodeAndEachContainerWithTheirSampleTimes() {
        String text = """
                # HELP container_cpu_usage_seconds_total [STABLE] x
                # TYPE container_cpu_usage_seconds_total counter
                container_cpu_usage_seconds_total{container="app",namespace="ns",pod="web-1"} 1.5 1700000000123
                container_cpu_usage_seconds_total{container="only-cpu",namespace="ns",pod="web-1"} 2 1700000000123
                container_memory_working_set_bytes{container="app",namespace="ns",pod="web-1"} 4096 1700000000200
                node_cpu_usage_seconds_total 100.25 1700000000000
                node_memory_working_set_bytes 1.048576e+06 1700000000000
                pod_cpu_usage_seconds_total{namespace="ns",pod="web-1"} 3.5 1700000000123
                resource_scrape_error 0
                """;
        var decoded = ResourceMetricsDecoder.decode(text, NOW);
        assertThat(decoded.node().cumulativeCpuNanos()).isEqualTo(100_250_000_000L);
        assertThat(decoded.node().memoryWorkingSetBytes()).isEqualTo(1_048_576L);
        assertThat(decoded.node().timestamp()).isEqualTo(Instant.ofEpochMilli(1700000000000L));
        var containers = decoded.pods().get(new MetricsBatch.PodRef("ns", "web-1"));
        assertThat(containers).containsOnlyKeys("app");
        assertThat(containers.get("app").cumulativeCpuNanos()).isEqualTo(1_500_000_000L);
        assertThat(containers.get("app").timestamp()).isEqualTo(Instant.ofEpochMilli(1700000000200L));
    }

    @Test
    void labelValuesAreUnescapedAndMissingTimestampsAreNow() {
        var decoded = ResourceMetricsDecoder.decode("""
                container_cpu_usage_seconds_total{container="a",namespace="ns",pod="we\\"b"} 1
                container_memory_working_set_bytes{container="a",namespace="ns",pod="we\\"b"} 2
                """, NOW);
        assertThat(decoded.pods().get(new MetricsBatch.PodRef("ns", "we\"b")).get("a").timestamp()).isEqualTo(NOW);
        assertThat(decoded.node()).isNull();
    }

    @Test
    void aMalformedLineFailsTheScrape() {
        assertThatThrownBy(() -> ResourceMetricsDecoder.decode("node_cpu_usage_seconds_total\n", NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ResourceMetricsDecoder.decode("node_cpu_usage_seconds_total abc 1\n", NOW))
                .isInstanceOf(NumberFormatException.class);
        assertThatThrownBy(() -> ResourceMetricsDecoder.decode("container_cpu_usage_seconds_total{pod=\"p\"} 1 1\n", NOW))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
