package dev.skiff.scheduler;

import dev.skiff.client.record.EventRecorder;
import dev.skiff.client.rest.RawRequests;
import dev.skiff.scheduler.framework.plugins.defaultbinder.Binder;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Binds through the API server's {@code pods/<name>/binding} subresource, as upstream's DefaultBinder
 * (client-go's {@code Pods(ns).Bind}), and records the {@code Scheduled} event once accepted.
 */
public final class ApiServerBinder implements Binder {
    private final KubernetesClient client;
    private final EventRecorder events;

    public ApiServerBinder(KubernetesClient client, EventRecorder events) {
        this.client = client;
        this.events = events;
    }

    @Override
    public void bind(Pod pod, String nodeName) throws Exception {
        String namespace = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        Binding binding = new BindingBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withUid(pod.getMetadata().getUid()).endMetadata()
                .withNewTarget().withKind("Node").withName(nodeName).endTarget()
                .build();
        RawRequests.send(client, "POST", "/api/v1/namespaces/" + RawRequests.segment(namespace) + "/pods/" + RawRequests.segment(name)
                + "/binding", binding);
        events.eventf(pod, EventRecorder.NORMAL, "Scheduled", "Successfully assigned %s/%s to %s", namespace, name, nodeName);
    }
}
