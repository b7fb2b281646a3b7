package dev.skiff.apiserver.metrics.scraper;

import dev.skiff.apiserver.metrics.storage.MetricsBatch;
import dev.skiff.apiserver.metrics.storage.MetricsPoint;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a kubelet's {@code /metrics/resource} (Prometheus text format) as metrics-server's decoder
 * does: the node's and each container's cumulative CPU seconds and working set with their sample
 * times; pod-level samples and every other family are skipped, as are containers or a node lacking
 * either figure. Lines that do not parse fail the whole scrape.
 */
final class ResourceMetricsDecoder {
    private ResourceMetricsDecoder() {
    }

    record Decoded(MetricsPoint node, Map<MetricsBatch.PodRef, Map<String, MetricsPoint>> pods) {
    }

    private record Partial(Double cpuSeconds, Instant cpuTime, Long memory, Instant memoryTime) {
        Partial withCpu(double seconds, Instant time) {
            return new Partial(seconds, time, memory, memoryTime);
        }

        Partial withMemory(long bytes, Instant time) {
            return new Partial(cpuSeconds, cpuTime, bytes, time);
        }

        MetricsPoint point() {
            if (cpuSeconds == null || memory == null) {
                return null;
            }
            Instant time = cpuTime.isAfter(memoryTime) ? cpuTime : memoryTime;
            return new MetricsPoint(time, Math.round(cpuSeconds * 1e9), memory);
        }
    }

    private static final Partial EMPTY = new Partial(null, null, null, null);

    private record ContainerKey(String namespace, String pod, String container) {
    }

    static Decoded decode(String text, Instant now) {
        Partial node = EMPTY;
        Map<ContainerKey, Partial> containers = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Sample s = Sample.parse(line, now);
            switch (s.name()) {
                case "node_cpu_usage_seconds_total" -> node = node.withCpu(s.value(), s.time());
                case "node_memory_working_set_bytes" -> node = node.withMemory((long) s.value(), s.time());
                case "container_cpu_usage_seconds_total" -> containers.merge(key(s), EMPTY.withCpu(s.value(), s.time()),
                        (a, b) -> a.withCpu(s.value(), s.time()));
                case "container_memory_working_set_bytes" -> containers.merge(key(s), EMPTY.withMemory((long) s.value(), s.time()),
                        (a, b) -> a.withMemory((long) s.value(), s.time()));
                default -> {
                }
            }
        }
        Map<MetricsBatch.PodRef, Map<String, MetricsPoint>> pods = new HashMap<>();
        containers.forEach((k, partial) -> {
            MetricsPoint point = partial.point();
            if (point != null) {
                pods.computeIfAbsent(new MetricsBatch.PodRef(k.namespace(), k.pod()), p -> new LinkedHashMap<>()).put(k.container(), point);
            }
        });
        return new Decoded(node.point(), pods);
    }

    private static ContainerKey key(Sample s) {
        return new ContainerKey(s.label("namespace"), s.label("pod"), s.label("container"));
    }

    /** One sample line: {@code name{label="value",...} value [timestamp-ms]}. */
    record Sample(String name, Map<String, String> labels, double value, Instant time) {
        String label(String key) {
            String v = labels.get(key);
            if (v == null) {
                throw new IllegalArgumentException(name + " sample without label " + key);
            }
            return v;
        }

        static Sample parse(String line, Instant now) {
            int i = 0;
            while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
                i++;
            }
            String name = line.substring(0, i);
            Map<String, String> labels = new HashMap<>();
            if (i < line.length() && line.charAt(i) == '{') {
                i++;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                        throw new IllegalArgumentException("malformed labels in: " + line);
                    }
                    String key = line.substring(i, eq).strip();
                    var value = new StringBuilder();
                    int j = eq + 2;
                    for (; line.charAt(j) != '"'; j++) {
                        char c = line.charAt(j);
                        if (c == '\\') {
                            char n = line.charAt(++j);
                            value.append(n == 'n' ? '\n' : n);
                        } else {
                            value.append(c);
                        }
                    }
                    labels.put(key, value.toString());
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    }
                }
                i++;
            }
            String[] rest = line.substring(i).strip().split("\\s+");
            if (name.isEmpty() || rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
                throw new IllegalArgumentException("malformed sample: " + line);
            }
            double value = Double.parseDouble(rest[0]);
            Instant time = rest.length == 2 ? Instant.ofEpochMilli(Long.parseLong(rest[1])) : now;
            return new Sample(name, Map.copyOf(labels), value, time);
        }
    }
}
