package dev.skiff.apiserver.registry.metrics;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.selector.LabelSelector;
import dev.skiff.apiserver.metrics.storage.MetricsStorage;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.registry.storage.ListOptions;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.NodeMetrics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * metrics.k8s.io/v1beta1 nodes (metrics-server's node metrics API): a NodeMetrics for each node
 * with usage in the storage, labelled as its Node; list filters the nodes by label selector and
 * leaves out those without metrics yet; get answers 404 nodemetrics.metrics.k8s.io for a node
 * that does not exist or has none.
 */
public final class NodeMetricsRest {
    private final GenericRegistry<Node> nodes;
    private final MetricsStorage storage;
    private final Clock clock;

    public NodeMetricsRest(GenericRegistry<Node> nodes, MetricsStorage storage, Clock clock) {
        this.nodes = nodes;
        this.storage = storage;
        this.clock = clock;
    }

    public NodeMetrics get(String name) {
        Node node;
        try {
            node = nodes.get(null, name);
        } catch (ApiException e) {
            throw e.code() == 404 ? notFound(name) : e;
        }
        return metrics(node).orElseThrow(() -> notFound(name));
    }

    public List<NodeMetrics> list(LabelSelector selector) {
        List<NodeMetrics> out = new ArrayList<>();
        for (Node node : nodes.list(null, ListOptions.latest()).items()) {
            if (selector.matches(node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels())) {
                metrics(node).ifPresent(out::add);
            }
        }
        return out;
    }

    private Optional<NodeMetrics> metrics(Node node) {
        String name = node.getMetadata().getName();
        return storage.node(name).map(usage -> {
            var metrics = new NodeMetrics();
            metrics.setApiVersion("metrics.k8s.io/v1beta1");
            metrics.setKind("NodeMetrics");
            metrics.setMetadata(new ObjectMetaBuilder().withName(name).withLabels(node.getMetadata().getLabels())
                    .withCreationTimestamp(MetricsUsage.now(clock)).build());
            metrics.setTimestamp(MetricsUsage.timestamp(usage));
            metrics.setWindow(MetricsUsage.window(usage));
            metrics.setUsage(MetricsUsage.resources(usage.cpuNanoCores(), usage.memoryBytes()));
            return metrics;
        });
    }

    private static ApiException notFound(String name) {
        return ApiException.notFound("metrics.k8s.io", "nodemetrics", name);
    }
}
