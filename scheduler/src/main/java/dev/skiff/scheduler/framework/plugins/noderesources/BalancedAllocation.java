package dev.skiff.scheduler.framework.plugins.noderesources;

import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins.PreScorePlugin;
import dev.skiff.scheduler.framework.Plugins.ScorePlugin;
import dev.skiff.scheduler.framework.Status;
import dev.skiff.scheduler.framework.plugins.noderesources.ScoringStrategy.ResourceSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * NodeResourcesBalancedAllocation: favours nodes whose resource fractions (requested/allocatable,
 * capped at 1) stay close to each other: score = (1 - standard deviation) * 100. Skipped for
 * best-effort pods, as upstream.
 */
public final class BalancedAllocation implements PreScorePlugin, ScorePlugin {
    public static final String NAME = "NodeResourcesBalancedAllocation";
    private final List<ResourceSpec> resources;

    public BalancedAllocation(List<ResourceSpec> resources) {
        this.resources = resources == null || resources.isEmpty() ? ScoringStrategy.DEFAULT_RESOURCES : List.copyOf(resources);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        boolean bestEffort = resources.stream().allMatch(r -> pod.requests().get(r.name()) == 0);
        return bestEffort ? Status.skip() : Status.success();
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        List<Double> fractions = new ArrayList<>();
        for (ResourceSpec r : resources) {
            long[] ra = ResourceAllocation.requestedAndAllocatable(r.name(), pod, nodeInfo, true);
            if (ra == null || ra[1] == 0) {
                continue;
            }
            fractions.add(Math.min(1.0, (double) ra[0] / ra[1]));
        }
        double std = 0;
        if (fractions.size() == 2) {
            std = Math.abs(fractions.get(0) - fractions.get(1)) / 2;
        } else if (fractions.size() > 2) {
            double mean = fractions.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            double sum = fractions.stream().mapToDouble(f -> (f - mean) * (f - mean)).sum();
            std = Math.sqrt(sum / fractions.size());
        }
        return (long) ((1 - std) * 100);
    }
}
