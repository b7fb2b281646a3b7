package dev.skiff.controller;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Instant;

/**
 * Whether a pod is ready and since when, and whether it is available (ready for minReadySeconds),
 * as upstream's pkg/api/v1/pod helpers IsPodReady, GetPodReadyCondition and IsPodAvailable, which
 * every workload controller counts its status with.
 */
public final class PodReadiness {
    private PodReadiness() {
    }

    public static boolean isReady(Pod p) {
        PodCondition c = readyCondition(p);
        return c != null && "True".equals(c.getStatus());
    }

    /** When the pod last became ready, or null when it is not ready (or the time is unknown). */
    public static Instant readySince(Pod p) {
        PodCondition c = readyCondition(p);
        return c == null || !"True".equals(c.getStatus()) || c.getLastTransitionTime() == null ? null : Instant.parse(c.getLastTransitionTime());
    }

    /** Ready, and for at least {@code minReadySeconds} by {@code now}. */
    public static boolean isAvailable(Pod p, int minReadySeconds, Instant now) {
        if (!isReady(p)) {
            return false;
        }
        if (minReadySeconds <= 0) {
            return true;
        }
        Instant since = readySince(p);
        return since != null && !since.plusSeconds(minReadySeconds).isAfter(now);
    }

    public static PodCondition readyCondition(Pod p) {
        if (p.getStatus() == null || p.getStatus().getConditions() == null) {
            return null;
        }
        return p.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
    }
}
