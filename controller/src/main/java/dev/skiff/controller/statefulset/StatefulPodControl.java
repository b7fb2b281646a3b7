package dev.skiff.controller.statefulset;

import dev.skiff.client.record.EventRecorder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Creates, updates and deletes a StatefulSet's pods and creates their claims, recording upstream's
 * events ("create Pod web-0 in StatefulSet web successful", FailedCreate with the error, and the
 * claim events) - upstream's StatefulPodControl.
 */
final class StatefulPodControl {
    private final KubernetesClient client;
    private final EventRecorder events;

    StatefulPodControl(KubernetesClient client, EventRecorder events) {
        this.client = client;
        this.events = events;
    }

    /** Creates the pod's missing claims, then the pod. An existing pod (409) is an error without an event. */
    void create(StatefulSet set, Pod pod) {
        try {
            createMissingClaims(set, pod);
        } catch (KubernetesClientException e) {
            podEvent("create", set, pod, e);
            throw e;
        }
        try {
            client.pods().inNamespace(set.getMetadata().getNamespace()).resource(pod).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                podEvent("create", set, pod, e);
            }
            throw e;
        }
        podEvent("create", set, pod, null);
    }

    /** Puts the identity labels back on a pod that lost them. */
    void updateIdentity(StatefulSet set, Pod pod) {
        try {
            client.pods().inNamespace(set.getMetadata().getNamespace()).resource(StatefulPodIdentity.withIdentity(pod)).update();
            podEvent("update", set, pod, null);
        } catch (KubernetesClientException e) {
            podEvent("update", set, pod, e);
            throw e;
        }
    }

    void delete(StatefulSet set, Pod pod) {
        try {
            client.pods().inNamespace(set.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
            podEvent("delete", set, pod, null);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                podEvent("delete", set, pod, e);
                throw e;
            }
        }
    }

    /**
     * Creates each claim the pod needs that does not exist yet (upstream's createPersistentVolumeClaims);
     * a claim being deleted is an error, so the pod waits for it to go. Claims are read through the
     * API, not an informer: the controller must start on a server that does not serve claims.
     */
    void createMissingClaims(StatefulSet set, Pod pod) {
        for (PersistentVolumeClaim claim : StatefulPodIdentity.claims(set, pod).values()) {
            var ref = client.persistentVolumeClaims().inNamespace(set.getMetadata().getNamespace()).withName(claim.getMetadata().getName());
            PersistentVolumeClaim existing;
            try {
                existing = ref.get();
            } catch (KubernetesClientException e) {
                claimEvent(set, pod, claim, e);
                throw e;
            }
            if (existing != null) {
                if (existing.getMetadata().getDeletionTimestamp() != null) {
                    throw new IllegalStateException("pvc " + claim.getMetadata().getName() + " is being deleted");
                }
                continue;
            }
            try {
                client.persistentVolumeClaims().inNamespace(set.getMetadata().getNamespace()).resource(claim).create();
                claimEvent(set, pod, claim, null);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    claimEvent(set, pod, claim, e);
                    throw e;
                }
            }
        }
    }

    private void podEvent(String verb, StatefulSet set, Pod pod, Exception error) {
        String title = Character.toUpperCase(verb.charAt(0)) + verb.substring(1);
        if (error == null) {
            events.eventf(set, EventRecorder.NORMAL, "Successful" + title, "%s Pod %s in StatefulSet %s successful",
                    verb, pod.getMetadata().getName(), set.getMetadata().getName());
        } else {
            events.eventf(set, EventRecorder.WARNING, "Failed" + title, "%s Pod %s in StatefulSet %s failed error: %s",
                    verb, pod.getMetadata().getName(), set.getMetadata().getName(), error.getMessage());
        }
    }

    private void claimEvent(StatefulSet set, Pod pod, PersistentVolumeClaim claim, Exception error) {
        if (error == null) {
            events.eventf(set, EventRecorder.NORMAL, "SuccessfulCreate", "create Claim %s Pod %s in StatefulSet %s success",
                    claim.getMetadata().getName(), pod.getMetadata().getName(), set.getMetadata().getName());
        } else {
            events.eventf(set, EventRecorder.WARNING, "FailedCreate", "create Claim %s for Pod %s in StatefulSet %s failed error: %s",
                    claim.getMetadata().getName(), pod.getMetadata().getName(), set.getMetadata().getName(), error.getMessage());
        }
    }
}
