package dev.skiff.apiserver.metrics.storage;

import java.util.Map;

/**
 * What one scrape round read (upstream metrics-server's MetricsBatch): each node's point, and each
 * pod's containers' points keyed by container name.
 */
public record MetricsBatch(Map<String, MetricsPoint> nodes, Map<PodRef, Map<String, MetricsPoint>> pods) {
    public MetricsBatch {
        nodes = Map.copyOf(nodes);
        pods = Map.copyOf(pods);
    }

    public record PodRef(String namespace, String name) {
    }
}
