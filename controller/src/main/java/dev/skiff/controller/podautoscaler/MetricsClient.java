package dev.skiff.controller.podautoscaler;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.ContainerMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the controller reads pods' resource usage (upstream: the HPA's metrics client over
 * metrics.k8s.io). The real one lists PodMetrics by namespace and selector; each pod's usage is the
 * sum of its containers' (a pod with a container lacking the resource is left out).
 */
interface MetricsClient {
    /** Usage of {@code resource} by pod name; fails with upstream's messages when the API has none. */
    Map<String, PodMetric> resourceMetric(String resource, String namespace, String selector) throws MetricsException;

    final class MetricsException extends Exception {
        MetricsException(String message) {
            super(message);
        }
    }

    static MetricsClient resourceMetrics(KubernetesClient client) {
        return (resource, namespace, selector) -> {
            List<PodMetrics> items;
            try {
                items = client.resources(PodMetrics.class).inNamespace(namespace).withLabelSelector(selector).list().getItems();
            } catch (KubernetesClientException e) {
                throw new MetricsException("unable to fetch metrics from resource metrics API: " + e.getMessage());
            }
            if (items.isEmpty()) {
                throw new MetricsException("no metrics returned from resource metrics API");
            }
            return podMetrics(items, resource);
        };
    }

    static Map<String, PodMetric> podMetrics(List<PodMetrics> items, String resource) {
        Map<String, PodMetric> out = new HashMap<>();
        for (PodMetrics m : items) {
            long sum = 0;
            boolean missing = m.getContainers() == null || m.getContainers().isEmpty();
            for (ContainerMetrics c : m.getContainers() == null ? List.<ContainerMetrics>of() : m.getContainers()) {
                Quantity usage = c.getUsage() == null ? null : c.getUsage().get(resource);
                if (usage == null) {
                    missing = true;
                    break;
                }
                sum += ReplicaCalculator.milli(usage);
            }
            if (!missing) {
                Duration window = m.getWindow() == null ? Duration.ZERO : m.getWindow().getDuration();
                out.put(m.getMetadata().getName(), new PodMetric(Instant.parse(m.getTimestamp()), window, sum));
            }
        }
        return out;
    }
}
