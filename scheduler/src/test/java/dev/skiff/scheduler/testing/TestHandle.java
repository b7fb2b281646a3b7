package dev.skiff.scheduler.testing;

import dev.skiff.api.selector.LabelSelector;
import dev.skiff.scheduler.framework.Framework;
import dev.skiff.scheduler.framework.Handle;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.Parallelizer;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Snapshot;
import dev.skiff.scheduler.framework.StorageAccess;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A handle over a fixed snapshot, for running single plugins. */
public final class TestHandle implements Handle {
    private static final Parallelizer PARALLELIZER = new Parallelizer(2);
    public final Snapshot snapshot;
    public final Map<String, Map<String, String>> namespaces = new HashMap<>();
    public LabelSelector defaultSelector = LabelSelector.nothing();
    public StorageAccess storage = StorageAccess.NONE;

    public TestHandle(List<Node> nodes, List<Pod> pods) {
        List<NodeInfo> infos = new ArrayList<>();
        for (Node n : nodes) {
            NodeInfo ni = new NodeInfo(n);
            for (Pod p : pods) {
                if (n.getMetadata().getName().equals(p.getSpec().getNodeName())) {
                    ni.addPod(PodInfo.of(p));
                }
            }
            infos.add(ni);
        }
        snapshot = Snapshot.of(infos);
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    @Override
    public Map<String, String> namespaceLabels(String namespace) {
        return namespaces.getOrDefault(namespace, Map.of());
    }

    @Override
    public List<PodInfo> nominatedPodsForNode(String nodeName) {
        return List.of();
    }

    @Override
    public Framework framework() {
        throw new UnsupportedOperationException("no framework in single-plugin tests");
    }

    @Override
    public Parallelizer parallelizer() {
        return PARALLELIZER;
    }

    @Override
    public void deleteVictim(Pod victim, Pod preemptor) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void clearNomination(Pod pod) {
        throw new UnsupportedOperationException();
    }

    @Override
    public LabelSelector defaultSpreadSelector(Pod pod) {
        return defaultSelector;
    }

    @Override
    public StorageAccess storage() {
        return storage;
    }
}
