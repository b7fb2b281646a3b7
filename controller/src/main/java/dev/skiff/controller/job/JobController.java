package dev.skiff.controller.job;

import static dev.skiff.controller.job.JobPodControl.hasTrackingFinalizer;

import dev.skiff.client.controller.Controller;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import dev.skiff.controller.ControllerExpectations;
import dev.skiff.controller.ControllerRefManager;
import dev.skiff.controller.PodReadiness;
import dev.skiff.controller.Pods;
import dev.skiff.controller.SlowStart;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.UncountedTerminatedPods;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Upstream's Job controller (pkg/controller/job): runs a job's pods to completion. It creates pods
 * from the template up to parallelism (Indexed jobs: one per pending completion index), counts
 * finished pods exactly once through the {@code batch.kubernetes.io/job-tracking} finalizer and
 * {@code status.uncountedTerminatedPods}, fails the job on backoffLimit, activeDeadlineSeconds or a
 * FailJob pod failure policy rule, deletes its pods while suspended, and - as upstream since 1.31 -
 * first records the interim FailureTarget / SuccessCriteriaMet condition and adds Failed / Complete
 * only once no pod is left terminating. See {@link JobStatusTracking} for the counting.
 */
public final class JobController implements AutoCloseable {
    public static final String NAME = "job";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, JobController::start);
    /** Upstream's DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
    static final Duration POD_FAILURE_BACKOFF = Duration.ofSeconds(10);
    static final Duration MAX_POD_FAILURE_BACKOFF = Duration.ofMinutes(10);
    /** Upstream's MaxPodCreateDeletePerSync. */
    static final int MAX_POD_CREATE_DELETE_PER_SYNC = 500;

    final KubernetesClient client;
    final Clock clock;
    private final Lister<Job> jobs;
    private final SharedIndexInformer<Job> jobInformer;
    private final SharedIndexInformer<Pod> podInformer;
    private final ControllerExpectations expectations;
    /** Upstream's finalizerExpectations: pods whose finalizer removal was asked for but not yet seen, per job key. */
    final Map<String, Set<String>> expectedFinalizerRemovals = new ConcurrentHashMap<>();
    private final RateLimitingQueue<String> queue;
    private final Controller controller;
    final EventRecorder events;
    final JobPodControl podControl;

    private JobController(ControllerContext context) {
        this.client = context.client();
        this.clock = context.clock();
        this.expectations = new ControllerExpectations(clock);
        this.queue = RateLimitingQueue.withDefaultRateLimiter(clock);
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.events = context.eventRecorder("job-controller");
        this.podControl = new JobPodControl(client, events);
        this.jobInformer = context.informers().sharedIndexInformerFor(Job.class, 0);
        this.jobs = new Lister<>(jobInformer.getIndexer());
        this.podInformer = context.informers().sharedIndexInformerFor(Pod.class, 0);
        jobInformer.addEventHandler(controller.enqueueingHandler());
        podInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                String key = jobKey(pod);
                if (key != null) {
                    if (pod.getMetadata().getDeletionTimestamp() != null) {
                        expectations.deletionObserved(key);
                    } else {
                        expectations.creationObserved(key);
                    }
                    queue.add(key);
                }
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
                if (Objects.equals(oldPod.getMetadata().getResourceVersion(), newPod.getMetadata().getResourceVersion())) {
                    return;
                }
                String key = jobKey(newPod);
                if (key == null) {
                    return;
                }
                if (newPod.getMetadata().getDeletionTimestamp() != null && oldPod.getMetadata().getDeletionTimestamp() == null) {
                    expectations.deletionObserved(key);
                }
                if (!hasTrackingFinalizer(newPod)) {
                    finalizerRemovalObserved(key, newPod);
                }
                queue.add(key);
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                String key = jobKey(pod);
                if (key != null) {
                    expectations.deletionObserved(key);
                    finalizerRemovalObserved(key, pod);
                    queue.add(key);
                }
            }
        });
    }

    static AutoCloseable start(ControllerContext context) {
        var jc = new JobController(context);
        context.runWhenSynced(jc.controller, List.of(jc.jobInformer, jc.podInformer));
        return jc;
    }

    /** The key of the job a pod's controller reference names (whether or not that job still exists). */
    private static String jobKey(Pod pod) {
        OwnerReference ref = ControllerRefManager.controllerRef(pod);
        return ref == null || !"Job".equals(ref.getKind()) ? null : pod.getMetadata().getNamespace() + "/" + ref.getName();
    }

    private void finalizerRemovalObserved(String key, Pod pod) {
        Set<String> pending = expectedFinalizerRemovals.get(key);
        if (pending != null) {
            pending.remove(pod.getMetadata().getUid());
        }
    }

    // --- sync

    /** What one sync knows about a job (upstream's syncJobCtx). */
    static final class SyncContext {
        Job job;
        List<Pod> pods;
        List<Pod> activePods;
        int ready;
        int terminating;
        Set<String> uncountedSucceeded;
        Set<String> uncountedFailed;
        Set<String> expectedRemovals;
        int succeeded;
        int failed;
        SortedSet<Integer> prevSucceededIndexes;
        SortedSet<Integer> succeededIndexes;
        /** The condition this sync moves the job towards (FailureTarget, SuccessCriteriaMet, or the final Failed/Complete). */
        JobCondition finishedCondition;
    }

    void sync(String key) throws Exception {
        var k = Controller.ObjectKey.parse(key);
        Job shared = jobs.namespace(k.namespace()).get(k.name());
        if (shared == null) {
            expectations.delete(key);
            expectedFinalizerRemovals.remove(key);
            releaseOrphanPods(k.namespace(), k.name());
            return;
        }
        if (JobConditions.isFinished(shared)) {
            return;
        }
        String mode = shared.getSpec().getCompletionMode();
        if (mode != null && !mode.equals("NonIndexed") && !mode.equals("Indexed")) {
            events.event(shared, EventRecorder.WARNING, "UnknownCompletionMode", "Skipped Job sync because completion mode is unknown");
            return;
        }
        SyncContext ctx = new SyncContext();
        ctx.job = new JobBuilder(shared).build();
        Job job = ctx.job;
        if (job.getStatus() == null) {
            job.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatus());
        }
        if (job.getStatus().getUncountedTerminatedPods() == null) {
            job.getStatus().setUncountedTerminatedPods(new UncountedTerminatedPods());
        }
        boolean satisfied = expectations.satisfied(key);
        ctx.pods = podInformer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, job.getMetadata().getNamespace()).stream()
                .filter(p -> ControllerRefManager.isControlledBy(p, job)).toList();
        ctx.activePods = ctx.pods.stream().filter(Pods::isActive).toList();
        ctx.ready = (int) ctx.activePods.stream().filter(PodReadiness::isReady).count();
        ctx.terminating = (int) ctx.pods.stream().filter(Pods::isTerminating).count();
        ctx.uncountedSucceeded = new HashSet<>(nullToEmpty(job.getStatus().getUncountedTerminatedPods().getSucceeded()));
        ctx.uncountedFailed = new HashSet<>(nullToEmpty(job.getStatus().getUncountedTerminatedPods().getFailed()));
        ctx.expectedRemovals = Set.copyOf(expectedFinalizerRemovals.getOrDefault(key, Set.of()));
        int active = ctx.activePods.size();

        List<Pod> newSucceeded = newFinishedPods(ctx, ctx.uncountedSucceeded, p -> "Succeeded".equals(Pods.phase(p)));
        List<Pod> newFailed = newFinishedPods(ctx, ctx.uncountedFailed, p -> isPodFailed(p, job));
        long newCountedFailed = newFailed.stream().filter(p -> PodFailurePolicies.match(job.getSpec().getPodFailurePolicy(), p).countFailed()).count();
        ctx.succeeded = intOr(job.getStatus().getSucceeded(), 0) + newSucceeded.size() + ctx.uncountedSucceeded.size();
        ctx.failed = intOr(job.getStatus().getFailed(), 0) + (int) newCountedFailed + ctx.uncountedFailed.size();

        boolean suspended = Boolean.TRUE.equals(job.getSpec().getSuspend());
        if (job.getStatus().getStartTime() == null && !suspended) {
            job.getStatus().setStartTime(JobConditions.now(clock));
        }

        ctx.finishedCondition = JobConditions.find(job, JobConditions.SUCCESS_CRITERIA_MET);
        if (ctx.finishedCondition == null) {
            JobCondition target = JobConditions.find(job, JobConditions.FAILURE_TARGET);
            String failJob = failJobMessage(job, ctx.pods);
            if (target != null && "True".equals(target.getStatus())) {
                ctx.finishedCondition = JobConditions.of(JobConditions.FAILED, target.getReason(), target.getMessage(), clock);
            } else if (failJob != null) {
                ctx.finishedCondition = JobConditions.of(JobConditions.FAILURE_TARGET, "PodFailurePolicy", failJob, clock);
            }
        }
        if (ctx.finishedCondition == null) {
            Duration deadlineLeft = activeDeadlineLeft(job);
            if (ctx.failed > intOr(job.getSpec().getBackoffLimit(), 6) || pastBackoffLimitOnFailure(job, ctx.pods)) {
                ctx.finishedCondition = JobConditions.of(JobConditions.FAILURE_TARGET, "BackoffLimitExceeded",
                        "Job has reached the specified backoff limit", clock);
            } else if (deadlineLeft != null && !deadlineLeft.isPositive()) {
                ctx.finishedCondition = JobConditions.of(JobConditions.FAILURE_TARGET, "DeadlineExceeded",
                        "Job was active longer than specified deadline", clock);
            } else if (deadlineLeft != null) {
                queue.addAfter(key, deadlineLeft);
            }
        }
        boolean indexed = isIndexed(job);
        if (indexed) {
            int completions = job.getSpec().getCompletions();
            ctx.prevSucceededIndexes = CompletionIndexes.parse(job.getStatus().getCompletedIndexes(), completions);
            ctx.succeededIndexes = new TreeSet<>(ctx.prevSucceededIndexes);
            for (Pod p : ctx.pods) {
                int ix = CompletionIndexes.of(p);
                if ("Succeeded".equals(Pods.phase(p)) && ix != CompletionIndexes.UNKNOWN && ix < completions) {
                    ctx.succeededIndexes.add(ix);
                }
            }
            ctx.succeeded = ctx.succeededIndexes.size();
        }

        boolean suspendChanged = false;
        Exception manageError = null;
        if (ctx.finishedCondition != null) {
            // the job is over: delete what still runs, keeping finalizers so that these pods are counted as failed
            int deleted = 0;
            for (Pod p : ctx.activePods) {
                if (podControl.delete(job, p)) {
                    deleted++;
                    ctx.ready -= PodReadiness.isReady(p) ? 1 : 0;
                }
            }
            if (deleted != active || !satisfied) {
                ctx.finishedCondition = null; // pods or finalizers may remain that the cache does not show yet
            }
            active -= deleted;
            ctx.terminating += deleted;
            if (deleted < ctx.activePods.size()) {
                manageError = new IllegalStateException("deleting the pods of a finished job failed");
            }
        } else {
            boolean managed = false;
            if (satisfied && job.getMetadata().getDeletionTimestamp() == null) {
                try {
                    active = manageJob(key, ctx);
                } catch (IllegalStateException e) {
                    manageError = e;
                    active = ctx.activePods.size();
                }
                managed = true;
            }
            Integer completions = job.getSpec().getCompletions();
            boolean complete = completions == null ? ctx.succeeded > 0 && active == 0 : ctx.succeeded >= completions && active == 0;
            if (complete) {
                ctx.finishedCondition = JobConditions.of(JobConditions.SUCCESS_CRITERIA_MET, "CompletionsReached",
                        "Reached expected number of succeeded pods", clock);
            } else if (managed) {
                suspendChanged = suspended
                        ? JobConditions.ensure(job, JobConditions.SUSPENDED, "True", "JobSuspended", "Job suspended", clock)
                        : JobConditions.ensure(job, JobConditions.SUSPENDED, "False", "JobResumed", "Job resumed", clock);
                if (suspendChanged) {
                    events.event(job, EventRecorder.NORMAL, suspended ? "Suspended" : "Resumed", suspended ? "Job suspended" : "Job resumed");
                    if (!suspended) {
                        // activeDeadlineSeconds counts continuous activity: resuming starts the clock again
                        job.getStatus().setStartTime(JobConditions.now(clock));
                    }
                }
            }
        }
        boolean needsUpdate = suspendChanged || active != intOr(job.getStatus().getActive(), 0)
                || !Objects.equals(ctx.ready, job.getStatus().getReady()) || !Objects.equals(ctx.terminating, job.getStatus().getTerminating())
                || !Objects.equals(shared.getStatus() == null ? null : shared.getStatus().getStartTime(), job.getStatus().getStartTime());
        job.getStatus().setActive(active);
        job.getStatus().setReady(ctx.ready);
        job.getStatus().setTerminating(ctx.terminating);
        new JobStatusTracking(this, key).track(ctx, needsUpdate);
        if (manageError != null) {
            throw manageError;
        }
    }

    /** Finished pods that still carry the finalizer and are not yet in the uncounted list (upstream's getNewFinishedPods). */
    private static List<Pod> newFinishedPods(SyncContext ctx, Set<String> uncounted, java.util.function.Predicate<Pod> finished) {
        boolean indexed = isIndexed(ctx.job);
        List<Pod> out = new ArrayList<>();
        for (Pod p : ctx.pods) {
            String uid = p.getMetadata().getUid();
            if (!hasTrackingFinalizer(p) || uncounted.contains(uid) || ctx.expectedRemovals.contains(uid)) {
                continue;
            }
            if (indexed) {
                int ix = CompletionIndexes.of(p);
                if (ix == CompletionIndexes.UNKNOWN || ix >= ctx.job.getSpec().getCompletions()) {
                    continue;
                }
            }
            if (finished.test(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** Creates or deletes pods towards the wanted number of active ones; returns how many are active now (upstream's manageJob). */
    private int manageJob(String key, SyncContext ctx) throws InterruptedException {
        Job job = ctx.job;
        int active = ctx.activePods.size();
        if (Boolean.TRUE.equals(job.getSpec().getSuspend())) {
            return active - deleteJobPods(key, ctx, ctx.activePods);
        }
        int parallelism = intOr(job.getSpec().getParallelism(), 1);
        Integer completions = job.getSpec().getCompletions();
        int wantActive;
        if (completions == null) {
            wantActive = ctx.succeeded > 0 ? active : parallelism; // once one pod succeeded, the rest just finish
        } else {
            wantActive = Math.max(0, Math.min(completions - ctx.succeeded, parallelism));
        }
        List<Pod> toDelete = podsForRemoval(job, ctx.activePods, Math.max(0, active - wantActive));
        if (!toDelete.isEmpty()) {
            return active - deleteJobPods(key, ctx, toDelete.subList(0, Math.min(toDelete.size(), MAX_POD_CREATE_DELETE_PER_SYNC)));
        }
        int diff = wantActive - (onlyReplaceFailedPods(job) ? ctx.terminating : 0) - active;
        if (diff <= 0) {
            return active;
        }
        Duration wait = PodFailureBackoff.remaining(ctx.pods, job, clock);
        if (wait.isPositive()) {
            queue.addAfter(key, wait);
            return active;
        }
        diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
        boolean indexed = isIndexed(job);
        List<Integer> indexes = List.of();
        if (indexed) {
            Set<Integer> held = new HashSet<>();
            for (Pod p : onlyReplaceFailedPods(job) ? ctx.pods.stream().filter(p -> Pods.isActive(p) || Pods.isTerminating(p)).toList() : ctx.activePods) {
                held.add(CompletionIndexes.of(p));
            }
            indexes = CompletionIndexes.firstPending(ctx.succeededIndexes, held, diff, completions);
            diff = indexes.size();
        }
        expectations.expectCreations(key, diff);
        PodTemplateSpec template = JobPodControl.podTemplate(job, indexed);
        List<Integer> toCreate = indexes;
        int created = SlowStart.batch(diff, i -> podControl.create(job, template, toCreate.isEmpty() ? CompletionIndexes.UNKNOWN : toCreate.get(i)));
        for (int i = created; i < diff; i++) {
            expectations.creationObserved(key); // never coming
        }
        if (created < diff) {
            throw new IllegalStateException("creating pods failed: " + created + " of " + diff + " created");
        }
        return active + created;
    }

    /** Removes the finalizer then deletes each pod (the pod is not counted); returns how many went. */
    private int deleteJobPods(String key, SyncContext ctx, List<Pod> pods) {
        expectations.expectDeletions(key, pods.size());
        int removed = 0;
        for (Pod p : pods) {
            if (podControl.removeFinalizer(p) && podControl.delete(ctx.job, p)) {
                removed++;
                ctx.terminating++;
                ctx.ready -= PodReadiness.isReady(p) ? 1 : 0;
            } else {
                expectations.deletionObserved(key);
            }
        }
        if (removed < pods.size()) {
            throw new IllegalStateException("deleting pods failed: " + removed + " of " + pods.size() + " deleted");
        }
        return removed;
    }

    /** Upstream's activePodsForRemoval: for Indexed jobs pods with a bad or repeated index go first, then by rank. */
    private static List<Pod> podsForRemoval(Job job, List<Pod> active, int atLeast) {
        List<Pod> remove = new ArrayList<>();
        List<Pod> left = new ArrayList<>(active);
        if (isIndexed(job)) {
            Set<Integer> seen = new HashSet<>();
            for (Pod p : Pods.rankedForDeletion(active, active.size()).reversed()) {
                int ix = CompletionIndexes.of(p);
                if (ix == CompletionIndexes.UNKNOWN || ix >= job.getSpec().getCompletions() || !seen.add(ix)) {
                    remove.add(p);
                    left.remove(p);
                }
            }
        }
        if (remove.size() < atLeast) {
            remove.addAll(Pods.rankedForDeletion(left, atLeast - remove.size()));
        }
        return remove;
    }

    /** Pods of a deleted job keep no finalizer: once the job is surely gone, they are released. */
    private void releaseOrphanPods(String namespace, String name) {
        List<Pod> held = podInformer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace).stream()
                .filter(p -> hasTrackingFinalizer(p) && ControllerRefManager.controllerRef(p) != null
                        && "Job".equals(ControllerRefManager.controllerRef(p).getKind()) && name.equals(ControllerRefManager.controllerRef(p).getName()))
                .toList();
        if (held.isEmpty()) {
            return;
        }
        Job live = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
        for (Pod p : held) {
            if (live == null || !live.getMetadata().getUid().equals(ControllerRefManager.controllerRef(p).getUid())) {
                podControl.removeFinalizer(p);
            }
        }
    }

    // --- the rules

    static boolean isIndexed(Job job) {
        return "Indexed".equals(job.getSpec().getCompletionMode());
    }

    /** Pods being deleted are replaced only once they failed (podReplacementPolicy Failed, implied by a pod failure policy). */
    static boolean onlyReplaceFailedPods(Job job) {
        return "Failed".equals(job.getSpec().getPodReplacementPolicy()) || job.getSpec().getPodFailurePolicy() != null;
    }

    /** Upstream's isPodFailed: failed, or - unless only failed pods are replaced - deleted before succeeding. */
    static boolean isPodFailed(Pod p, Job job) {
        if ("Failed".equals(Pods.phase(p))) {
            return true;
        }
        if (onlyReplaceFailedPods(job)) {
            return false;
        }
        return p.getMetadata().getDeletionTimestamp() != null && !"Succeeded".equals(Pods.phase(p));
    }

    private static String failJobMessage(Job job, List<Pod> pods) {
        if (job.getSpec().getPodFailurePolicy() == null) {
            return null;
        }
        for (Pod p : pods) {
            if (isPodFailed(p, job)) {
                String message = PodFailurePolicies.match(job.getSpec().getPodFailurePolicy(), p).failJobMessage();
                if (message != null) {
                    return message;
                }
            }
        }
        return null;
    }

    /** For restartPolicy OnFailure, container restarts of running pods count against backoffLimit. */
    private static boolean pastBackoffLimitOnFailure(Job job, List<Pod> pods) {
        if (!"OnFailure".equals(job.getSpec().getTemplate().getSpec().getRestartPolicy())) {
            return false;
        }
        int restarts = 0;
        for (Pod p : pods) {
            if (("Running".equals(Pods.phase(p)) || "Pending".equals(Pods.phase(p))) && p.getStatus() != null) {
                for (var list : java.util.Arrays.asList(p.getStatus().getInitContainerStatuses(), p.getStatus().getContainerStatuses())) {
                    for (var cs : nullToEmpty(list)) {
                        restarts += intOr(cs.getRestartCount(), 0);
                    }
                }
            }
        }
        int limit = intOr(job.getSpec().getBackoffLimit(), 6);
        return limit == 0 ? restarts > 0 : restarts >= limit;
    }

    /** Time left before activeDeadlineSeconds passes; null when there is no deadline or the job is suspended or not started. */
    private Duration activeDeadlineLeft(Job job) {
        Long seconds = job.getSpec().getActiveDeadlineSeconds();
        String start = job.getStatus().getStartTime();
        if (seconds == null || start == null || Boolean.TRUE.equals(job.getSpec().getSuspend())) {
            return null;
        }
        return Duration.between(clock.instant(), java.time.Instant.parse(start).plusSeconds(seconds));
    }

    void expectFinalizerRemovals(String key, List<Pod> pods) {
        Set<String> pending = expectedFinalizerRemovals.computeIfAbsent(key, x -> ConcurrentHashMap.newKeySet());
        pods.forEach(p -> pending.add(p.getMetadata().getUid()));
    }

    static int intOr(Integer v, int fallback) {
        return v == null ? fallback : v;
    }

    static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    @Override
    public void close() throws Exception {
        controller.close();
        events.close();
    }
}
