package dev.skiff.controller.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControlPlaneTest;
import dev.skiff.controller.ControllerManager;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Job and TTL-after-finished controllers (with the garbage collector, which finishes the
 * TTL controller's foreground deletions) in the controller manager against the real API server.
 * There is no kubelet: the test finishes pods by writing phase and container exit codes through
 * pods/status, as upstream's integration tests do.
 */
class JobControllerTest extends ControlPlaneTest {
    private ControllerManager manager;

    @BeforeEach
    void startManager() {
        manager = ControllerManager.start(client, List.of("job", "ttl-after-finished", "garbage-collector"), false, 2);
    }

    @AfterEach
    void stopManager() {
        manager.close();
    }

    @Test
    void runsCompletionsWithParallelismAndCountsEachPodOnce() throws Exception {
        Job job = client.resource(job("work", b -> b.editSpec().withCompletions(3).withParallelism(2).endSpec())).create();
        await("2 pods", () -> active("work").size() == 2);
        for (Pod p : active("work")) {
            assertThat(p.getMetadata().getName()).startsWith("work-");
            assertThat(p.getMetadata().getLabels()).containsEntry("batch.kubernetes.io/job-name", "work")
                    .containsEntry("job-name", "work").containsEntry("batch.kubernetes.io/controller-uid", job.getMetadata().getUid())
                    .containsEntry("controller-uid", job.getMetadata().getUid());
            assertThat(p.getMetadata().getFinalizers()).contains("batch.kubernetes.io/job-tracking");
            var ref = p.getMetadata().getOwnerReferences().getFirst();
            assertThat(ref.getKind()).isEqualTo("Job");
            assertThat(ref.getApiVersion()).isEqualTo("batch/v1");
            assertThat(ref.getUid()).isEqualTo(job.getMetadata().getUid());
            assertThat(ref.getController()).isTrue();
            assertThat(ref.getBlockOwnerDeletion()).isTrue();
        }
        await("status shows 2 active and a start time", () -> status("work") != null && Integer.valueOf(2).equals(status("work").getActive())
                && status("work").getStartTime() != null);
        for (Pod p : active("work")) {
            finish(p.getMetadata().getName(), "Succeeded", 0);
        }
        await("the third completion is started", () -> active("work").size() == 1);
        finish(active("work").getFirst().getMetadata().getName(), "Succeeded", 0);
        await("complete", () -> "Complete".equals(JobConditions.finishedType(get("work"))));

        var s = status("work");
        assertThat(s.getSucceeded()).isEqualTo(3);
        assertThat(s.getFailed()).as("omitted when zero, as upstream").isIn(null, 0);
        assertThat(s.getActive()).isZero();
        assertThat(s.getCompletionTime()).isNotNull();
        assertThat(s.getUncountedTerminatedPods().getSucceeded()).isEmpty();
        assertThat(condition("work", "SuccessCriteriaMet").getReason()).isEqualTo("CompletionsReached");
        assertThat(condition("work", "Complete").getMessage()).isEqualTo("Reached expected number of succeeded pods");
        assertThat(pods("work")).hasSize(3).allSatisfy(p -> assertThat(p.getMetadata().getFinalizers()).doesNotContain("batch.kubernetes.io/job-tracking"));
        await("events", () -> reasons("work").containsAll(List.of("SuccessfulCreate", "Completed")));
    }

    @Test
    void failsWithBackoffLimitExceededAfterReplacingAFailedPodWithBackoff() throws Exception {
        client.resource(job("flaky", b -> b.editSpec().withBackoffLimit(1).endSpec())).create();
        await("a pod", () -> active("flaky").size() == 1);
        String first = active("flaky").getFirst().getMetadata().getName();
        finish(first, "Failed", 1);
        await("the failure is counted", () -> Integer.valueOf(1).equals(status("flaky").getFailed()));
        Instant failedAt = Instant.now();
        await("a replacement after the backoff", () -> active("flaky").size() == 1);
        assertThat(Duration.between(failedAt, Instant.now())).as("upstream waits 10s before replacing a failed pod")
                .isGreaterThan(Duration.ofSeconds(5));
        finish(active("flaky").getFirst().getMetadata().getName(), "Failed", 1);
        await("failed", () -> "Failed".equals(JobConditions.finishedType(get("flaky"))));
        assertThat(condition("flaky", "Failed").getReason()).isEqualTo("BackoffLimitExceeded");
        assertThat(condition("flaky", "Failed").getMessage()).isEqualTo("Job has reached the specified backoff limit");
        assertThat(condition("flaky", "FailureTarget").getReason()).isEqualTo("BackoffLimitExceeded");
        assertThat(status("flaky").getFailed()).isEqualTo(2);
        assertThat(status("flaky").getCompletionTime()).isNull();
        await("a BackoffLimitExceeded warning", () -> reasons("flaky").contains("BackoffLimitExceeded"));
    }

    @Test
    void indexedJobGivesEachPodItsCompletionIndex() throws Exception {
        client.resource(job("idx", b -> b.editSpec().withCompletionMode("Indexed").withCompletions(3).withParallelism(3).endSpec())).create();
        await("3 pods", () -> active("idx").size() == 3);
        assertThat(active("idx")).extracting(p -> p.getMetadata().getAnnotations().get("batch.kubernetes.io/job-completion-index"))
                .containsExactlyInAnyOrder("0", "1", "2");
        for (Pod p : active("idx")) {
            String ix = p.getMetadata().getAnnotations().get("batch.kubernetes.io/job-completion-index");
            assertThat(p.getMetadata().getLabels()).containsEntry("batch.kubernetes.io/job-completion-index", ix);
            assertThat(p.getSpec().getHostname()).isEqualTo("idx-" + ix);
            assertThat(p.getMetadata().getName()).startsWith("idx-" + ix + "-");
            assertThat(p.getSpec().getContainers().getFirst().getEnv()).anySatisfy(e -> {
                assertThat(e.getName()).isEqualTo("JOB_COMPLETION_INDEX");
                assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.annotations['batch.kubernetes.io/job-completion-index']");
            });
        }
        finish(podWithIndex("idx", "1"), "Succeeded", 0);
        await("index 1 completed", () -> "1".equals(status("idx").getCompletedIndexes()) && Integer.valueOf(1).equals(status("idx").getSucceeded()));
        finish(podWithIndex("idx", "0"), "Succeeded", 0);
        finish(podWithIndex("idx", "2"), "Succeeded", 0);
        await("complete", () -> "Complete".equals(JobConditions.finishedType(get("idx"))));
        assertThat(status("idx").getCompletedIndexes()).isEqualTo("0-2");
        assertThat(status("idx").getSucceeded()).isEqualTo(3);
    }

    @Test
    void podFailurePolicyIgnoresDisruptionsAndFailsTheJobOnAnExitCode() throws Exception {
        client.resource(job("policy", b -> b.editSpec().withParallelism(2).withCompletions(4).withNewPodFailurePolicy()
                .addNewRule().withAction("FailJob").withNewOnExitCodes().withOperator("In").withValues(42).endOnExitCodes().endRule()
                .addNewRule().withAction("Ignore").addNewOnPodCondition().withType("DisruptionTarget").withStatus("True").endOnPodCondition().endRule()
                .endPodFailurePolicy().endSpec())).create();
        await("2 pods", () -> active("policy").size() == 2);
        String disrupted = active("policy").getFirst().getMetadata().getName();
        editStatus(disrupted, p -> new PodBuilder(p).editStatus().withPhase("Failed")
                .addNewCondition().withType("DisruptionTarget").withStatus("True").withReason("PreemptionByScheduler").endCondition()
                .endStatus().build());
        await("an ignored failure is replaced at once and not counted", () -> active("policy").size() == 2
                && active("policy").stream().noneMatch(p -> p.getMetadata().getName().equals(disrupted)));
        assertThat(status("policy").getFailed()).isIn(null, 0);

        String fatal = active("policy").getFirst().getMetadata().getName();
        finish(fatal, "Failed", 42);
        await("failed", () -> "Failed".equals(JobConditions.finishedType(get("policy"))));
        assertThat(condition("policy", "Failed").getReason()).isEqualTo("PodFailurePolicy");
        assertThat(condition("policy", "Failed").getMessage())
                .isEqualTo("Container c for pod default/" + fatal + " failed with exit code 42 matching FailJob rule at index 0");
        assertThat(active("policy")).as("the other pod is deleted").isEmpty();
    }

    @Test
    void activeDeadlineSecondsFailsARunningJob() throws Exception {
        client.resource(job("slow", b -> b.editSpec().withActiveDeadlineSeconds(2L).endSpec())).create();
        await("a pod", () -> active("slow").size() == 1);
        await("failed", () -> "Failed".equals(JobConditions.finishedType(get("slow"))));
        assertThat(condition("slow", "Failed").getReason()).isEqualTo("DeadlineExceeded");
        assertThat(condition("slow", "Failed").getMessage()).isEqualTo("Job was active longer than specified deadline");
        assertThat(active("slow")).isEmpty();
        assertThat(status("slow").getFailed()).as("the pod deleted at the deadline counts as failed").isEqualTo(1);
    }

    @Test
    void suspendDeletesPodsAndResumeRecreatesThem() throws Exception {
        client.resource(job("paused", b -> b.editSpec().withSuspend(true).withParallelism(2).withCompletions(2).endSpec())).create();
        await("Suspended condition", () -> condition("paused", "Suspended") != null);
        assertThat(condition("paused", "Suspended").getStatus()).isEqualTo("True");
        assertThat(condition("paused", "Suspended").getReason()).isEqualTo("JobSuspended");
        assertThat(pods("paused")).isEmpty();
        assertThat(status("paused").getStartTime()).isNull();

        client.batch().v1().jobs().inNamespace("default").withName("paused").edit(j -> new JobBuilder(j).editSpec().withSuspend(false).endSpec().build());
        await("resumed with 2 pods", () -> active("paused").size() == 2 && "False".equals(condition("paused", "Suspended").getStatus()));
        assertThat(condition("paused", "Suspended").getReason()).isEqualTo("JobResumed");
        await("a start time", () -> status("paused").getStartTime() != null);

        client.batch().v1().jobs().inNamespace("default").withName("paused").edit(j -> new JobBuilder(j).editSpec().withSuspend(true).endSpec().build());
        await("pods deleted again", () -> pods("paused").isEmpty() && Integer.valueOf(0).equals(status("paused").getActive()));
        assertThat(status("paused").getFailed()).as("pods deleted for a suspension are not failures").isIn(null, 0);
        await("events", () -> reasons("paused").containsAll(List.of("Suspended", "Resumed", "SuccessfulDelete")));
    }

    @Test
    void ttlAfterFinishedDeletesTheFinishedJob() throws Exception {
        client.resource(job("brief", b -> b.editSpec().withTtlSecondsAfterFinished(1).endSpec())).create();
        await("a pod", () -> active("brief").size() == 1);
        String pod = active("brief").getFirst().getMetadata().getName();
        // a finalizer of the test's own holds the pod once deleted, so the foreground deletion can be seen waiting for it
        client.pods().inNamespace("default").withName(pod).edit(p -> new PodBuilder(p).editMetadata().addToFinalizers(HOLD).endMetadata().build());
        finish(pod, "Succeeded", 0);
        await("complete", () -> get("brief") == null || "Complete".equals(JobConditions.finishedType(get("brief"))));
        await("the job is being deleted in the foreground after its ttl", () -> get("brief") != null
                && get("brief").getMetadata().getDeletionTimestamp() != null
                && get("brief").getMetadata().getFinalizers().contains("foregroundDeletion"));
        await("the garbage collector deletes its pod", () -> !pods("brief").isEmpty() && pods("brief").stream().allMatch(p -> p.getMetadata().getDeletionTimestamp() != null));
        Thread.sleep(500);
        assertThat(get("brief")).as("the job stays while its pod does").isNotNull();

        client.pods().inNamespace("default").withName(pod).edit(p -> new PodBuilder(p).editMetadata().removeFromFinalizers(HOLD).endMetadata().build());
        await("deleted after its ttl", () -> get("brief") == null);
        assertThat(pods("brief")).as("the job's pods went first").isEmpty();
    }

    // --- fixtures

    private static final String HOLD = "test.skiff.dev/hold";

    private static Job job(String name, UnaryOperator<JobBuilder> customize) {
        JobBuilder b = new JobBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate().endSpec();
        return customize.apply(b).build();
    }

    private Job get(String name) {
        return client.batch().v1().jobs().inNamespace("default").withName(name).get();
    }

    private io.fabric8.kubernetes.api.model.batch.v1.JobStatus status(String name) {
        Job j = get(name);
        return j == null ? null : j.getStatus();
    }

    private JobCondition condition(String name, String type) {
        Job j = get(name);
        return j == null ? null : JobConditions.find(j, type);
    }

    private List<Pod> pods(String job) {
        return client.pods().inNamespace("default").withLabel("batch.kubernetes.io/job-name", job).list().getItems();
    }

    private List<Pod> active(String job) {
        return pods(job).stream().filter(dev.skiff.controller.Pods::isActive).toList();
    }

    private String podWithIndex(String job, String index) {
        return active(job).stream().filter(p -> index.equals(p.getMetadata().getAnnotations().get("batch.kubernetes.io/job-completion-index")))
                .findFirst().orElseThrow().getMetadata().getName();
    }

    private List<String> reasons(String job) {
        return client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> job.equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
    }

    /** Plays the kubelet: the pod's one container terminated with {@code exitCode}, and the pod is in {@code phase}. */
    private void finish(String pod, String phase, int exitCode) throws InterruptedException {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        editStatus(pod, p -> new PodBuilder(p).editStatus().withPhase(phase).withContainerStatuses(List.of())
                .addNewContainerStatus().withName("c").withImage("busybox").withReady(false).withRestartCount(0)
                .withNewState().withNewTerminated().withExitCode(exitCode).withReason(exitCode == 0 ? "Completed" : "Error")
                .withStartedAt(now).withFinishedAt(now).endTerminated().endState().endContainerStatus().endStatus().build());
    }

    private void editStatus(String pod, UnaryOperator<Pod> change) throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                Pod current = client.pods().inNamespace("default").withName(pod).get();
                client.pods().inNamespace("default").resource(change.apply(current)).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt > 20) {
                    throw e;
                }
                Thread.sleep(20); // the controller changed the pod meanwhile (its finalizer)
            }
        }
    }
}
