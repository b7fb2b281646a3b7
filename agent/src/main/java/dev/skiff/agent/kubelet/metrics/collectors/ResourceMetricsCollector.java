package dev.skiff.agent.kubelet.metrics.collectors;

import dev.skiff.agent.kubelet.stats.Summary;
import java.time.Instant;
import java.util.Comparator;
import java.util.function.Supplier;

/**
 * The kubelet's {@code /metrics/resource} (upstream: pkg/kubelet/metrics/collectors, the resource
 * metrics collector): node, pod and container CPU (cumulative core-seconds) and working-set memory in
 * the Prometheus text format, each sample stamped with the time it was read, which is what
 * metrics-server scrapes. A failed read gives {@code resource_scrape_error 1} and no samples.
 */
public final class ResourceMetricsCollector {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Supplier<Summary> stats;

    public ResourceMetricsCollector(Supplier<Summary> stats) {
        this.stats = stats;
    }

    public String collect() {
        Summary summary;
        try {
            summary = stats.get();
        } catch (RuntimeException e) {
            return family("resource_scrape_error", "gauge", "1 if reading container or node usage failed, 0 otherwise") + "resource_scrape_error 1\n";
        }
        return write(summary);
    }

    static String write(Summary summary) {
        var out = new StringBuilder();
        var pods = summary.pods().stream().sorted(Comparator.comparing(Summary.PodStats::namespace).thenComparing(Summary.PodStats::name))
                .toList();
        out.append(family("container_cpu_usage_seconds_total", "counter", "Cumulative CPU time the container used, in core-seconds"));
        for (var pod : pods) {
            for (var c : pod.containers()) {
                if (c.cpu() != null) {
                    sample(out, "container_cpu_usage_seconds_total", containerLabels(pod, c), seconds(c.cpu().usageCoreNanoSeconds()), c.cpu().time());
                }
            }
        }
        out.append(family("container_memory_working_set_bytes", "gauge", "The container's current working set, in bytes"));
        for (var pod : pods) {
            for (var c : pod.containers()) {
                if (c.memory() != null) {
                    sample(out, "container_memory_working_set_bytes", containerLabels(pod, c), Long.toString(c.memory().workingSetBytes()),
                            c.memory().time());
                }
            }
        }
        var node = summary.node();
        out.append(family("node_cpu_usage_seconds_total", "counter", "Cumulative CPU time the node used, in core-seconds"));
        sample(out, "node_cpu_usage_seconds_total", "", seconds(node.cpu().usageCoreNanoSeconds()), node.cpu().time());
        out.append(family("node_memory_working_set_bytes", "gauge", "The node's current working set, in bytes"));
        sample(out, "node_memory_working_set_bytes", "", Long.toString(node.memory().workingSetBytes()), node.memory().time());
        out.append(family("pod_cpu_usage_seconds_total", "counter", "Cumulative CPU time the pod used, in core-seconds"));
        for (var pod : pods) {
            if (pod.cpu() != null) {
                sample(out, "pod_cpu_usage_seconds_total", podLabels(pod), seconds(pod.cpu().usageCoreNanoSeconds()), pod.cpu().time());
            }
        }
        out.append(family("pod_memory_working_set_bytes", "gauge", "The pod's current working set, in bytes"));
        for (var pod : pods) {
            if (pod.memory() != null) {
                sample(out, "pod_memory_working_set_bytes", podLabels(pod), Long.toString(pod.memory().workingSetBytes()), pod.memory().time());
            }
        }
        out.append(family("resource_scrape_error", "gauge", "1 if reading container or node usage failed, 0 otherwise"));
        out.append("resource_scrape_error 0\n");
        return out.toString();
    }

    private static String family(String name, String type, String help) {
        return "# HELP " + name + " [STABLE] " + help + "\n# TYPE " + name + " " + type + "\n";
    }

    private static void sample(StringBuilder out, String name, String labels, String value, Instant time) {
        out.append(name).append(labels).append(' ').append(value).append(' ').append(time.toEpochMilli()).append('\n');
    }

    private static String containerLabels(Summary.PodStats pod, Summary.ContainerStats c) {
        return "{container=\"" + escape(c.name()) + "\",namespace=\"" + escape(pod.namespace()) + "\",pod=\"" + escape(pod.name()) + "\"}";
    }

    private static String podLabels(Summary.PodStats pod) {
        return "{namespace=\"" + escape(pod.namespace()) + "\",pod=\"" + escape(pod.name()) + "\"}";
    }

    private static String seconds(long nanos) {
        return new java.math.BigDecimal(nanos).movePointLeft(9).stripTrailingZeros().toPlainString();
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
