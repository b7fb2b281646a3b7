package dev.skiff.agent.kubelet;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Duration;
import java.util.Set;

/**
 * What makes a node's pods real (upstream's podSyncer, called by the pod workers): the kuberuntime
 * implementation runs containers through CRI; a simulated node's implementation runs nothing and
 * reports pods as running (upstream's hollow node). The pod workers call it one pod at a time, never
 * concurrently for the same pod, and send the status it returns to the API server.
 */
public interface PodSyncer {

    /**
     * Moves the node towards {@code pod}'s spec: creates what is missing (sandbox, init containers in
     * order, containers), restarts what exited as the restart policy says, acts on probes; returns the
     * pod's status as the agent reports it (phase, conditions, container statuses, IPs, start time).
     * Idempotent: called on every change of the pod and again every resync period.
     */
    PodStatus syncPod(Pod pod) throws Exception;

    /**
     * Stops the pod (preStop hooks, then SIGTERM and SIGKILL after {@code gracePeriod}) and removes its
     * containers, sandbox, network and volumes; returns the final status to report.
     */
    PodStatus syncTerminatingPod(Pod pod, Duration gracePeriod) throws Exception;

    /** UIDs of the pods the runtime has on this node, so a restarted agent adopts them or cleans them up. */
    Set<String> runtimePodUids() throws Exception;
}
