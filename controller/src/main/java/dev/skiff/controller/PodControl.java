package dev.skiff.controller;

import dev.skiff.client.record.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Upstream's RealPodControl (pkg/controller/controller_utils.go): creates a controller's pods from a
 * template (generateName {@code <controller>-}, the template's labels, annotations and finalizers, a
 * controller owner reference) and deletes them, recording the events kubectl shows on the
 * controller: SuccessfulCreate "Created pod: x", FailedCreate "Error creating: ...",
 * SuccessfulDelete "Deleted pod: x", FailedDelete "Error deleting: ...". Failures are thrown.
 */
public final class PodControl {
    private final KubernetesClient client;
    private final EventRecorder events;

    public PodControl(KubernetesClient client, EventRecorder events) {
        this.client = client;
        this.events = events;
    }

    public Pod createPod(HasMetadata controller, PodTemplateSpec template) {
        var meta = template.getMetadata();
        Pod pod = new PodBuilder()
                .withNewMetadata().withGenerateName(controller.getMetadata().getName() + "-").withNamespace(controller.getMetadata().getNamespace())
                .withLabels(meta == null ? null : meta.getLabels()).withAnnotations(meta == null ? null : meta.getAnnotations())
                .withFinalizers(meta == null ? null : meta.getFinalizers())
                .withOwnerReferences(ControllerRefManager.newControllerRef(controller)).endMetadata()
                .withSpec(template.getSpec()).build();
        try {
            Pod created = client.pods().inNamespace(controller.getMetadata().getNamespace()).resource(pod).create();
            events.eventf(controller, EventRecorder.NORMAL, "SuccessfulCreate", "Created pod: %s", created.getMetadata().getName());
            return created;
        } catch (KubernetesClientException e) {
            events.eventf(controller, EventRecorder.WARNING, "FailedCreate", "Error creating: %s", e.getMessage());
            throw e;
        }
    }

    /** Deletes the pod; a pod already gone is a 404 thrown without an event. */
    public void deletePod(HasMetadata controller, String name) {
        try {
            client.pods().inNamespace(controller.getMetadata().getNamespace()).withName(name).delete();
            events.eventf(controller, EventRecorder.NORMAL, "SuccessfulDelete", "Deleted pod: %s", name);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                events.eventf(controller, EventRecorder.WARNING, "FailedDelete", "Error deleting: %s", e.getMessage());
            }
            throw e;
        }
    }
}
