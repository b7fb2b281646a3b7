package dev.skiff.agent.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import org.junit.jupiter.api.Test;

/** Which pods wait for the sync frequency (or an event) before their next sync, and which are synced again soon. */
class KubeletSyncTest {

    private static PodStatus status(String phase, boolean running, boolean ready) {
        var container = new ContainerStatusBuilder().withName("c").withReady(ready);
        container = running ? container.withNewState().withNewRunning().endRunning().endState()
                : container.withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState();
        return new PodStatusBuilder().withPhase(phase).withContainerStatuses(container.build()).build();
    }

    @Test
    void aPodRunningReadyOrFinishedIsSteady() {
        assertThat(Kubelet.steady(status("Running", true, true))).isTrue();
        assertThat(Kubelet.steady(status("Succeeded", false, false))).isTrue();
        assertThat(Kubelet.steady(status("Failed", false, false))).isTrue();
    }

    @Test
    void aPodStartingNotReadyOrInBackOffIsNot() {
        assertThat(Kubelet.steady(status("Pending", false, false))).isFalse();
        assertThat(Kubelet.steady(status("Running", true, false))).as("not ready: readiness probe pending or failing").isFalse();
        assertThat(Kubelet.steady(status("Running", false, false))).as("a container in CrashLoopBackOff").isFalse();
        assertThat(Kubelet.steady(new PodStatusBuilder().withPhase("Running").build())).as("no container status yet").isFalse();
    }
}
