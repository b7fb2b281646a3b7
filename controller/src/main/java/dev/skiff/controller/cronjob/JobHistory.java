package dev.skiff.controller.cronjob;

import dev.skiff.client.record.EventRecorder;
import dev.skiff.controller.job.JobConditions;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;

/**
 * A CronJob's finished jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit are deleted,
 * oldest first (upstream's cleanupFinishedJobs / removeOldestJobs), with Background propagation.
 */
final class JobHistory {
    private final KubernetesClient client;
    private final EventRecorder events;

    JobHistory(KubernetesClient client, EventRecorder events) {
        this.client = client;
        this.events = events;
    }

    /** Deletes what exceeds the limits; true when {@code cj}'s status changed (a deleted job left status.active). */
    boolean cleanup(CronJob cj, List<Job> owned) {
        Integer successful = cj.getSpec().getSuccessfulJobsHistoryLimit();
        Integer failed = cj.getSpec().getFailedJobsHistoryLimit();
        if (successful == null && failed == null) {
            return false;
        }
        boolean changed = false;
        if (successful != null) {
            changed |= removeOldest(cj, owned, JobConditions.COMPLETE, successful);
        }
        if (failed != null) {
            changed |= removeOldest(cj, owned, JobConditions.FAILED, failed);
        }
        return changed;
    }

    private boolean removeOldest(CronJob cj, List<Job> owned, String finishedType, int limit) {
        List<Job> finished = owned.stream().filter(j -> finishedType.equals(JobConditions.finishedType(j))
                && j.getMetadata().getDeletionTimestamp() == null).sorted(CronJobController.BY_START_TIME).toList();
        boolean changed = false;
        for (int i = 0; i < finished.size() - limit; i++) {
            Job j = finished.get(i);
            if (delete(client, events, cj, j) && cj.getStatus().getActive() != null
                    && cj.getStatus().getActive().stream().anyMatch(r -> j.getMetadata().getUid().equals(r.getUid()))) {
                var active = new ArrayList<>(cj.getStatus().getActive());
                active.removeIf(r -> j.getMetadata().getUid().equals(r.getUid()));
                cj.getStatus().setActive(active);
                changed = true;
            }
        }
        return changed;
    }

    /** Deletes the job and its pods (Background); records SuccessfulDelete or FailedDelete. */
    static boolean delete(KubernetesClient client, EventRecorder events, CronJob cj, Job job) {
        try {
            client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).withName(job.getMetadata().getName())
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            events.eventf(cj, EventRecorder.NORMAL, "SuccessfulDelete", "Deleted job %s", job.getMetadata().getName());
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return true;
            }
            events.eventf(cj, EventRecorder.WARNING, "FailedDelete", "Deleted job: %s", e.getMessage());
            return false;
        }
    }
}
