package dev.skiff.apiserver.registry.metrics;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.selector.LabelSelector;
import dev.skiff.apiserver.metrics.storage.MetricsStorage;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.registry.storage.ListOptions;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.ContainerMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * metrics.k8s.io/v1beta1 pods (metrics-server's pod metrics API): a PodMetrics for each pod with
 * usage for all its scraped containers, labelled as the Pod; list is by namespace (all when
 * empty) and label selector over the pods; get answers 404 podmetrics.metrics.k8s.io
 * {@code "<namespace>/<name>"} for a pod that does not exist or has no metrics yet.
 */
public final class PodMetricsRest {
    private final GenericRegistry<Pod> pods;
    private final MetricsStorage storage;
    private final Clock clock;

    public PodMetricsRest(GenericRegistry<Pod> pods, MetricsStorage storage, Clock clock) {
        this.pods = pods;
        this.storage = storage;
        this.clock = clock;
    }

    public PodMetrics get(String namespace, String name) {
        Pod pod;
        try {
            pod = pods.get(namespace, name);
        } catch (ApiException e) {
            throw e.code() == 404 ? notFound(namespace, name) : e;
        }
        return metrics(pod).orElseThrow(() -> notFound(namespace, name));
    }

    public List<PodMetrics> list(String namespace, LabelSelector selector) {
        List<PodMetrics> out = new ArrayList<>();
        for (Pod pod : pods.list(namespace == null || namespace.isEmpty() ? null : namespace, ListOptions.latest()).items()) {
            if (selector.matches(pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels())) {
                metrics(pod).ifPresent(out::add);
            }
        }
        return out;
    }

    private Optional<PodMetrics> metrics(Pod pod) {
        var meta = pod.getMetadata();
        return storage.pod(meta.getNamespace(), meta.getName()).map(containers -> {
            var metrics = new PodMetrics();
            metrics.setApiVersion("metrics.k8s.io/v1beta1");
            metrics.setKind("PodMetrics");
            metrics.setMetadata(new ObjectMetaBuilder().withName(meta.getName()).withNamespace(meta.getNamespace())
                    .withLabels(meta.getLabels()).withCreationTimestamp(MetricsUsage.now(clock)).build());
            List<ContainerMetrics> list = new ArrayList<>();
            MetricsStorage.Usage first = null;
            for (var entry : containers.entrySet()) {
                first = first == null ? entry.getValue() : first;
                list.add(new ContainerMetrics(entry.getKey(), MetricsUsage.resources(entry.getValue().cpuNanoCores(),
                        entry.getValue().memoryBytes())));
            }
            metrics.setTimestamp(MetricsUsage.timestamp(first));
            metrics.setWindow(MetricsUsage.window(first));
            metrics.setContainers(list);
            return metrics;
        });
    }

    private static ApiException notFound(String namespace, String name) {
        return ApiException.notFound("metrics.k8s.io", "podmetrics", namespace + "/" + name);
    }
}
