package dev.skiff.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * A registered event and the plugin's hint, as upstream's ClusterEventWithHint: given the
 * rejected pod and the changed object (old and new; null where absent), may it now schedule?
 */
public record ClusterEventWithHint(ClusterEvent event, QueueingHintFn hint) {
    @FunctionalInterface
    public interface QueueingHintFn {
        boolean shouldQueue(Pod pod, Object oldObj, Object newObj);
    }

    public static ClusterEventWithHint always(ClusterEvent event) {
        return new ClusterEventWithHint(event, (p, o, n) -> true);
    }
}
