package dev.skiff.scheduler.framework;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A node and the pods on it with their aggregates, as upstream's framework.NodeInfo: requested and
 * non-zero requested resources, allocatable, used host ports, pods with (anti-)affinity, image
 * states. Mutable, owned by the cache; the snapshot holds copies. {@link #generation()} is bumped
 * by the cache on every change so the snapshot update copies only changed nodes.
 */
public final class NodeInfo {
    private Node node;
    /** The node's name, kept beside it: Filter reads it for every node of every cycle. */
    private String name;
    /**
     * The node's labels, spec.unschedulable and spec.taints (never null), kept beside it as its name: Filter plugins
     * read them for every node of every cycle, and reaching them through the Node, its metadata and its spec cost a
     * cache miss per hop once the cluster's nodes no longer fit in the CPU's caches.
     */
    private Map<String, String> labels = Map.of();
    private boolean unschedulable;
    private List<Taint> taints = List.of();
    private final List<PodInfo> pods = new ArrayList<>();
    private final List<PodInfo> podsWithAffinity = new ArrayList<>();
    private final List<PodInfo> podsWithRequiredAntiAffinity = new ArrayList<>();
    private HostPortInfo usedPorts = new HostPortInfo();
    private Resource requested = new Resource();
    private Resource nonZeroRequested = new Resource();
    private Resource allocatable = new Resource();
    private Map<String, ImageStateSummary> imageStates = new HashMap<>();
    private long generation;

    public NodeInfo() {
    }

    public NodeInfo(Node node, Pod... pods) {
        setNode(node);
        for (Pod p : pods) {
            addPod(PodInfo.of(p));
        }
    }

    public Node node() {
        return node;
    }

    public String name() {
        return name;
    }

    public Map<String, String> labels() {
        return labels;
    }

    public boolean unschedulable() {
        return unschedulable;
    }

    public List<Taint> taints() {
        return taints;
    }

    public List<PodInfo> pods() {
        return pods;
    }

    public List<PodInfo> podsWithAffinity() {
        return podsWithAffinity;
    }

    public List<PodInfo> podsWithRequiredAntiAffinity() {
        return podsWithRequiredAntiAffinity;
    }

    public HostPortInfo usedPorts() {
        return usedPorts;
    }

    public Resource requested() {
        return requested;
    }

    public Resource nonZeroRequested() {
        return nonZeroRequested;
    }

    public Resource allocatable() {
        return allocatable;
    }

    public Map<String, ImageStateSummary> imageStates() {
        return imageStates;
    }

    public void setImageStates(Map<String, ImageStateSummary> states) {
        imageStates = states;
    }

    public long generation() {
        return generation;
    }

    public void setGeneration(long generation) {
        this.generation = generation;
    }

    public void setNode(Node node) {
        this.node = node;
        this.name = node.getMetadata().getName();
        Map<String, String> l = node.getMetadata().getLabels();
        labels = l == null ? Map.of() : l;
        unschedulable = unschedulable(node);
        taints = taints(node);
        allocatable = node.getStatus() == null ? new Resource() : Resource.of(node.getStatus().getAllocatable());
    }

    /** A node's spec.unschedulable (cordoned), false when unset. */
    public static boolean unschedulable(Node node) {
        return node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    }

    /** A node's spec.taints, empty when unset. */
    public static List<Taint> taints(Node node) {
        return node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    }

    public void removeNode() {
        node = null;
        name = null;
        labels = Map.of();
        unschedulable = false;
        taints = List.of();
    }

    public void addPod(PodInfo pi) {
        pods.add(pi);
        if (pi.hasAffinity()) {
            podsWithAffinity.add(pi);
        }
        if (!pi.requiredAntiAffinityTerms().isEmpty()) {
            podsWithRequiredAntiAffinity.add(pi);
        }
        update(pi, true);
    }

    /** Removes the pod with this key; false when it is not on this node. */
    public boolean removePod(String key) {
        for (int i = 0; i < pods.size(); i++) {
            PodInfo pi = pods.get(i);
            if (pi.key().equals(key)) {
                pods.remove(i);
                podsWithAffinity.removeIf(p -> p.key().equals(key));
                podsWithRequiredAntiAffinity.removeIf(p -> p.key().equals(key));
                update(pi, false);
                return true;
            }
        }
        return false;
    }

    private void update(PodInfo pi, boolean add) {
        if (add) {
            requested.add(pi.requests());
            nonZeroRequested.add(pi.nonZeroRequests());
        } else {
            requested.subtract(pi.requests());
            nonZeroRequested.subtract(pi.nonZeroRequests());
        }
        forEachHostPort(pi.pod(), p -> {
            if (add) {
                usedPorts.add(p.getHostIP(), p.getProtocol(), p.getHostPort());
            } else {
                usedPorts.remove(p.getHostIP(), p.getProtocol(), p.getHostPort());
            }
        });
    }

    /** The host ports a pod asks for, from its containers and init containers. */
    public static void forEachHostPort(Pod pod, Consumer<ContainerPort> action) {
        List<Container> inits = pod.getSpec().getInitContainers() == null ? List.of() : pod.getSpec().getInitContainers();
        Stream.concat(pod.getSpec().getContainers().stream(), inits.stream())
                .flatMap(c -> c.getPorts() == null ? Stream.empty() : c.getPorts().stream())
                .filter(p -> p.getHostPort() != null && p.getHostPort() > 0)
                .forEach(action);
    }

    /** Makes this node info equal to other (a fresh copy), keeping its identity for the snapshot's lists. */
    public void assign(NodeInfo other) {
        node = other.node;
        name = other.name;
        labels = other.labels;
        unschedulable = other.unschedulable;
        taints = other.taints;
        pods.clear();
        pods.addAll(other.pods);
        podsWithAffinity.clear();
        podsWithAffinity.addAll(other.podsWithAffinity);
        podsWithRequiredAntiAffinity.clear();
        podsWithRequiredAntiAffinity.addAll(other.podsWithRequiredAntiAffinity);
        usedPorts = other.usedPorts;
        requested = other.requested;
        nonZeroRequested = other.nonZeroRequested;
        allocatable = other.allocatable;
        imageStates = other.imageStates;
        generation = other.generation;
    }

    /** A copy for the snapshot: the lists and aggregates are copied, pods and node shared (immutable). */
    public NodeInfo copy() {
        NodeInfo c = new NodeInfo();
        c.node = node;
        c.name = name;
        c.labels = labels;
        c.unschedulable = unschedulable;
        c.taints = taints;
        c.pods.addAll(pods);
        c.podsWithAffinity.addAll(podsWithAffinity);
        c.podsWithRequiredAntiAffinity.addAll(podsWithRequiredAntiAffinity);
        c.usedPorts = usedPorts.copy();
        c.requested = requested.copy();
        c.nonZeroRequested = nonZeroRequested.copy();
        c.allocatable = allocatable.copy();
        c.imageStates = imageStates;
        c.generation = generation;
        return c;
    }
}
