package dev.skiff.scheduler.framework;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster as one scheduling cycle sees it, as upstream's cache.Snapshot: node infos by name and
 * in the node tree's zone-interleaved order, plus the lists of nodes that hold pods with affinity
 * and with required anti-affinity. Refreshed in place by the cache between cycles.
 */
public final class Snapshot {
    public final Map<String, NodeInfo> nodeInfoMap = new HashMap<>();
    public List<NodeInfo> nodeInfoList = new ArrayList<>();
    public List<NodeInfo> havePodsWithAffinityList = new ArrayList<>();
    public List<NodeInfo> havePodsWithRequiredAntiAffinityList = new ArrayList<>();
    public long generation;

    /** A snapshot of the given nodes, for tests and what-if runs. */
    public static Snapshot of(List<NodeInfo> nodes) {
        Snapshot s = new Snapshot();
        for (NodeInfo n : nodes) {
            s.nodeInfoMap.put(n.name(), n);
        }
        s.nodeInfoList = new ArrayList<>(nodes);
        s.refreshAffinityLists();
        return s;
    }

    public void refreshAffinityLists() {
        havePodsWithAffinityList = nodeInfoList.stream().filter(n -> !n.podsWithAffinity().isEmpty()).toList();
        havePodsWithRequiredAntiAffinityList = nodeInfoList.stream().filter(n -> !n.podsWithRequiredAntiAffinity().isEmpty()).toList();
    }

    public NodeInfo get(String name) {
        return nodeInfoMap.get(name);
    }

    public int numNodes() {
        return nodeInfoList.size();
    }
}
