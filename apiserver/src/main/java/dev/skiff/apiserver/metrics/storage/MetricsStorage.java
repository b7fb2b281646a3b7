package dev.skiff.apiserver.metrics.storage;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The latest window of resource usage (upstream metrics-server's storage): for each node and
 * container the last two samples, from which usage is the CPU rate between them (nanocores) and
 * the newer working set, over the window between their timestamps. A node, pod or container
 * missing from a scrape round is dropped; a sample whose cumulative CPU went backwards (a
 * restarted container) starts over. Until a second sample arrives there is no usage to report.
 * Rounds are stored by the one scraper thread; readers take the last published maps.
 */
public final class MetricsStorage {
    private record Window(MetricsPoint previous, MetricsPoint last) {
    }

    /** Usage over a window: CPU in nanocores, memory in bytes. */
    public record Usage(Instant timestamp, Duration window, long cpuNanoCores, long memoryBytes) {
    }

    private volatile Map<String, Window> nodes = Map.of();
    private volatile Map<MetricsBatch.PodRef, Map<String, Window>> pods = Map.of();

    public void store(MetricsBatch batch) {
        Map<String, Window> newNodes = new HashMap<>();
        batch.nodes().forEach((name, point) -> newNodes.put(name, next(nodes.get(name), point)));
        Map<MetricsBatch.PodRef, Map<String, Window>> newPods = new HashMap<>();
        var old = pods;
        batch.pods().forEach((pod, containers) -> {
            Map<String, Window> before = old.getOrDefault(pod, Map.of());
            Map<String, Window> now = new LinkedHashMap<>();
            containers.forEach((container, point) -> now.put(container, next(before.get(container), point)));
            newPods.put(pod, Map.copyOf(now));
        });
        nodes = Map.copyOf(newNodes);
        pods = Map.copyOf(newPods);
    }

    private static Window next(Window before, MetricsPoint point) {
        if (before == null || before.last() == null) {
            return new Window(null, point);
        }
        MetricsPoint last = before.last();
        if (!point.timestamp().isAfter(last.timestamp())) {
            return before; // the kubelet answered with the sample it gave last time
        }
        if (point.cumulativeCpuNanos() < last.cumulativeCpuNanos()) {
            return new Window(null, point);
        }
        return new Window(last, point);
    }

    public Optional<Usage> node(String name) {
        return usage(nodes.get(name));
    }

    /** A pod's containers' usage, empty unless every container it was last scraped with has a window. */
    public Optional<Map<String, Usage>> pod(String namespace, String name) {
        Map<String, Window> containers = pods.get(new MetricsBatch.PodRef(namespace, name));
        if (containers == null || containers.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Usage> out = new LinkedHashMap<>();
        for (var entry : containers.entrySet()) {
            Optional<Usage> usage = usage(entry.getValue());
            if (usage.isEmpty()) {
                return Optional.empty();
            }
            out.put(entry.getKey(), usage.get());
        }
        return Optional.of(out);
    }

    private static Optional<Usage> usage(Window window) {
        if (window == null || window.previous() == null) {
            return Optional.empty();
        }
        Duration span = Duration.between(window.previous().timestamp(), window.last().timestamp());
        long nanos = span.toNanos();
        long cpu = nanos <= 0 ? 0 : Math.round((window.last().cumulativeCpuNanos() - window.previous().cumulativeCpuNanos()) * 1e9 / nanos);
        return Optional.of(new Usage(window.last().timestamp(), span, cpu, window.last().memoryWorkingSetBytes()));
    }
}
