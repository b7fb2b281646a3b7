package dev.skiff.scheduler.internal.cache;

import dev.skiff.scheduler.framework.ImageStateSummary;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Snapshot;
import dev.skiff.scheduler.framework.plugins.imagelocality.ImageLocality;
import io.fabric8.kubernetes.api.model.ContainerImage;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The scheduler's view of nodes and the pods on them, as upstream's internal/cache: pods the
 * scheduler assumed (placed, binding not yet confirmed) count like bound ones, so the next cycle
 * does not wait for the bind round trip. An assumed pod is confirmed when the informer reports it
 * bound, forgotten when binding fails, and expires a TTL after its binding finished if the
 * confirmation never came (a TTL of zero keeps it until confirmed, upstream's current default).
 *
 * <p>Every change bumps a generation and moves the node to the head of a recency list, so
 * {@link #updateSnapshot} copies only nodes changed since the snapshot's generation. Thread-safe
 * (one lock): informer handlers and the scheduling loop share it.
 */
public final class Cache {
    private static final String ZONE = "topology.kubernetes.io/zone";

    private static final class Item {
        final NodeInfo info = new NodeInfo();
        Item prev;
        Item next;
    }

    private static final class PodState {
        Pod pod;
        Instant deadline;
        boolean bindingFinished;
    }

    private record ImageState(long size, Set<String> nodes) {
    }

    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Item> nodes = new HashMap<>();
    private Item head;
    private final Map<String, PodState> podStates = new HashMap<>();
    private final Set<String> assumedPods = new HashSet<>();
    private final Map<String, ImageState> imageStates = new HashMap<>();
    /** zone -> node names, for the zone-interleaved node order (upstream's nodeTree). */
    private final Map<String, List<String>> nodeTree = new LinkedHashMap<>();
    private int numNodes;
    private long generation;

    public Cache(Clock clock, Duration assumedPodTtl) {
        this.clock = clock;
        this.ttl = assumedPodTtl;
    }

    private Item touch(String nodeName) {
        Item item = nodes.computeIfAbsent(nodeName, k -> new Item());
        item.info.setGeneration(++generation);
        if (head != item) {
            if (item.prev != null) {
                item.prev.next = item.next;
            }
            if (item.next != null) {
                item.next.prev = item.prev;
            }
            item.prev = null;
            item.next = head;
            if (head != null) {
                head.prev = item;
            }
            head = item;
        }
        return item;
    }

    private void unlink(String nodeName) {
        Item item = nodes.remove(nodeName);
        if (item == null) {
            return;
        }
        if (item.prev != null) {
            item.prev.next = item.next;
        }
        if (item.next != null) {
            item.next.prev = item.prev;
        }
        if (head == item) {
            head = item.next;
        }
    }

    public synchronized void addNode(Node node) {
        String name = node.getMetadata().getName();
        Item item = touch(name);
        if (item.info.node() != null) {
            removeFromTree(item.info.node());
            removeImages(item.info.node());
        } else {
            numNodes++;
        }
        addToTree(node);
        addImages(node);
        item.info.setNode(node);
    }

    public synchronized void updateNode(Node node) {
        addNode(node);
    }

    public synchronized void removeNode(Node node) {
        String name = node.getMetadata().getName();
        Item item = nodes.get(name);
        if (item == null || item.info.node() == null) {
            return;
        }
        removeFromTree(item.info.node());
        removeImages(item.info.node());
        numNodes--;
        // pods still on it keep a node-less entry until they are deleted, as upstream
        if (item.info.pods().isEmpty()) {
            unlink(name);
            generation++;
        } else {
            touch(name).info.removeNode();
        }
    }

    private void addToTree(Node node) {
        nodeTree.computeIfAbsent(zone(node), k -> new ArrayList<>()).add(node.getMetadata().getName());
    }

    private void removeFromTree(Node node) {
        List<String> names = nodeTree.get(zone(node));
        if (names != null) {
            names.remove(node.getMetadata().getName());
            if (names.isEmpty()) {
                nodeTree.remove(zone(node));
            }
        }
    }

    private static String zone(Node node) {
        Map<String, String> l = node.getMetadata().getLabels();
        return l == null ? "" : l.getOrDefault(ZONE, "");
    }

    private void addImages(Node node) {
        if (node.getStatus() == null || node.getStatus().getImages() == null) {
            return;
        }
        for (ContainerImage image : node.getStatus().getImages()) {
            for (String name : image.getNames() == null ? List.<String>of() : image.getNames()) {
                long size = image.getSizeBytes() == null ? 0 : image.getSizeBytes();
                imageStates.computeIfAbsent(ImageLocality.normalizedImageName(name), k -> new ImageState(size, new HashSet<>()))
                        .nodes().add(node.getMetadata().getName());
            }
        }
    }

    private void removeImages(Node node) {
        imageStates.values().forEach(s -> s.nodes().remove(node.getMetadata().getName()));
        imageStates.values().removeIf(s -> s.nodes().isEmpty());
    }

    /** Places a pod the scheduler chose a node for (pod.spec.nodeName set) before it is bound. */
    public synchronized void assumePod(Pod pod) {
        String key = PodInfo.key(pod);
        if (podStates.containsKey(key)) {
            throw new IllegalStateException("pod " + key + " is in the cache, so can't be assumed");
        }
        addPodToNode(pod);
        PodState ps = new PodState();
        ps.pod = pod;
        podStates.put(key, ps);
        assumedPods.add(key);
    }

    /** Binding went out; the assumed pod may expire from now on. */
    public synchronized void finishBinding(Pod pod) {
        PodState ps = podStates.get(PodInfo.key(pod));
        if (ps != null && assumedPods.contains(PodInfo.key(pod))) {
            ps.bindingFinished = true;
            ps.deadline = ttl.isZero() ? null : clock.instant().plus(ttl);
        }
    }

    /** Binding failed: the assumption is undone. */
    public synchronized void forgetPod(Pod pod) {
        String key = PodInfo.key(pod);
        if (assumedPods.remove(key)) {
            PodState ps = podStates.remove(key);
            removePodFromNode(ps.pod);
        }
    }

    public synchronized boolean isAssumedPod(Pod pod) {
        return assumedPods.contains(PodInfo.key(pod));
    }

    /** A bound pod reported by the informer: confirms an assumed one (moving it if the node differs). */
    public synchronized void addPod(Pod pod) {
        String key = PodInfo.key(pod);
        PodState ps = podStates.get(key);
        if (ps != null && assumedPods.contains(key)) {
            // the bound pod replaces the assumed copy (on the node it was really bound to)
            removePodFromNode(ps.pod);
            addPodToNode(pod);
            assumedPods.remove(key);
            ps.pod = pod;
            ps.deadline = null;
        } else if (ps == null) {
            addPodToNode(pod);
            ps = new PodState();
            ps.pod = pod;
            podStates.put(key, ps);
        }
    }

    public synchronized void updatePod(Pod oldPod, Pod newPod) {
        String key = PodInfo.key(newPod);
        PodState ps = podStates.get(key);
        if (ps == null || assumedPods.contains(key)) {
            addPod(newPod);
            return;
        }
        removePodFromNode(ps.pod);
        addPodToNode(newPod);
        ps.pod = newPod;
    }

    public synchronized void removePod(Pod pod) {
        PodState ps = podStates.remove(PodInfo.key(pod));
        assumedPods.remove(PodInfo.key(pod));
        if (ps != null) {
            removePodFromNode(ps.pod);
        }
    }

    /** Drops assumed pods whose binding finished more than the TTL ago without confirmation. */
    public synchronized List<Pod> cleanupExpiredAssumedPods() {
        Instant now = clock.instant();
        List<Pod> expired = new ArrayList<>();
        for (String key : List.copyOf(assumedPods)) {
            PodState ps = podStates.get(key);
            if (ps.bindingFinished && ps.deadline != null && now.isAfter(ps.deadline)) {
                expired.add(ps.pod);
                assumedPods.remove(key);
                podStates.remove(key);
                removePodFromNode(ps.pod);
            }
        }
        return expired;
    }

    private void addPodToNode(Pod pod) {
        touch(pod.getSpec().getNodeName()).info.addPod(PodInfo.of(pod));
    }

    private void removePodFromNode(Pod pod) {
        String nodeName = pod.getSpec().getNodeName();
        Item item = nodes.get(nodeName);
        if (item == null) {
            return;
        }
        touch(nodeName).info.removePod(PodInfo.key(pod));
        if (item.info.node() == null && item.info.pods().isEmpty()) {
            unlink(nodeName);
        }
    }

    public synchronized int nodeCount() {
        return numNodes;
    }

    public synchronized int podCount() {
        return podStates.size();
    }

    /** Brings the snapshot up to date, copying only nodes changed since its generation, as upstream's UpdateSnapshot. */
    public synchronized void updateSnapshot(Snapshot snapshot) {
        long snapshotGeneration = snapshot.generation;
        boolean updateAllLists = false;
        boolean updateAffinityLists = false;
        for (Item item = head; item != null; item = item.next) {
            if (item.info.generation() <= snapshotGeneration) {
                break;
            }
            Node node = item.info.node();
            if (node == null) {
                continue;
            }
            NodeInfo existing = snapshot.nodeInfoMap.get(node.getMetadata().getName());
            if (existing == null) {
                updateAllLists = true;
                existing = new NodeInfo();
                snapshot.nodeInfoMap.put(node.getMetadata().getName(), existing);
            }
            NodeInfo clone = item.info.copy();
            clone.setImageStates(imageSummaries(node));
            if (existing.podsWithAffinity().isEmpty() != clone.podsWithAffinity().isEmpty()
                    || existing.podsWithRequiredAntiAffinity().isEmpty() != clone.podsWithRequiredAntiAffinity().isEmpty()) {
                updateAffinityLists = true;
            }
            existing.assign(clone);
        }
        snapshot.generation = generation;
        if (snapshot.nodeInfoMap.size() > numNodes) {
            snapshot.nodeInfoMap.keySet().removeIf(name -> {
                Item item = nodes.get(name);
                return item == null || item.info.node() == null;
            });
            updateAllLists = true;
        }
        if (updateAllLists) {
            snapshot.nodeInfoList = treeOrder().stream().map(snapshot.nodeInfoMap::get).toList();
        }
        if (updateAllLists || updateAffinityLists) {
            snapshot.refreshAffinityLists();
        }
    }

    private Map<String, ImageStateSummary> imageSummaries(Node node) {
        if (node.getStatus() == null || node.getStatus().getImages() == null) {
            return Map.of();
        }
        Map<String, ImageStateSummary> m = new HashMap<>();
        for (ContainerImage image : node.getStatus().getImages()) {
            for (String name : image.getNames() == null ? List.<String>of() : image.getNames()) {
                String n = ImageLocality.normalizedImageName(name);
                ImageState s = imageStates.get(n);
                if (s != null) {
                    m.put(n, new ImageStateSummary(s.size(), s.nodes().size()));
                }
            }
        }
        return m;
    }

    /** Node names taking one node from each zone in turn, as upstream's nodeTree.list. */
    private List<String> treeOrder() {
        List<String> out = new ArrayList<>(numNodes);
        List<List<String>> zones = new ArrayList<>(nodeTree.values());
        for (int i = 0; out.size() < numNodes; i++) {
            boolean any = false;
            for (List<String> z : zones) {
                if (i < z.size()) {
                    out.add(z.get(i));
                    any = true;
                }
            }
            if (!any) {
                break;
            }
        }
        return out;
    }
}
