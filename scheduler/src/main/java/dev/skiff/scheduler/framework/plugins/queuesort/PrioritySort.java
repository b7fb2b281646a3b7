package dev.skiff.scheduler.framework.plugins.queuesort;

import dev.skiff.scheduler.framework.Plugins.QueueSortPlugin;
import dev.skiff.scheduler.framework.QueuedPod;
import java.util.Comparator;

/** Higher priority first; equal priorities in the order they were queued. */
public final class PrioritySort implements QueueSortPlugin {
    public static final String NAME = "PrioritySort";
    private static final Comparator<QueuedPod> LESS = Comparator.comparingInt(QueuedPod::priority).reversed()
            .thenComparing(q -> q.timestamp);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Comparator<QueuedPod> less() {
        return LESS;
    }
}
