package dev.skiff.agent.kubelet.server;

import dev.skiff.agent.kuberuntime.KubeRuntimeManager;
import dev.skiff.agent.kuberuntime.RunningPod;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Optional;

/** What the streaming server needs of the kubelet (upstream: kubelet/server.HostInterface). */
public interface HostInterface {
    /** The pod bound to this node, as last seen from the API server (spec and status), or empty. */
    Optional<Pod> podByName(String namespace, String name);

    /** The pod with this UID as it runs on the node, if it does. */
    Optional<RunningPod> runningPod(String uid);

    KubeRuntimeManager runtime();

    /** The node's resource metrics ({@code /metrics/resource}); empty where the node has none to report. */
    default Optional<dev.skiff.agent.kubelet.metrics.collectors.ResourceMetricsCollector> resourceMetrics() {
        return Optional.empty();
    }
}
