package dev.skiff.controller.cronjob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControlPlaneTest;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.MovableClock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedInformerFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CronJob controller against the real API server, on a clock the test moves: an every-minute
 * schedule runs through several minutes in seconds. The controller requeues itself for the next
 * schedule on its work queue, whose timer measures real time, so after moving the clock the test
 * touches the CronJob to wake it at once. No Job controller runs: the test finishes jobs by writing
 * their status, as the Job controller would.
 */
class CronJobControllerTest extends ControlPlaneTest {
    private SharedInformerFactory informers;
    private AutoCloseable controller;
    private final MovableClock clock = new MovableClock(Instant.now());
    private Instant minute0;

    @BeforeEach
    void startController() throws Exception {
        informers = client.informers();
        controller = CronJobController.DESCRIPTOR.starter().start(new ControllerContext(client, informers, clock, 2));
        informers.startAllRegisteredInformers();
        // two minutes ahead, so that the CronJobs are surely created before their first scheduled time
        minute0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(2));
    }

    @AfterEach
    void stopController() throws Exception {
        controller.close();
        informers.stopAllRegisteredInformers();
    }

    @Test
    void forbidSkipsWhileAJobRunsThenCatchesUpAndHistoryLimitsDeleteOldJobs() throws Exception {
        client.resource(cronJob("tick", b -> b.editSpec().withConcurrencyPolicy("Forbid").withSuccessfulJobsHistoryLimit(1).endSpec())).create();
        moveTo("tick", minute(0).plusSeconds(5));
        String first = "tick-" + minute(0).getEpochSecond() / 60;
        await("the job of minute 0", () -> job(first) != null);
        Job job = job(first);
        assertThat(job.getMetadata().getAnnotations().get(CronJobController.SCHEDULED_TIMESTAMP)).isEqualTo(rfc3339(minute(0)));
        assertThat(job.getMetadata().getLabels()).containsEntry("team", "batch");
        assertThat(job.getMetadata().getOwnerReferences().getFirst().getKind()).isEqualTo("CronJob");
        assertThat(job.getMetadata().getOwnerReferences().getFirst().getController()).isTrue();
        await("status lists it", () -> activeNames("tick").equals(List.of(first)) && rfc3339Utc(minute(0)).equals(cron("tick").getStatus().getLastScheduleTime()));

        moveTo("tick", minute(1).plusSeconds(5));
        await("JobAlreadyActive", () -> reasons("tick").contains("JobAlreadyActive"));
        assertThat(jobs()).extracting(j -> j.getMetadata().getName()).containsExactly(first);

        complete(first, minute(0));
        String second = "tick-" + minute(1).getEpochSecond() / 60;
        await("the skipped minute starts once the job finished", () -> job(second) != null);
        await("the finished job left status.active", () -> activeNames("tick").equals(List.of(second))
                && cron("tick").getStatus().getLastSuccessfulTime() != null);
        await("events", () -> reasons("tick").containsAll(List.of("SawCompletedJob", "SuccessfulCreate")));

        complete(second, minute(1));
        await("history keeps one successful job", () -> job(first) == null && job(second) != null);
        await("a SuccessfulDelete event", () -> reasons("tick").contains("SuccessfulDelete"));
    }

    @Test
    void replaceDeletesTheRunningJobForTheNewOne() throws Exception {
        client.resource(cronJob("swap", b -> b.editSpec().withConcurrencyPolicy("Replace").endSpec())).create();
        moveTo("swap", minute(0).plusSeconds(5));
        String first = "swap-" + minute(0).getEpochSecond() / 60;
        await("the first job", () -> job(first) != null);
        moveTo("swap", minute(1).plusSeconds(5));
        String second = "swap-" + minute(1).getEpochSecond() / 60;
        await("replaced", () -> job(second) != null && job(first) == null);
        await("only the new job is active", () -> activeNames("swap").equals(List.of(second)));
        await("a SuccessfulDelete event", () -> reasons("swap").contains("SuccessfulDelete"));
    }

    @Test
    void aSuspendedCronJobStartsNothing() throws Exception {
        client.resource(cronJob("rest", b -> b.editSpec().withSuspend(true).endSpec())).create();
        moveTo("rest", minute(0).plusSeconds(5));
        moveTo("rest", minute(1).plusSeconds(5));
        client.resource(cronJob("control", b -> b)).create(); // a sync of this one proves the controller ran meanwhile
        moveTo("control", minute(2).plusSeconds(5));
        await("the unsuspended one runs", () -> job("control-" + minute(2).getEpochSecond() / 60) != null);
        assertThat(jobs()).noneMatch(j -> j.getMetadata().getName().startsWith("rest-"));
    }

    @Test
    void aTimeZoneMovesTheScheduleAndTheAnnotationCarriesItsOffset() throws Exception {
        // "0 * * * *" in Asia/Kolkata (UTC+05:30) is half past every hour in UTC
        client.resource(cronJob("hourly", b -> b.editSpec().withSchedule("0 * * * *").withTimeZone("Asia/Kolkata").endSpec())).create();
        Instant halfPast = minute0.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofMinutes(30));
        if (halfPast.isBefore(minute0)) {
            halfPast = halfPast.plus(Duration.ofHours(1));
        }
        moveTo("hourly", halfPast.plusSeconds(5));
        String name = "hourly-" + halfPast.getEpochSecond() / 60;
        await("the job of half past in UTC", () -> job(name) != null);
        assertThat(job(name).getMetadata().getAnnotations().get(CronJobController.SCHEDULED_TIMESTAMP))
                .isEqualTo(halfPast.atOffset(ZoneOffset.ofHoursMinutes(5, 30)).format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX")))
                .endsWith("+05:30");
        assertThat(jobs()).extracting(j -> j.getMetadata().getName()).containsExactly(name);
    }

    @Test
    void aScheduleLaterThanStartingDeadlineSecondsIsSkipped() throws Exception {
        client.resource(cronJob("late", b -> b.editSpec().withStartingDeadlineSeconds(30L).endSpec())).create();
        client.resource(cronJob("control", b -> b)).create();
        moveTo("late", minute(0).plusSeconds(45));
        moveTo("control", minute(0).plusSeconds(45));
        await("without a deadline the same lateness still starts a job", () -> job("control-" + minute(0).getEpochSecond() / 60) != null);
        moveTo("late", minute(1).plusSeconds(10));
        String inTime = "late-" + minute(1).getEpochSecond() / 60;
        await("the next schedule, 10 s late, is within the deadline", () -> job(inTime) != null);
        assertThat(jobs()).extracting(j -> j.getMetadata().getName()).filteredOn(n -> n.startsWith("late-")).containsExactly(inTime);
        // the job is created before the status is written (as upstream's syncCronJob), so the status follows
        await("lastScheduleTime is the schedule in time", () -> cron("late").getStatus() != null
                && rfc3339Utc(minute(1)).equals(cron("late").getStatus().getLastScheduleTime()));
    }

    // --- fixtures

    private Instant minute(int n) {
        return minute0.plus(Duration.ofMinutes(n));
    }

    private static String rfc3339(Instant t) {
        return t.atOffset(ZoneOffset.UTC).format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX"));
    }

    private static String rfc3339Utc(Instant t) {
        return t.toString();
    }

    private static CronJob cronJob(String name, UnaryOperator<CronJobBuilder> customize) {
        CronJobBuilder b = new CronJobBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withSchedule("* * * * *").withNewJobTemplate().withNewMetadata().addToLabels("team", "batch").endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate().endSpec()
                .endJobTemplate().endSpec();
        return customize.apply(b).build();
    }

    /** Moves the controller's clock, then touches the CronJob so its informer event wakes the controller now. */
    private void moveTo(String cronJob, Instant t) {
        clock.set(t);
        client.batch().v1().cronjobs().inNamespace("default").withName(cronJob)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\"test/now\":\"" + t + "\"}}}");
    }

    /** Plays the Job controller: the job started at {@code started} and completed a little later. */
    private void complete(String name, Instant started) {
        String start = started.toString();
        String done = started.plusSeconds(10).toString();
        Job j = job(name);
        client.batch().v1().jobs().inNamespace("default").resource(new JobBuilder(j).withNewStatus().withStartTime(start)
                .withCompletionTime(done).withSucceeded(1)
                .addNewCondition().withType("SuccessCriteriaMet").withStatus("True").withReason("CompletionsReached").withLastTransitionTime(done).endCondition()
                .addNewCondition().withType("Complete").withStatus("True").withReason("CompletionsReached").withLastTransitionTime(done).endCondition()
                .endStatus().build()).updateStatus();
    }

    private Job job(String name) {
        return client.batch().v1().jobs().inNamespace("default").withName(name).get();
    }

    private List<Job> jobs() {
        return client.batch().v1().jobs().inNamespace("default").list().getItems();
    }

    private CronJob cron(String name) {
        return client.batch().v1().cronjobs().inNamespace("default").withName(name).get();
    }

    private List<String> activeNames(String name) {
        var status = cron(name).getStatus();
        return status == null || status.getActive() == null ? List.of() : status.getActive().stream().map(r -> r.getName()).toList();
    }

    private List<String> reasons(String name) {
        return client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
    }
}
