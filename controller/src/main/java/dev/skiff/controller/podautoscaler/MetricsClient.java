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
 * Where the controller reads metrics (upstream: the HPA's REST metrics client): pods' resource
 * usage from metrics.k8s.io - PodMetrics by namespace and selector, each pod's usage the sum of its
 * containers' (a pod with a container lacking the resource is left out) - and, through the API
 * server's aggregation, custom metrics of pods and objects from custom.metrics.k8s.io/v1beta2 and
 * external metrics from external.metrics.k8s.io/v1beta1.
 */
interface MetricsClient {
    /**
     * Usage of {@code resource} by pod name, of the pod's containers summed or of {@code container} alone when it is not
     * null; fails with upstream's messages when the API has none.
     */
    Map<String, PodMetric> resourceMetric(String resource, String namespace, String selector, String container) throws MetricsException;

    /** A custom metric per pod matching {@code selector} (the HPA's Pods source); {@code metricSelector} may be empty. */
    default Map<String, PodMetric> podsMetric(String metric, String namespace, String selector, String metricSelector) throws MetricsException {
        throw new MetricsException("no custom metrics API");
    }

    /** One value of a custom metric describing an object (the Object source); {@code apiVersion}, {@code kind} and {@code name} name it. */
    default PodMetric objectMetric(String metric, String namespace, String apiVersion, String kind, String name, String metricSelector)
            throws MetricsException {
        throw new MetricsException("no custom metrics API");
    }

    /** The values of an external metric (the External source), in milli-units; the timestamp is the first value's. */
    default ExternalValues externalMetric(String metric, String namespace, String metricSelector) throws MetricsException {
        throw new MetricsException("no external metrics API");
    }

    record ExternalValues(List<Long> milliValues, Instant timestamp) {
    }

    final class MetricsException extends Exception {
        MetricsException(String message) {
            super(message);
        }
    }

    static MetricsClient of(KubernetesClient client) {
        return new RestMetricsClient(client);
    }

    /** The resource metrics API's pods' usage, as {@link #resourceMetric} answers. */
    static Map<String, PodMetric> resourceMetric(KubernetesClient client, String resource, String namespace, String selector, String container)
            throws MetricsException {
        List<PodMetrics> items;
        try {
            items = client.resources(PodMetrics.class).inNamespace(namespace).withLabelSelector(selector).list().getItems();
        } catch (KubernetesClientException e) {
            throw new MetricsException("unable to fetch metrics from resource metrics API: " + e.getMessage());
        }
        if (items.isEmpty()) {
            throw new MetricsException("no metrics returned from resource metrics API");
        }
        return container == null ? podMetrics(items, resource) : containerMetrics(items, resource, container);
    }

    /** One container's usage per pod; a pod whose metrics lack the container fails the whole read, as upstream's. */
    static Map<String, PodMetric> containerMetrics(List<PodMetrics> items, String resource, String container) throws MetricsException {
        Map<String, PodMetric> out = new HashMap<>();
        for (PodMetrics m : items) {
            ContainerMetrics found = m.getContainers() == null ? null
                    : m.getContainers().stream().filter(c -> container.equals(c.getName())).findFirst().orElse(null);
            if (found == null) {
                throw new MetricsException("container " + container + " not present in metrics for pod " + m.getMetadata().getNamespace()
                        + "/" + m.getMetadata().getName());
            }
            Quantity usage = found.getUsage() == null ? null : found.getUsage().get(resource);
            if (usage != null) {
                out.put(m.getMetadata().getName(), podMetric(m, ReplicaCalculator.milli(usage)));
            }
        }
        return out;
    }

    static PodMetric podMetric(PodMetrics m, long milliValue) {
        Duration window = m.getWindow() == null ? Duration.ZERO : m.getWindow().getDuration();
        return new PodMetric(Instant.parse(m.getTimestamp()), window, milliValue);
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
                out.put(m.getMetadata().getName(), podMetric(m, sum));
            }
        }
        return out;
    }
}
