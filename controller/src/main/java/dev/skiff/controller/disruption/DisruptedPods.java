package dev.skiff.controller.disruption;

import dev.skiff.controller.PodReadiness;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * status.disruptedPods bookkeeping, as upstream's buildDisruptedPodMap and countHealthyPods: the
 * eviction subresource records each pod it approved; the entry stays until the pod is seen being
 * deleted (or is gone), or {@link #DELETION_TIMEOUT} passed without that (then the eviction is taken
 * not to have happened). Pods with an entry do not count as healthy meanwhile.
 *
 * @param kept the entries still pending, keyed by pod name
 * @param recheckAt when the earliest kept entry times out (the budget is synced again then), or null
 * @param expired pods whose entry timed out without their deletion
 */
record DisruptedPods(Map<String, String> kept, Instant recheckAt, List<Pod> expired) {

    /** How long an approved eviction may take to show as the pod's deletion (upstream's DeletionTimeout). */
    static final Duration DELETION_TIMEOUT = Duration.ofMinutes(2);

    static DisruptedPods of(List<Pod> pods, PodDisruptionBudget pdb, Instant now) {
        Map<String, String> recorded = pdb.getStatus() == null ? null : pdb.getStatus().getDisruptedPods();
        Map<String, String> kept = new TreeMap<>();
        List<Pod> expired = new ArrayList<>();
        Instant recheckAt = null;
        if (recorded == null) {
            return new DisruptedPods(kept, null, expired);
        }
        for (Pod pod : pods) {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            String at = recorded.get(pod.getMetadata().getName());
            if (at == null) {
                continue;
            }
            Instant expectedDeletion = Instant.parse(at).plus(DELETION_TIMEOUT);
            if (expectedDeletion.isBefore(now)) {
                expired.add(pod);
            } else {
                if (recheckAt == null || expectedDeletion.isBefore(recheckAt)) {
                    recheckAt = expectedDeletion;
                }
                kept.put(pod.getMetadata().getName(), at);
            }
        }
        return new DisruptedPods(kept, recheckAt, expired);
    }

    /** Ready pods neither being deleted nor about to be (a pending eviction), as upstream's countHealthyPods. */
    int healthy(List<Pod> pods, Instant now) {
        int healthy = 0;
        for (Pod pod : pods) {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            String at = kept.get(pod.getMetadata().getName());
            if (at != null && Instant.parse(at).plus(DELETION_TIMEOUT).isAfter(now)) {
                continue;
            }
            if (PodReadiness.isReady(pod)) {
                healthy++;
            }
        }
        return healthy;
    }
}
