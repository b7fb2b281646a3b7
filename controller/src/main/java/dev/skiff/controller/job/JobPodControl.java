package dev.skiff.controller.job;

import dev.skiff.client.record.EventRecorder;
import dev.skiff.controller.ControllerRefManager;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the Job controller writes pods (upstream's PodControl plus the job's finalizer patch): creates
 * them from the template with the tracking finalizer and the controller reference, deletes them,
 * and removes the finalizer; each write records the event upstream records.
 */
final class JobPodControl {
    private static final Logger LOG = LoggerFactory.getLogger(JobPodControl.class);
    static final String TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
    private static final String REMOVE_FINALIZER_PATCH =
            "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"" + TRACKING_FINALIZER + "\"]}}";

    private final KubernetesClient client;
    private final EventRecorder events;

    JobPodControl(KubernetesClient client, EventRecorder events) {
        this.client = client;
        this.events = events;
    }

    static boolean hasTrackingFinalizer(Pod pod) {
        return pod.getMetadata().getFinalizers() != null && pod.getMetadata().getFinalizers().contains(TRACKING_FINALIZER);
    }

    /** The job's template as every new pod starts from it: the tracking finalizer added, and for Indexed jobs the index variable. */
    static PodTemplateSpec podTemplate(Job job, boolean indexed) {
        PodTemplateSpec template = new PodTemplateSpecBuilder(job.getSpec().getTemplate()).build();
        if (template.getMetadata() == null) {
            template.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
        }
        List<String> finalizers = template.getMetadata().getFinalizers() == null ? new ArrayList<>() : new ArrayList<>(template.getMetadata().getFinalizers());
        if (!finalizers.contains(TRACKING_FINALIZER)) {
            finalizers.add(TRACKING_FINALIZER);
        }
        template.getMetadata().setFinalizers(finalizers);
        if (indexed) {
            CompletionIndexes.addEnv(template);
        }
        return template;
    }

    /** Creates one pod; {@code index} is the completion index or {@link CompletionIndexes#UNKNOWN}. False (after a FailedCreate event) on error. */
    boolean create(Job job, PodTemplateSpec template, int index) {
        var labels = new HashMap<String, String>();
        var annotations = new HashMap<String, String>();
        if (template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        if (template.getMetadata().getAnnotations() != null) {
            annotations.putAll(template.getMetadata().getAnnotations());
        }
        String generateName = job.getMetadata().getName() + "-";
        var spec = new io.fabric8.kubernetes.api.model.PodSpecBuilder(template.getSpec()).build();
        if (index != CompletionIndexes.UNKNOWN) {
            annotations.put(CompletionIndexes.ANNOTATION, String.valueOf(index));
            labels.put(CompletionIndexes.LABEL, String.valueOf(index));
            spec.setHostname(job.getMetadata().getName() + "-" + index);
            generateName = job.getMetadata().getName() + "-" + index + "-";
        }
        Pod pod = new PodBuilder().withNewMetadata().withGenerateName(generateName).withNamespace(job.getMetadata().getNamespace())
                .withLabels(labels).withAnnotations(annotations).withFinalizers(template.getMetadata().getFinalizers())
                .withOwnerReferences(ControllerRefManager.newControllerRef(job)).endMetadata()
                .withSpec(spec).build();
        try {
            Pod created = client.pods().inNamespace(job.getMetadata().getNamespace()).resource(pod).create();
            events.eventf(job, EventRecorder.NORMAL, "SuccessfulCreate", "Created pod: %s", created.getMetadata().getName());
            return true;
        } catch (KubernetesClientException e) {
            events.eventf(job, EventRecorder.WARNING, "FailedCreate", "Error creating: %s", e.getMessage());
            LOG.info("job={}/{} creating a pod failed: {}", job.getMetadata().getNamespace(), job.getMetadata().getName(), e.getMessage());
            return false;
        }
    }

    /** Deletes the pod, keeping its finalizer (so it is still counted); true when it is gone or going. */
    boolean delete(Job job, Pod pod) {
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
            events.eventf(job, EventRecorder.NORMAL, "SuccessfulDelete", "Deleted pod: %s", pod.getMetadata().getName());
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return true;
            }
            events.eventf(job, EventRecorder.WARNING, "FailedDelete", "Error deleting: %s", e.getMessage());
            return false;
        }
    }

    /** Removes the tracking finalizer; true when it is gone (or the pod is). */
    boolean removeFinalizer(Pod pod) {
        if (!hasTrackingFinalizer(pod)) {
            return true;
        }
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), REMOVE_FINALIZER_PATCH);
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return true;
            }
            LOG.info("pod={}/{} removing the job tracking finalizer failed, will retry: {}", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), e.getMessage());
            return false;
        }
    }
}
