package dev.skiff.controller.cronjob;

import dev.skiff.api.cron.CronSchedule;
import dev.skiff.client.controller.Controller;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import dev.skiff.controller.ControllerRefManager;
import dev.skiff.controller.job.JobConditions;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Upstream's CronJob controller v2 (pkg/controller/cronjob/cronjob_controllerv2.go): at each time the
 * schedule names (in {@code spec.timeZone}, else the controller's zone) it creates the job
 * {@code <cronjob>-<minutes since the epoch>} from the template, honouring suspend,
 * startingDeadlineSeconds and the concurrency policy (Allow, Forbid: skip while one runs, Replace:
 * delete the running ones first); it keeps {@code status.active}, lastScheduleTime and
 * lastSuccessfulTime, deletes finished jobs beyond the history limits, and requeues itself for the
 * next scheduled time on the injected clock, so no polling is needed.
 */
public final class CronJobController implements AutoCloseable {
    public static final String NAME = "cronjob";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, CronJobController::start);
    public static final String SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";
    /** Upstream warns when more start times than this were missed. */
    private static final int TOO_MANY_MISSED = 100;
    /** Requeued a little after the scheduled time so that the schedule is surely due (upstream's nextScheduleDelta). */
    private static final Duration NEXT_SCHEDULE_DELTA = Duration.ofMillis(100);
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX", Locale.ROOT);
    private static final DateTimeFormatter RFC1123Z = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private final KubernetesClient client;
    private final Clock clock;
    private final SharedIndexInformer<CronJob> cronJobInformer;
    private final SharedIndexInformer<Job> jobInformer;
    private final Lister<CronJob> cronJobs;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;
    private final EventRecorder events;

    private CronJobController(ControllerContext context) {
        this.client = context.client();
        this.clock = context.clock();
        this.queue = RateLimitingQueue.withDefaultRateLimiter(clock);
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.events = context.eventRecorder("cronjob-controller");
        this.cronJobInformer = context.informers().sharedIndexInformerFor(CronJob.class, 0);
        this.cronJobs = new Lister<>(cronJobInformer.getIndexer());
        this.jobInformer = context.informers().sharedIndexInformerFor(Job.class, 0);
        cronJobInformer.addEventHandler(controller.enqueueingHandler());
        jobInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Job job) {
                enqueueOwner(job);
            }

            @Override
            public void onUpdate(Job oldJob, Job newJob) {
                enqueueOwner(newJob);
            }

            @Override
            public void onDelete(Job job, boolean finalStateUnknown) {
                enqueueOwner(job);
            }
        });
    }

    static AutoCloseable start(ControllerContext context) {
        var c = new CronJobController(context);
        context.runWhenSynced(c.controller, List.of(c.cronJobInformer, c.jobInformer));
        return c;
    }

    private void enqueueOwner(Job job) {
        OwnerReference ref = ControllerRefManager.controllerRef(job);
        if (ref != null && "CronJob".equals(ref.getKind())) {
            queue.add(job.getMetadata().getNamespace() + "/" + ref.getName());
        }
    }

    // --- sync

    /** The outcome of one sync: whether status changed and when to look again (null: only on the next event). */
    private record Result(boolean statusChanged, Duration requeueAfter) {
    }

    void sync(String key) {
        var k = Controller.ObjectKey.parse(key);
        CronJob shared = cronJobs.namespace(k.namespace()).get(k.name());
        if (shared == null) {
            return;
        }
        CronJob cj = new CronJobBuilder(shared).build();
        if (cj.getStatus() == null) {
            cj.setStatus(new CronJobStatus());
        }
        List<Job> owned = jobInformer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, k.namespace()).stream()
                .filter(j -> ControllerRefManager.isControlledBy(j, cj)).toList();
        Result result = syncCronJob(cj, owned);
        boolean changed = result.statusChanged() | new JobHistory(client, events).cleanup(cj, owned);
        if (changed) {
            client.batch().v1().cronjobs().inNamespace(k.namespace()).resource(cj).updateStatus();
        }
        if (result.requeueAfter() != null) {
            queue.addAfter(key, result.requeueAfter());
        }
    }

    private Result syncCronJob(CronJob cj, List<Job> owned) {
        boolean changed = reconcileActive(cj, owned);
        if (cj.getMetadata().getDeletionTimestamp() != null) {
            return new Result(changed, null);
        }
        ZoneId zone = clock.getZone();
        if (cj.getSpec().getTimeZone() != null) {
            try {
                zone = ZoneId.of(cj.getSpec().getTimeZone());
            } catch (DateTimeException e) {
                events.eventf(cj, EventRecorder.WARNING, "UnknownTimeZone", "invalid timeZone: %s: %s", quote(cj.getSpec().getTimeZone()), e.getMessage());
                return new Result(changed, null);
            }
        }
        if (Boolean.TRUE.equals(cj.getSpec().getSuspend())) {
            return new Result(changed, null);
        }
        CronSchedule schedule;
        try {
            schedule = CronSchedule.parse(cj.getSpec().getSchedule());
        } catch (IllegalArgumentException e) {
            events.eventf(cj, EventRecorder.WARNING, "UnparseableSchedule", "unparseable schedule: %s : %s", quote(cj.getSpec().getSchedule()), e.getMessage());
            return new Result(changed, null);
        }
        ZonedDateTime now = clock.instant().atZone(zone);
        ZonedDateTime scheduled = mostRecentScheduleTime(cj, now, schedule);
        Duration next = nextScheduleDelay(schedule, now);
        if (scheduled == null) {
            return new Result(changed, next);
        }
        Long deadline = cj.getSpec().getStartingDeadlineSeconds();
        if (deadline != null && scheduled.plusSeconds(deadline).isBefore(now)) {
            events.eventf(cj, EventRecorder.WARNING, "MissSchedule", "Missed scheduled time to start a job: %s",
                    RFC1123Z.format(scheduled.withZoneSameInstant(ZoneOffset.UTC)));
            return new Result(changed, next);
        }
        String jobName = jobName(cj, scheduled.toInstant());
        boolean alreadyStarted = active(cj).stream().anyMatch(r -> jobName.equals(r.getName()))
                || Objects.equals(cj.getStatus().getLastScheduleTime(), timestamp(scheduled.toInstant()));
        if (alreadyStarted) {
            return new Result(changed, next);
        }
        String policy = cj.getSpec().getConcurrencyPolicy() == null ? "Allow" : cj.getSpec().getConcurrencyPolicy();
        if ("Forbid".equals(policy) && !active(cj).isEmpty()) {
            // the missed time stays unrecorded: once the running job ends it starts, if still within the deadline
            events.event(cj, EventRecorder.NORMAL, "JobAlreadyActive",
                    "Not starting job because prior execution is running and concurrency policy is Forbid");
            return new Result(changed, next);
        }
        if ("Replace".equals(policy)) {
            for (ObjectReference ref : List.copyOf(active(cj))) {
                Job running = owned.stream().filter(j -> j.getMetadata().getUid().equals(ref.getUid())).findFirst().orElse(null);
                if (running != null && !JobHistory.delete(client, events, cj, running)) {
                    return new Result(changed, null);
                }
                cj.getStatus().setActive(new ArrayList<>(active(cj).stream().filter(r -> !r.getUid().equals(ref.getUid())).toList()));
                changed = true;
            }
        }
        Job job = jobFromTemplate(cj, jobName, scheduled);
        Job created;
        try {
            created = client.batch().v1().jobs().inNamespace(cj.getMetadata().getNamespace()).resource(job).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return new Result(changed, next); // created in an earlier sync whose status write was lost; reconcileActive adopts it
            }
            events.eventf(cj, EventRecorder.WARNING, "FailedCreate", "Error creating job: %s", e.getMessage());
            throw e;
        }
        events.eventf(cj, EventRecorder.NORMAL, "SuccessfulCreate", "Created job %s", created.getMetadata().getName());
        List<ObjectReference> activeRefs = new ArrayList<>(active(cj));
        activeRefs.add(reference(created));
        cj.getStatus().setActive(activeRefs);
        cj.getStatus().setLastScheduleTime(timestamp(scheduled.toInstant()));
        return new Result(true, next);
    }

    /**
     * Brings {@code status.active} in line with the jobs: finished ones leave it (SawCompletedJob),
     * vanished ones too (MissingJob), a running job the status forgot is reported (UnexpectedJob); a
     * completed job moves lastSuccessfulTime forward.
     */
    private boolean reconcileActive(CronJob cj, List<Job> owned) {
        boolean changed = false;
        List<ObjectReference> activeRefs = new ArrayList<>(active(cj));
        for (Job j : owned) {
            boolean listed = activeRefs.stream().anyMatch(r -> j.getMetadata().getUid().equals(r.getUid()));
            String finished = JobConditions.finishedType(j);
            if (!listed && finished == null) {
                Instant scheduled = scheduledTime(j);
                String last = cj.getStatus().getLastScheduleTime();
                if (scheduled != null && (last == null || !scheduled.isBefore(Instant.parse(last)))) {
                    // this controller created it, but the status write that recorded it was lost (e.g. a conflict)
                    activeRefs.add(reference(j));
                    cj.getStatus().setLastScheduleTime(timestamp(scheduled));
                    changed = true;
                } else {
                    events.eventf(cj, EventRecorder.WARNING, "UnexpectedJob", "Saw a job that the controller did not create or forgot: %s",
                            j.getMetadata().getName());
                }
            } else if (listed && finished != null) {
                activeRefs.removeIf(r -> j.getMetadata().getUid().equals(r.getUid()));
                events.eventf(cj, EventRecorder.NORMAL, "SawCompletedJob", "Saw completed job: %s, condition: %s", j.getMetadata().getName(), finished);
                changed = true;
            }
            if (JobConditions.COMPLETE.equals(finished) && j.getStatus().getCompletionTime() != null) {
                String last = cj.getStatus().getLastSuccessfulTime();
                if (last == null || Instant.parse(j.getStatus().getCompletionTime()).isAfter(Instant.parse(last))) {
                    cj.getStatus().setLastSuccessfulTime(j.getStatus().getCompletionTime());
                    changed = true;
                }
            }
        }
        for (ObjectReference ref : List.copyOf(activeRefs)) {
            if (owned.stream().noneMatch(j -> j.getMetadata().getUid().equals(ref.getUid()))) {
                Job live = client.batch().v1().jobs().inNamespace(cj.getMetadata().getNamespace()).withName(ref.getName()).get();
                if (live == null || !live.getMetadata().getUid().equals(ref.getUid())) {
                    events.eventf(cj, EventRecorder.NORMAL, "MissingJob", "Active job went missing: %s", ref.getName());
                    activeRefs.remove(ref);
                    changed = true;
                }
            }
        }
        cj.getStatus().setActive(activeRefs);
        return changed;
    }

    /**
     * The latest scheduled time not after {@code now} that is due (after lastScheduleTime, else the
     * creation time, and within startingDeadlineSeconds); null when none is. Warns when many were missed.
     */
    private ZonedDateTime mostRecentScheduleTime(CronJob cj, ZonedDateTime now, CronSchedule schedule) {
        String from = cj.getStatus().getLastScheduleTime() != null ? cj.getStatus().getLastScheduleTime() : cj.getMetadata().getCreationTimestamp();
        ZonedDateTime earliest = Instant.parse(from).atZone(now.getZone());
        Long deadline = cj.getSpec().getStartingDeadlineSeconds();
        if (deadline != null && now.minusSeconds(deadline).isAfter(earliest)) {
            earliest = now.minusSeconds(deadline);
        }
        ZonedDateTime latest = null;
        int missed = 0;
        for (ZonedDateTime t = schedule.next(earliest); t != null && !t.isAfter(now); t = schedule.next(t)) {
            latest = t;
            missed++;
        }
        if (missed > TOO_MANY_MISSED) {
            events.eventf(cj, EventRecorder.WARNING, "TooManyMissedTimes",
                    "too many missed start times: %d. Set or decrease .spec.startingDeadlineSeconds or check clock skew", missed);
        }
        return latest;
    }

    private static Duration nextScheduleDelay(CronSchedule schedule, ZonedDateTime now) {
        ZonedDateTime next = schedule.next(now);
        return next == null ? null : Duration.between(now, next).plus(NEXT_SCHEDULE_DELTA);
    }

    /** Upstream's getJobFromTemplate2: the template's labels, annotations and spec, plus the scheduled time. */
    private static Job jobFromTemplate(CronJob cj, String name, ZonedDateTime scheduled) {
        var template = cj.getSpec().getJobTemplate();
        Map<String, String> labels = template.getMetadata() == null || template.getMetadata().getLabels() == null
                ? new HashMap<>() : new HashMap<>(template.getMetadata().getLabels());
        Map<String, String> annotations = template.getMetadata() == null || template.getMetadata().getAnnotations() == null
                ? new HashMap<>() : new HashMap<>(template.getMetadata().getAnnotations());
        annotations.put(SCHEDULED_TIMESTAMP, RFC3339.format(scheduled));
        return new JobBuilder().withNewMetadata().withName(name).withNamespace(cj.getMetadata().getNamespace())
                .withLabels(labels).withAnnotations(annotations)
                .withOwnerReferences(ControllerRefManager.newControllerRef(cj)).endMetadata()
                .withSpec(template.getSpec()).build();
    }

    /** {@code <cronjob>-<scheduled time in minutes since the epoch>}: the same time always names the same job. */
    static String jobName(CronJob cj, Instant scheduled) {
        return cj.getMetadata().getName() + "-" + scheduled.getEpochSecond() / 60;
    }

    /** The scheduled time a job's annotation records, or null. */
    private static Instant scheduledTime(Job job) {
        String value = job.getMetadata().getAnnotations() == null ? null : job.getMetadata().getAnnotations().get(SCHEDULED_TIMESTAMP);
        try {
            return value == null ? null : java.time.OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeException e) {
            return null;
        }
    }

    private static ObjectReference reference(Job job) {
        return new ObjectReferenceBuilder().withApiVersion("batch/v1").withKind("Job").withNamespace(job.getMetadata().getNamespace())
                .withName(job.getMetadata().getName()).withUid(job.getMetadata().getUid())
                .withResourceVersion(job.getMetadata().getResourceVersion()).build();
    }

    private static List<ObjectReference> active(CronJob cj) {
        return cj.getStatus().getActive() == null ? List.of() : cj.getStatus().getActive();
    }

    private static String timestamp(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    @Override
    public void close() throws Exception {
        controller.close();
        events.close();
    }

    /** Orders finished jobs oldest first by start time, then name (upstream's byJobStartTime). */
    static final Comparator<Job> BY_START_TIME = Comparator
            .comparing((Job j) -> j.getStatus() == null || j.getStatus().getStartTime() == null ? Instant.MAX : Instant.parse(j.getStatus().getStartTime()))
            .thenComparing(j -> j.getMetadata().getName());
}
