package dev.skiff.controller.podautoscaler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.api.resource.ResourceRegistry;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Upstream's restMetricsClient: resource metrics from metrics.k8s.io, custom metrics from
 * custom.metrics.k8s.io/v1beta2 (MetricValueList per pod or for one described object) and external
 * metrics from external.metrics.k8s.io/v1beta1 (ExternalMetricValueList), read as raw JSON through
 * the API server, which proxies the two latter to their adapters (APIServices).
 */
final class RestMetricsClient implements MetricsClient {
    static final String CUSTOM = "/apis/custom.metrics.k8s.io/v1beta2";
    static final String EXTERNAL = "/apis/external.metrics.k8s.io/v1beta1";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ResourceRegistry RESOURCES = ResourceRegistry.builtIn();

    private final KubernetesClient client;

    RestMetricsClient(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Map<String, PodMetric> resourceMetric(String resource, String namespace, String selector, String container) throws MetricsException {
        return MetricsClient.resourceMetric(client, resource, namespace, selector, container);
    }

    @Override
    public Map<String, PodMetric> podsMetric(String metric, String namespace, String selector, String metricSelector) throws MetricsException {
        JsonNode list = get(CUSTOM + "/namespaces/" + namespace + "/pods/*/" + metric + query("labelSelector", selector, "metricLabelSelector",
                metricSelector), "custom");
        Map<String, PodMetric> out = new HashMap<>();
        for (JsonNode item : list.path("items")) {
            out.put(item.at("/describedObject/name").asText(), metric(item, item.path("windowSeconds")));
        }
        if (out.isEmpty()) {
            throw new MetricsException("no metrics returned from custom metrics API");
        }
        return out;
    }

    @Override
    public PodMetric objectMetric(String metric, String namespace, String apiVersion, String kind, String name, String metricSelector)
            throws MetricsException {
        String group = apiVersion == null || !apiVersion.contains("/") ? "" : apiVersion.substring(0, apiVersion.indexOf('/'));
        ResourceInfo info = RESOURCES.findByKind(group, kind).orElse(null);
        String resource = info == null ? kind.toLowerCase(Locale.ROOT) + "s" : info.resource();
        String groupResource = group.isEmpty() ? resource : resource + "." + group;
        boolean namespaced = info == null || info.namespaced();
        String path;
        if (group.isEmpty() && kind.equals("Namespace")) {
            path = CUSTOM + "/namespaces/" + name + "/metrics/" + metric;
        } else if (namespaced) {
            path = CUSTOM + "/namespaces/" + namespace + "/" + groupResource + "/" + name + "/" + metric;
        } else {
            path = CUSTOM + "/" + groupResource + "/" + name + "/" + metric;
        }
        JsonNode list = get(path + query("metricLabelSelector", metricSelector), "custom");
        JsonNode items = list.path("items");
        if (items.isEmpty()) {
            throw new MetricsException("no metrics returned from custom metrics API");
        }
        return metric(items.get(0), items.get(0).path("windowSeconds"));
    }

    @Override
    public ExternalValues externalMetric(String metric, String namespace, String metricSelector) throws MetricsException {
        JsonNode list = get(EXTERNAL + "/namespaces/" + namespace + "/" + metric.toLowerCase(Locale.ROOT)
                + query("labelSelector", metricSelector), "external");
        List<Long> values = new ArrayList<>();
        Instant timestamp = null;
        for (JsonNode item : list.path("items")) {
            values.add(ReplicaCalculator.milli(new Quantity(item.path("value").asText())));
            if (timestamp == null) {
                timestamp = Instant.parse(item.path("timestamp").asText());
            }
        }
        if (values.isEmpty()) {
            throw new MetricsException("no metrics returned from external metrics API");
        }
        return new ExternalValues(values, timestamp);
    }

    private static PodMetric metric(JsonNode item, JsonNode windowSeconds) {
        Duration window = windowSeconds.isNumber() ? Duration.ofSeconds(windowSeconds.asLong()) : Duration.ZERO;
        return new PodMetric(Instant.parse(item.path("timestamp").asText()), window,
                ReplicaCalculator.milli(new Quantity(item.path("value").asText())));
    }

    private JsonNode get(String path, String api) throws MetricsException {
        String url = client.getMasterUrl().toString().replaceAll("/$", "") + path;
        try {
            String body = client.raw(url);
            if (body == null) {
                throw new MetricsException("unable to fetch metrics from " + api + " metrics API: the server could not find the metric");
            }
            return MAPPER.readTree(body);
        } catch (KubernetesClientException e) {
            throw new MetricsException("unable to fetch metrics from " + api + " metrics API: " + e.getMessage());
        } catch (IOException e) {
            throw new MetricsException("unable to fetch metrics from " + api + " metrics API: " + e.getMessage());
        }
    }

    /** A query string of the non-empty parameters (name, value pairs). */
    static String query(String... pairs) {
        var out = new StringBuilder();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (pairs[i + 1] != null && !pairs[i + 1].isEmpty()) {
                out.append(out.isEmpty() ? '?' : '&').append(pairs[i]).append('=').append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
            }
        }
        return out.toString();
    }
}
