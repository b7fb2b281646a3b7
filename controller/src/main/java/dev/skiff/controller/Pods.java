package dev.skiff.controller;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the workload controllers ask of a pod (upstream's controller_utils and pkg/api/v1/pod). */
public final class Pods {
    private Pods() {
    }

    public static String phase(Pod p) {
        return p.getStatus() == null ? null : p.getStatus().getPhase();
    }

    /** Upstream's FilterActivePods: neither finished nor being deleted. */
    public static boolean isActive(Pod p) {
        return !isFinished(p) && p.getMetadata().getDeletionTimestamp() == null;
    }

    public static boolean isFinished(Pod p) {
        return "Succeeded".equals(phase(p)) || "Failed".equals(phase(p));
    }

    /** Being deleted but not finished (upstream's IsPodTerminating). */
    public static boolean isTerminating(Pod p) {
        return p.getMetadata().getDeletionTimestamp() != null && !isFinished(p);
    }

    /**
     * The {@code count} pods to delete first, as upstream's ActivePodsWithRanks: unscheduled before
     * scheduled, pending before unknown before running, not ready before ready, more pods of the set on
     * the same node first, ready for less time first, more restarts first, newer first.
     */
    public static List<Pod> rankedForDeletion(List<Pod> active, int count) {
        Map<String, Integer> perNode = new HashMap<>();
        for (Pod p : active) {
            if (p.getSpec().getNodeName() != null) {
                perNode.merge(p.getSpec().getNodeName(), 1, Integer::sum);
            }
        }
        Comparator<Pod> order = Comparator
                .comparing((Pod p) -> p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty())
                .thenComparingInt(Pods::phaseRank)
                .thenComparing(PodReadiness::isReady)
                .thenComparing(p -> -perNode.getOrDefault(p.getSpec().getNodeName(), 0))
                .thenComparing(p -> PodReadiness.readySince(p) == null ? Instant.MIN : PodReadiness.readySince(p), Comparator.reverseOrder())
                .thenComparing(p -> -restarts(p))
                .thenComparing(Pods::creation, Comparator.reverseOrder());
        return active.stream().sorted(order).limit(count).toList();
    }

    private static int phaseRank(Pod p) {
        return "Pending".equals(phase(p)) ? 0 : "Running".equals(phase(p)) ? 2 : 1;
    }

    /** The most restarts of any one container. */
    private static int restarts(Pod p) {
        if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
            return 0;
        }
        return p.getStatus().getContainerStatuses().stream().mapToInt(c -> c.getRestartCount() == null ? 0 : c.getRestartCount()).max().orElse(0);
    }

    private static Instant creation(Pod p) {
        String t = p.getMetadata().getCreationTimestamp();
        return t == null ? Instant.MIN : Instant.parse(t);
    }
}
