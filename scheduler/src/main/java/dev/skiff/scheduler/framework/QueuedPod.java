package dev.skiff.scheduler.framework;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * A pod in the scheduling queue with its attempts and timestamps, as upstream's QueuedPodInfo.
 * Owned by the queue (under its lock) and by the one scheduling cycle that popped it.
 */
public final class QueuedPod {
    private PodInfo podInfo;
    /** When the pod was added to the queue or last moved to activeQ; orders equal priorities. */
    public Instant timestamp;
    /** When the pod first entered the queue, for latency figures. */
    public final Instant initialAttemptTimestamp;
    public int attempts;
    /** The plugins that rejected it in its last cycle; events for them move it back. */
    public final Set<String> unschedulablePlugins = new HashSet<>();
    /** Whether its last failure was an error rather than a rejection (then any event moves it). */
    public boolean failedWithError;
    public boolean gated;

    public QueuedPod(PodInfo podInfo, Instant now) {
        this.podInfo = podInfo;
        this.timestamp = now;
        this.initialAttemptTimestamp = now;
    }

    public PodInfo podInfo() {
        return podInfo;
    }

    public void setPodInfo(PodInfo podInfo) {
        this.podInfo = podInfo;
    }

    public int priority() {
        Integer p = podInfo.pod().getSpec().getPriority();
        return p == null ? 0 : p;
    }
}
