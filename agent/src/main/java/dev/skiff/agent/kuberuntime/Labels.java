package dev.skiff.agent.kuberuntime;

/**
 * The labels the kubelet puts on sandboxes and containers so it can find a pod's runtime
 * objects again (same keys as upstream, so crictl filters work as usual).
 */
public final class Labels {
    public static final String POD_NAME = "io.kubernetes.pod.name";
    public static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    public static final String POD_UID = "io.kubernetes.pod.uid";
    public static final String CONTAINER_NAME = "io.kubernetes.container.name";

    private Labels() {
    }
}
