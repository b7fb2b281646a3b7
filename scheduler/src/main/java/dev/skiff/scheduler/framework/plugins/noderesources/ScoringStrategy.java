package dev.skiff.scheduler.framework.plugins.noderesources;

import java.util.List;

/**
 * NodeResourcesFitArgs.scoringStrategy: the type, the resources with weights (default cpu and
 * memory, weight 1) and, for RequestedToCapacityRatio, the utilization-to-score shape.
 */
public record ScoringStrategy(Type type, List<ResourceSpec> resources, List<UtilizationShapePoint> shape) {
    public enum Type { LeastAllocated, MostAllocated, RequestedToCapacityRatio }

    public record ResourceSpec(String name, long weight) {
    }

    /** utilization 0..100, score 0..10 (upstream's MaxCustomPriorityScore). */
    public record UtilizationShapePoint(int utilization, int score) {
    }

    public static final List<ResourceSpec> DEFAULT_RESOURCES = List.of(new ResourceSpec("cpu", 1), new ResourceSpec("memory", 1));

    public static ScoringStrategy leastAllocated() {
        return new ScoringStrategy(Type.LeastAllocated, DEFAULT_RESOURCES, List.of());
    }

    public ScoringStrategy {
        resources = resources == null || resources.isEmpty() ? DEFAULT_RESOURCES : List.copyOf(resources);
        shape = shape == null ? List.of() : List.copyOf(shape);
        if (type == Type.RequestedToCapacityRatio && shape.isEmpty()) {
            throw new IllegalArgumentException("scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified");
        }
    }

    /** A resource's score from what is requested (after adding the pod) and what is allocatable. */
    long score(long requested, long allocatable) {
        if (allocatable == 0) {
            return 0;
        }
        return switch (type) {
            case LeastAllocated -> requested > allocatable ? 0 : (allocatable - requested) * 100 / allocatable;
            case MostAllocated -> Math.min(requested, allocatable) * 100 / allocatable;
            case RequestedToCapacityRatio -> shapeScore(Math.min(requested, allocatable) * 100 / allocatable);
        };
    }

    /** The piecewise-linear shape at this utilization, scaled from 0..10 to 0..100. */
    private long shapeScore(long utilization) {
        UtilizationShapePoint first = shape.getFirst();
        if (utilization <= first.utilization()) {
            return first.score() * 10L;
        }
        for (int i = 1; i < shape.size(); i++) {
            UtilizationShapePoint a = shape.get(i - 1);
            UtilizationShapePoint b = shape.get(i);
            if (utilization <= b.utilization()) {
                long as = a.score() * 10L;
                long bs = b.score() * 10L;
                return as + (bs - as) * (utilization - a.utilization()) / (b.utilization() - a.utilization());
            }
        }
        return shape.getLast().score() * 10L;
    }
}
