package dev.skiff.apiserver.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The STATUS / READY / RESTARTS cells as upstream's printPod computes them, one pod shape per case. */
class PodColumnsTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private static PodBuilder pod(String phase, int initContainers, int containers) {
        var builder = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec().endSpec()
                .withNewStatus().withPhase(phase).endStatus();
        for (int i = 0; i < initContainers; i++) {
            builder.editSpec().addNewInitContainer().withName("i" + i).withImage("busybox").endInitContainer().endSpec();
        }
        for (int i = 0; i < containers; i++) {
            builder.editSpec().addNewContainer().withName("c" + i).withImage("busybox").endContainer().endSpec();
        }
        return builder;
    }

    private static ContainerStatus running(String name, boolean ready) {
        return new ContainerStatusBuilder().withName(name).withReady(ready).withRestartCount(0).withNewState().withNewRunning()
                .withStartedAt("2025-12-31T23:00:00Z").endRunning().endState().build();
    }

    private static ContainerStatus waiting(String name, String reason) {
        return new ContainerStatusBuilder().withName(name).withReady(false).withRestartCount(0).withNewState().withNewWaiting()
                .withReason(reason).endWaiting().endState().build();
    }

    private static ContainerStatus terminated(String name, int exitCode, String reason) {
        return new ContainerStatusBuilder().withName(name).withReady(false).withRestartCount(0).withNewState().withNewTerminated()
                .withExitCode(exitCode).withReason(reason).endTerminated().endState().build();
    }

    private static PodColumns.Summary summary(Pod pod) {
        return PodColumns.summary(pod, CLOCK);
    }

    @Test
    void pendingWithoutStatusesAndContainerCreating() {
        assertThat(summary(pod("Pending", 0, 2).build())).isEqualTo(new PodColumns.Summary("0/2", "Pending", "0"));
        assertThat(summary(pod("Pending", 0, 1).editStatus().withContainerStatuses(waiting("c0", "ContainerCreating")).endStatus().build())
                .status()).isEqualTo("ContainerCreating");
    }

    @Test
    void runningCountsReadyContainers() {
        Pod pod = pod("Running", 0, 2).editStatus().withContainerStatuses(running("c0", true), running("c1", false)).endStatus().build();
        assertThat(summary(pod)).isEqualTo(new PodColumns.Summary("1/2", "Running", "0"));
    }

    @Test
    void initContainersShowProgressAndFailures() {
        Pod first = pod("Pending", 2, 1).editStatus().withInitContainerStatuses(waiting("i0", "PodInitializing"), waiting("i1", ""))
                .endStatus().build();
        assertThat(summary(first).status()).isEqualTo("Init:0/2");
        Pod second = pod("Pending", 2, 1).editStatus().withInitContainerStatuses(terminated("i0", 0, "Completed"), running("i1", false))
                .endStatus().build();
        assertThat(summary(second).status()).isEqualTo("Init:1/2");
        Pod failed = pod("Pending", 1, 1).editStatus().withInitContainerStatuses(terminated("i0", 2, "")).endStatus().build();
        assertThat(summary(failed).status()).isEqualTo("Init:ExitCode:2");
        Pod crashing = pod("Pending", 1, 1).editStatus().withInitContainerStatuses(waiting("i0", "CrashLoopBackOff")).endStatus().build();
        assertThat(summary(crashing).status()).isEqualTo("Init:CrashLoopBackOff");
    }

    @Test
    void completedErrorAndTerminating() {
        Pod completed = pod("Succeeded", 0, 1).editStatus().withContainerStatuses(terminated("c0", 0, "Completed")).endStatus().build();
        assertThat(summary(completed)).isEqualTo(new PodColumns.Summary("0/1", "Completed", "0"));
        Pod error = pod("Failed", 0, 1).editStatus().withContainerStatuses(terminated("c0", 1, "Error")).endStatus().build();
        assertThat(summary(error).status()).isEqualTo("Error");
        Pod terminating = pod("Running", 0, 1).editMetadata().withDeletionTimestamp("2025-12-31T23:59:00Z").endMetadata()
                .editStatus().withContainerStatuses(running("c0", true)).endStatus().build();
        assertThat(summary(terminating).status()).isEqualTo("Terminating");
        Pod terminatingDone = new PodBuilder(completed).editMetadata().withDeletionTimestamp("2025-12-31T23:59:00Z").endMetadata().build();
        assertThat(summary(terminatingDone).status()).isEqualTo("Completed");
    }

    @Test
    void completedContainerBesideARunningOneReadsRunningOrNotReady() {
        var statuses = new ContainerStatus[] {running("c0", true), terminated("c1", 0, "Completed")};
        Pod notReady = pod("Running", 0, 2).editStatus().withContainerStatuses(statuses).endStatus().build();
        assertThat(summary(notReady).status()).isEqualTo("NotReady");
        Pod ready = pod("Running", 0, 2).editStatus().withContainerStatuses(statuses).addNewCondition().withType("Ready")
                .withStatus("True").endCondition().endStatus().build();
        assertThat(summary(ready).status()).isEqualTo("Running");
    }

    @Test
    void schedulingGatedFromTheCondition() {
        Pod gated = pod("Pending", 0, 1).editStatus().addNewCondition().withType("PodScheduled").withStatus("False")
                .withReason("SchedulingGated").endCondition().endStatus().build();
        assertThat(summary(gated).status()).isEqualTo("SchedulingGated");
    }
}
