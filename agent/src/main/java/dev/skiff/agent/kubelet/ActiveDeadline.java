package dev.skiff.agent.kubelet;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.Optional;

/**
 * A pod's active deadline on the node (upstream: pkg/kubelet/active_deadline.go): spec.activeDeadlineSeconds counted
 * from the pod's start time there. The kubelet syncs the pod at that instant; the pod syncer fails it from then on.
 */
public final class ActiveDeadline {
    private ActiveDeadline() {
    }

    /** When the pod that started at {@code startTime} (RFC 3339) runs out of time; empty without a deadline or start. */
    public static Optional<Instant> of(Pod pod, String startTime) {
        Long seconds = pod.getSpec().getActiveDeadlineSeconds();
        return seconds == null || startTime == null ? Optional.empty() : Optional.of(Instant.parse(startTime).plusSeconds(seconds));
    }

    public static boolean exceeded(Pod pod, String startTime, Instant now) {
        return of(pod, startTime).map(deadline -> !now.isBefore(deadline)).orElse(false);
    }
}
