package dev.skiff.controller.job;

import dev.skiff.controller.Pods;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The delay before a job replaces failed pods (upstream's backoff record): 10s after the first
 * failure since the last success, doubling per further failure, at most 10 minutes, measured from
 * the last failure. Upstream keeps the record in memory; skiff derives it from the job's pods on each
 * sync (finished pods stay until the job is deleted), which survives a controller restart too.
 */
final class PodFailureBackoff {
    private PodFailureBackoff() {
    }

    static Duration remaining(List<Pod> pods, Job job, Clock clock) {
        Instant lastSuccess = null;
        for (Pod p : pods) {
            if ("Succeeded".equals(Pods.phase(p))) {
                Instant t = finishTime(p);
                lastSuccess = lastSuccess == null || t.isAfter(lastSuccess) ? t : lastSuccess;
            }
        }
        int failures = 0;
        Instant lastFailure = null;
        for (Pod p : pods) {
            if (!JobController.isPodFailed(p, job) || !PodFailurePolicies.match(job.getSpec().getPodFailurePolicy(), p).countFailed()) {
                continue;
            }
            Instant t = finishTime(p);
            if (lastSuccess == null || t.isAfter(lastSuccess)) {
                failures++;
                lastFailure = lastFailure == null || t.isAfter(lastFailure) ? t : lastFailure;
            }
        }
        if (failures == 0) {
            return Duration.ZERO;
        }
        Duration backoff = JobController.POD_FAILURE_BACKOFF;
        for (int i = 1; i < failures && backoff.compareTo(JobController.MAX_POD_FAILURE_BACKOFF) < 0; i++) {
            backoff = backoff.multipliedBy(2);
        }
        if (backoff.compareTo(JobController.MAX_POD_FAILURE_BACKOFF) > 0) {
            backoff = JobController.MAX_POD_FAILURE_BACKOFF;
        }
        Duration elapsed = Duration.between(lastFailure, clock.instant());
        return elapsed.compareTo(backoff) >= 0 ? Duration.ZERO : backoff.minus(elapsed);
    }

    /** When the pod finished: its last container to terminate, else its Ready=False transition, else its deletion, else its creation. */
    static Instant finishTime(Pod p) {
        Instant latest = null;
        if (p.getStatus() != null) {
            List<ContainerStatus> statuses = new ArrayList<>(JobController.nullToEmpty(p.getStatus().getInitContainerStatuses()));
            statuses.addAll(JobController.nullToEmpty(p.getStatus().getContainerStatuses()));
            for (ContainerStatus cs : statuses) {
                if (cs.getState() != null && cs.getState().getTerminated() != null && cs.getState().getTerminated().getFinishedAt() != null) {
                    Instant t = Instant.parse(cs.getState().getTerminated().getFinishedAt());
                    latest = latest == null || t.isAfter(latest) ? t : latest;
                }
            }
            if (latest == null) {
                for (PodCondition c : JobController.nullToEmpty(p.getStatus().getConditions())) {
                    if ("Ready".equals(c.getType()) && "False".equals(c.getStatus()) && c.getLastTransitionTime() != null) {
                        latest = Instant.parse(c.getLastTransitionTime());
                    }
                }
            }
        }
        if (latest == null && p.getMetadata().getDeletionTimestamp() != null) {
            latest = Instant.parse(p.getMetadata().getDeletionTimestamp());
        }
        if (latest == null && p.getMetadata().getCreationTimestamp() != null) {
            latest = Instant.parse(p.getMetadata().getCreationTimestamp());
        }
        return latest == null ? Instant.EPOCH : latest;
    }
}
