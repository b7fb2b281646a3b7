package dev.skiff.agent.kubelet.config;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.Objects;

/**
 * Which pod updates from the API server are updates for the kubelet (upstream's checkAndUpdatePod in
 * pkg/kubelet/config): a change of the spec, labels, annotations, deletionTimestamp,
 * deletionGracePeriodSeconds (or uid) is; a change of the status alone is only a reconcile.
 */
public final class PodUpdates {
    private PodUpdates() {
    }

    /** True when only the status (or nothing the kubelet acts on) changed between the two versions. */
    public static boolean statusOnly(Pod old, Pod now) {
        return !differSemantically(old, now);
    }

    /** Upstream's podsDifferSemantically. */
    static boolean differSemantically(Pod old, Pod now) {
        var a = old.getMetadata();
        var b = now.getMetadata();
        return !Objects.equals(old.getSpec(), now.getSpec()) || !Objects.equals(orEmpty(a.getLabels()), orEmpty(b.getLabels()))
                || !Objects.equals(orEmpty(a.getAnnotations()), orEmpty(b.getAnnotations()))
                || !Objects.equals(a.getDeletionTimestamp(), b.getDeletionTimestamp())
                || !Objects.equals(a.getDeletionGracePeriodSeconds(), b.getDeletionGracePeriodSeconds())
                || !Objects.equals(a.getUid(), b.getUid());
    }

    private static Map<String, String> orEmpty(Map<String, String> map) {
        return map == null ? Map.of() : map;
    }
}
