package dev.skiff.scheduler.framework.plugins.noderesources;

import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Resource;
import dev.skiff.scheduler.framework.plugins.noderesources.ScoringStrategy.ResourceSpec;
import java.util.List;
import java.util.function.LongBinaryOperator;

/**
 * The shared scoring walk of upstream's resourceAllocationScorer: per configured resource, what
 * the node would have requested with the pod and its allocatable; resources the node does not
 * have are left out of the weighted average.
 */
final class ResourceAllocation {
    private ResourceAllocation() {
    }

    /**
     * @param useRequested true for BalancedAllocation (plain requests), false for Fit's scoring
     *                     (non-zero requests for cpu and memory, as upstream)
     */
    static long score(List<ResourceSpec> resources, PodInfo pod, NodeInfo node, boolean useRequested, LongBinaryOperator scorer) {
        long total = 0;
        long weights = 0;
        for (ResourceSpec r : resources) {
            long[] ra = requestedAndAllocatable(r.name(), pod, node, useRequested);
            if (ra == null || ra[1] == 0) {
                continue;
            }
            total += scorer.applyAsLong(ra[0], ra[1]) * r.weight();
            weights += r.weight();
        }
        return weights == 0 ? 0 : total / weights;
    }

    /** {requested incl. the pod, allocatable}, or null for a scalar resource the pod does not request. */
    static long[] requestedAndAllocatable(String name, PodInfo pod, NodeInfo node, boolean useRequested) {
        boolean cpuOrMemory = Resource.CPU.equals(name) || Resource.MEMORY.equals(name);
        Resource podReq = cpuOrMemory && !useRequested ? pod.nonZeroRequests() : pod.requests();
        Resource nodeReq = cpuOrMemory && !useRequested ? node.nonZeroRequested() : node.requested();
        long p = podReq.get(name);
        boolean scalar = !cpuOrMemory && !Resource.EPHEMERAL_STORAGE.equals(name);
        if (scalar && p == 0) {
            return null;
        }
        return new long[] {nodeReq.get(name) + p, node.allocatable().get(name)};
    }
}
