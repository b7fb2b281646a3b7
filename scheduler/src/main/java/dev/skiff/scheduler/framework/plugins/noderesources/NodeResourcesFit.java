package dev.skiff.scheduler.framework.plugins.noderesources;

import dev.skiff.scheduler.framework.ClusterEvent;
import dev.skiff.scheduler.framework.ClusterEvent.ActionType;
import dev.skiff.scheduler.framework.ClusterEventWithHint;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins.EnqueueExtensions;
import dev.skiff.scheduler.framework.Plugins.FilterPlugin;
import dev.skiff.scheduler.framework.Plugins.ScorePlugin;
import dev.skiff.scheduler.framework.Resource;
import dev.skiff.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Filter: the pod's requests (init containers and overhead included) fit what is left of the
 * node's allocatable, and the node has room for one more pod. Score: the configured strategy over
 * the non-zero requests (LeastAllocated by default).
 */
public final class NodeResourcesFit implements FilterPlugin, ScorePlugin, EnqueueExtensions {
    public static final String NAME = "NodeResourcesFit";

    private final Set<String> ignoredResources;
    private final ScoringStrategy strategy;

    public NodeResourcesFit(Set<String> ignoredResources, ScoringStrategy strategy) {
        this.ignoredResources = Set.copyOf(ignoredResources);
        this.strategy = strategy;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** An unmet request; unresolvable when the pod alone exceeds the node's allocatable. */
    public record InsufficientResource(String resource, String reason, long requested, long used, long capacity, boolean unresolvable) {
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        List<InsufficientResource> insufficient = fitsRequest(pod.requests(), nodeInfo, ignoredResources);
        if (insufficient.isEmpty()) {
            return Status.success();
        }
        boolean unresolvable = insufficient.stream().anyMatch(InsufficientResource::unresolvable);
        String[] reasons = insufficient.stream().map(InsufficientResource::reason).toArray(String[]::new);
        return unresolvable ? Status.unresolvable(reasons) : Status.unschedulable(reasons);
    }

    /** Upstream's fitsRequest: pods, then cpu, memory, ephemeral-storage, then scalar resources. */
    public static List<InsufficientResource> fitsRequest(Resource req, NodeInfo nodeInfo, Set<String> ignored) {
        List<InsufficientResource> out = new ArrayList<>();
        Resource alloc = nodeInfo.allocatable();
        Resource used = nodeInfo.requested();
        int pods = nodeInfo.pods().size();
        if (pods + 1 > alloc.allowedPodNumber) {
            out.add(new InsufficientResource(Resource.PODS, "Too many pods", 1, pods, alloc.allowedPodNumber, false));
        }
        if (req.isZero()) {
            return out;
        }
        check(out, Resource.CPU, req.milliCpu, used.milliCpu, alloc.milliCpu);
        check(out, Resource.MEMORY, req.memory, used.memory, alloc.memory);
        check(out, Resource.EPHEMERAL_STORAGE, req.ephemeralStorage, used.ephemeralStorage, alloc.ephemeralStorage);
        if (req.scalar.isEmpty()) {
            return out;
        }
        for (Map.Entry<String, Long> e : new TreeMap<>(req.scalar).entrySet()) { // sorted: the reasons in a stable order
            if (ignored.contains(e.getKey())) {
                continue;
            }
            check(out, e.getKey(), e.getValue(), used.get(e.getKey()), alloc.get(e.getKey()));
        }
        return out;
    }

    private static void check(List<InsufficientResource> out, String name, long req, long used, long alloc) {
        if (req > 0 && req > alloc - used) {
            out.add(new InsufficientResource(name, "Insufficient " + name, req, used, alloc, req > alloc));
        }
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        return ResourceAllocation.score(strategy.resources(), pod, nodeInfo, false,
                (req, alloc) -> strategy.score(req, alloc));
    }

    @Override
    public List<ClusterEventWithHint> eventsToRegister() {
        return List.of(
                new ClusterEventWithHint(ClusterEvent.of(ClusterEvent.Resource.NODE, ActionType.ADD, ActionType.UPDATE_NODE_ALLOCATABLE,
                        ActionType.UPDATE_NODE_TAINT, ActionType.UPDATE_NODE_LABEL),
                        (pod, oldObj, newObj) -> fitsRequest(PodInfo.of(pod).requests(), new NodeInfo((Node) newObj), ignoredResources).isEmpty()),
                ClusterEventWithHint.always(ClusterEvent.ASSIGNED_POD_DELETE),
                ClusterEventWithHint.always(ClusterEvent.of(ClusterEvent.Resource.POD, ActionType.UPDATE_POD_SCALE_DOWN)));
    }
}
