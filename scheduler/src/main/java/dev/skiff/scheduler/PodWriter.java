package dev.skiff.scheduler;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * The scheduler's writes other than bindings: the PodScheduled=False condition with its
 * FailedScheduling message and nominated node, and the deletion of preemption victims. Through
 * the API server in a cluster (that implementation arrives with the served pods/status); a
 * recording sink in tests and benchmarks.
 */
public interface PodWriter {
    /** reason: "Unschedulable" or "SchedulerError"; nominatedNodeName null leaves it, "" clears it. */
    void recordFailure(Pod pod, String reason, String message, String nominatedNodeName);

    void deleteVictim(Pod victim, Pod preemptor);
}
