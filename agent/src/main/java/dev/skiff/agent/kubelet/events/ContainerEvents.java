package dev.skiff.agent.kubelet.events;

import dev.skiff.client.record.EventRecorder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events about one container of a pod, as the kubelet records them (upstream: recordContainerEvent
 * with the container's reference, fieldPath {@code spec.containers{name}}), and the reasons it uses
 * (upstream: pkg/kubelet/events).
 */
@FunctionalInterface
public interface ContainerEvents {
    String KILLING = "Killing";
    String UNHEALTHY = "Unhealthy";
    String PROBE_WARNING = "ProbeWarning";
    String FAILED_POST_START_HOOK = "FailedPostStartHook";
    String FAILED_PRE_STOP_HOOK = "FailedPreStopHook";

    void event(Pod pod, String containerName, String type, String reason, String message);

    /**
     * Events written to the API server by {@code recorder} (source component "kubelet", host the node); a null container
     * name makes it an event of the whole pod (no fieldPath).
     */
    static ContainerEvents to(EventRecorder recorder) {
        return (pod, container, type, reason, message) -> recorder.event(new ObjectReferenceBuilder(EventRecorder.reference(pod))
                .withApiVersion("v1").withKind("Pod").withFieldPath(container == null ? null : "spec.containers{" + container + "}").build(),
                type, reason, message);
    }

    /** Events only logged: for a runtime driven without an API server (tests of the runtime layer). */
    static ContainerEvents logged() {
        Logger log = LoggerFactory.getLogger(ContainerEvents.class);
        return (pod, container, type, reason, message) -> log.info("event pod={}/{} container={} type={} reason={}: {}",
                pod.getMetadata().getNamespace(), pod.getMetadata().getName(), container, type, reason, message);
    }

    /** A pod as upstream's format.Pod names it in messages: {@code name_namespace(uid)}. */
    static String podName(Pod pod) {
        return pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + pod.getMetadata().getUid() + ")";
    }
}
