package dev.skiff.controller.job;

import static dev.skiff.controller.job.JobPodControl.hasTrackingFinalizer;

import dev.skiff.client.record.EventRecorder;
import dev.skiff.controller.Pods;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.UncountedTerminatedPods;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Counting finished pods exactly once (upstream's trackJobStatusAndRemoveFinalizers): a finished pod
 * that still carries the tracking finalizer is first written to {@code status.uncountedTerminatedPods}
 * (Indexed jobs: straight to {@code completedIndexes}), then its finalizer is removed, then its uid
 * moves from the uncounted list into {@code succeeded}/{@code failed}. A crash between the steps
 * leaves the uid in the list, so it is neither lost nor counted twice. The final Complete/Failed
 * condition is added only when nothing is uncounted and no pod is left terminating.
 */
final class JobStatusTracking {
    /** Upstream's MaxUncountedPods: keeps the uid lists small and one sync bounded. */
    static final int MAX_UNCOUNTED_PODS = 500;

    private final JobController jc;
    private final String key;

    JobStatusTracking(JobController jc, String key) {
        this.jc = jc;
        this.key = key;
    }

    void track(JobController.SyncContext ctx, boolean needsFlush) {
        Job job = ctx.job;
        boolean indexed = JobController.isIndexed(job);
        UncountedTerminatedPods uncounted = job.getStatus().getUncountedTerminatedPods();
        Set<String> uidsWithFinalizer = new HashSet<>();
        for (Pod p : ctx.pods) {
            if (hasTrackingFinalizer(p) && !ctx.expectedRemovals.contains(p.getMetadata().getUid())) {
                uidsWithFinalizer.add(p.getMetadata().getUid());
            }
        }
        needsFlush |= countUidsWithoutFinalizer(job, uidsWithFinalizer);
        List<Pod> toRemoveFinalizer = new ArrayList<>();
        List<Integer> newSucceededIndexes = new ArrayList<>();
        List<String> succeededUids = new ArrayList<>(JobController.nullToEmpty(uncounted.getSucceeded()));
        List<String> failedUids = new ArrayList<>(JobController.nullToEmpty(uncounted.getFailed()));
        boolean reachedMax = false;
        List<Pod> pods = indexed ? ctx.pods.stream().sorted(java.util.Comparator.comparingInt(CompletionIndexes::of)).toList() : ctx.pods;
        for (Pod p : pods) {
            String uid = p.getMetadata().getUid();
            if (!hasTrackingFinalizer(p) || ctx.expectedRemovals.contains(uid)) {
                continue; // counted in an earlier sync
            }
            boolean failed = JobController.isPodFailed(p, job);
            boolean jobOver = job.getMetadata().getDeletionTimestamp() != null || ctx.finishedCondition != null;
            if (!jobOver && !failed && !"Succeeded".equals(Pods.phase(p))) {
                continue; // still running: the finalizer stays
            }
            toRemoveFinalizer.add(p);
            int ix = CompletionIndexes.of(p);
            boolean validIndex = !indexed || (ix != CompletionIndexes.UNKNOWN && ix < job.getSpec().getCompletions());
            if ("Succeeded".equals(Pods.phase(p)) && !ctx.uncountedFailed.contains(uid)) {
                if (indexed) {
                    if (validIndex && !ctx.prevSucceededIndexes.contains(ix)) {
                        newSucceededIndexes.add(ix);
                        needsFlush = true;
                    }
                } else if (!ctx.uncountedSucceeded.contains(uid)) {
                    succeededUids.add(uid);
                    needsFlush = true;
                }
            } else if (failed || (ctx.finishedCondition != null && !JobConditions.SUCCESS_CRITERIA_MET.equals(ctx.finishedCondition.getType()))) {
                // once the job is failing, every pod that did not succeed counts as failed
                if (!ctx.uncountedFailed.contains(uid) && validIndex
                        && PodFailurePolicies.match(job.getSpec().getPodFailurePolicy(), p).countFailed()) {
                    failedUids.add(uid);
                    needsFlush = true;
                }
            }
            if (newSucceededIndexes.size() + succeededUids.size() + failedUids.size() >= MAX_UNCOUNTED_PODS) {
                reachedMax = true;
                break;
            }
        }
        uncounted.setSucceeded(succeededUids);
        uncounted.setFailed(failedUids);
        if (indexed) {
            var all = new TreeSet<>(ctx.prevSucceededIndexes);
            all.addAll(newSucceededIndexes);
            String completed = CompletionIndexes.format(all);
            if (!completed.equals(job.getStatus().getCompletedIndexes())) {
                needsFlush = true;
            }
            job.getStatus().setSucceeded(all.size());
            job.getStatus().setCompletedIndexes(completed);
        }
        JobCondition finished = ctx.finishedCondition;
        if (finished != null && JobConditions.FAILURE_TARGET.equals(finished.getType())) {
            JobConditions.append(job, finished); // the reason is recorded before any finalizer goes
            needsFlush = true;
            finished = JobConditions.of(JobConditions.FAILED, finished.getReason(), finished.getMessage(), jc.clock);
        }
        if (finished != null && JobConditions.SUCCESS_CRITERIA_MET.equals(finished.getType())) {
            if (JobConditions.find(job, JobConditions.SUCCESS_CRITERIA_MET) == null) {
                JobConditions.append(job, finished);
                needsFlush = true;
            }
            finished = JobConditions.of(JobConditions.COMPLETE, finished.getReason(), finished.getMessage(), jc.clock);
        }
        if (needsFlush) {
            job = updateStatus(job);
            needsFlush = false;
        }
        boolean removalFailed = false;
        if (!toRemoveFinalizer.isEmpty()) {
            jc.expectFinalizerRemovals(key, toRemoveFinalizer);
            for (Pod p : toRemoveFinalizer) {
                if (jc.podControl.removeFinalizer(p)) {
                    uidsWithFinalizer.remove(p.getMetadata().getUid());
                } else {
                    removalFailed = true;
                    jc.expectedFinalizerRemovals.getOrDefault(key, new HashSet<>()).remove(p.getMetadata().getUid());
                }
            }
        }
        needsFlush |= countUidsWithoutFinalizer(job, uidsWithFinalizer);
        if (removalFailed) {
            if (needsFlush) {
                updateStatus(job);
            }
            throw new IllegalStateException("removing tracking finalizers failed");
        }
        boolean jobFinished = !reachedMax && enactFinished(job, ctx, finished);
        if (needsFlush || jobFinished) {
            job = updateStatus(job);
            if (jobFinished) {
                recordFinished(job, finished);
            }
        }
    }

    /** Moves uids whose pods no longer carry the finalizer from the uncounted lists into the counters. */
    private static boolean countUidsWithoutFinalizer(Job job, Set<String> uidsWithFinalizer) {
        UncountedTerminatedPods uncounted = job.getStatus().getUncountedTerminatedPods();
        boolean changed = false;
        List<String> succeeded = JobController.nullToEmpty(uncounted.getSucceeded());
        List<String> keep = succeeded.stream().filter(uidsWithFinalizer::contains).toList();
        if (keep.size() != succeeded.size()) {
            changed = true;
            job.getStatus().setSucceeded(JobController.intOr(job.getStatus().getSucceeded(), 0) + succeeded.size() - keep.size());
            uncounted.setSucceeded(new ArrayList<>(keep));
        }
        List<String> failed = JobController.nullToEmpty(uncounted.getFailed());
        keep = failed.stream().filter(uidsWithFinalizer::contains).toList();
        if (keep.size() != failed.size()) {
            changed = true;
            job.getStatus().setFailed(JobController.intOr(job.getStatus().getFailed(), 0) + failed.size() - keep.size());
            uncounted.setFailed(new ArrayList<>(keep));
        }
        return changed;
    }

    /** Adds Complete (with completionTime) or Failed once nothing is uncounted and nothing terminates. */
    private boolean enactFinished(Job job, JobController.SyncContext ctx, JobCondition finished) {
        if (finished == null) {
            return false;
        }
        UncountedTerminatedPods uncounted = job.getStatus().getUncountedTerminatedPods();
        if (!JobController.nullToEmpty(uncounted.getSucceeded()).isEmpty() || !JobController.nullToEmpty(uncounted.getFailed()).isEmpty()) {
            return false;
        }
        if (ctx.terminating > 0) {
            return false;
        }
        JobConditions.ensure(job, finished.getType(), "True", finished.getReason(), finished.getMessage(), jc.clock);
        if (JobConditions.COMPLETE.equals(finished.getType())) {
            job.getStatus().setCompletionTime(JobConditions.find(job, JobConditions.COMPLETE).getLastTransitionTime());
        }
        return true;
    }

    private void recordFinished(Job job, JobCondition finished) {
        if (JobConditions.COMPLETE.equals(finished.getType())) {
            Integer completions = job.getSpec().getCompletions();
            if (completions != null && JobController.intOr(job.getStatus().getSucceeded(), 0) > completions) {
                jc.events.event(job, EventRecorder.WARNING, "TooManySucceededPods", "Too many succeeded pods running after completion count reached");
            }
            jc.events.event(job, EventRecorder.NORMAL, "Completed", "Job completed");
        } else {
            jc.events.event(job, EventRecorder.WARNING, finished.getReason(), finished.getMessage());
        }
    }

    private Job updateStatus(Job job) {
        try {
            Job updated = jc.client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).resource(job).updateStatus();
            if (updated.getStatus().getUncountedTerminatedPods() == null) {
                updated.getStatus().setUncountedTerminatedPods(new UncountedTerminatedPods());
            }
            return updated;
        } catch (KubernetesClientException e) {
            // a conflict means a newer job: the informer's event syncs it again; the error requeues this key
            throw new IllegalStateException("updating the status of job " + key + " failed: " + e.getMessage(), e);
        }
    }
}
