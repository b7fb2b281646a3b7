package dev.skiff.agent.kuberuntime;

import dev.skiff.agent.cri.v1.ContainerState;
import dev.skiff.agent.cri.v1.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** CRI container statuses as the Kubernetes API reports them (upstream: kubelet's convertToAPIContainerStatuses). */
public final class ContainerStatuses {
    /** The scheme of containerStatuses[].containerID, naming the runtime. */
    public static final String CONTAINER_ID_SCHEME = "containerd://";

    private ContainerStatuses() {
    }

    public static io.fabric8.kubernetes.api.model.ContainerStatus toKubernetes(ContainerStatus cri) {
        var state = new ContainerStateBuilder();
        switch (cri.getState()) {
            case CONTAINER_RUNNING -> state.withNewRunning().withStartedAt(time(cri.getStartedAt())).endRunning();
            case CONTAINER_EXITED -> state.withNewTerminated()
                    .withExitCode(cri.getExitCode())
                    .withReason(cri.getReason().isEmpty() ? null : cri.getReason())
                    .withMessage(cri.getMessage().isEmpty() ? null : cri.getMessage())
                    .withStartedAt(cri.getStartedAt() == 0 ? null : time(cri.getStartedAt()))
                    .withFinishedAt(time(cri.getFinishedAt()))
                    .withContainerID(CONTAINER_ID_SCHEME + cri.getId())
                    .endTerminated();
            // created but not started yet, or a state the runtime cannot tell: waiting
            case CONTAINER_CREATED -> state.withNewWaiting().withReason("ContainerCreating").endWaiting();
            default -> state.withNewWaiting().withReason("ContainerStatusUnknown")
                    .withMessage("the container runtime reports the container's state as unknown").endWaiting();
        }
        boolean running = cri.getState() == ContainerState.CONTAINER_RUNNING;
        return new ContainerStatusBuilder()
                .withName(cri.getMetadata().getName())
                .withContainerID(CONTAINER_ID_SCHEME + cri.getId())
                .withImage(cri.getImage().getImage())
                .withImageID(cri.getImageRef())
                .withRestartCount((int) cri.getMetadata().getAttempt())
                .withReady(running)
                .withStarted(running)
                .withState(state.build())
                .build();
    }

    /** CRI nanoseconds as an API timestamp (RFC 3339, whole seconds, UTC). */
    static String time(long unixNanos) {
        Instant instant = Instant.ofEpochSecond(0, unixNanos).truncatedTo(ChronoUnit.SECONDS);
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }
}
