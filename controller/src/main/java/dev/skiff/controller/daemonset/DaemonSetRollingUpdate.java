package dev.skiff.controller.daemonset;

import dev.skiff.api.intstr.IntOrPercent;
import dev.skiff.controller.PodReadiness;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Upstream's DaemonSet rollingUpdate (pkg/controller/daemon/update.go), as a pure decision over the
 * pods per node: without surge, old pods are deleted while at most maxUnavailable nodes lack an
 * available pod (old pods that are not available anyway go first, for free); with maxSurge, a new
 * pod starts next to the old one on up to maxSurge nodes and the old one goes once the new one is
 * available. Both limits are resolved against the number of nodes that should run the pod, rounding
 * up, as upstream.
 */
final class DaemonSetRollingUpdate {
    private DaemonSetRollingUpdate() {
    }

    record Decision(List<String> podsToDelete, List<String> nodesToCreate) {
    }

    static Decision decide(DaemonSet ds, Map<String, List<Pod>> podsByNode, int desired, String hash, Instant now) {
        var ru = ds.getSpec().getUpdateStrategy() == null ? null : ds.getSpec().getUpdateStrategy().getRollingUpdate();
        int maxSurge = scaled(ru == null ? null : ru.getMaxSurge(), desired, 0);
        int maxUnavailable = scaled(ru == null ? null : ru.getMaxUnavailable(), desired, 1);
        if (maxSurge == 0 && maxUnavailable == 0) {
            maxUnavailable = 1; // validation forbids both 0; never stall
        }
        int minReady = ds.getSpec().getMinReadySeconds() == null ? 0 : ds.getSpec().getMinReadySeconds();
        List<String> delete = new ArrayList<>();
        List<String> create = new ArrayList<>();
        if (maxSurge == 0) {
            int unavailable = 0;
            List<String> freeToReplace = new ArrayList<>();
            List<String> candidates = new ArrayList<>();
            for (List<Pod> pods : podsByNode.values()) {
                Pod[] split = split(ds, pods, hash);
                if (split == null || (split[0] == null) == (split[1] == null)) {
                    unavailable++; // several pods, none, or old and new: the manage pass sorts it out
                } else if (split[0] != null) {
                    if (!PodReadiness.isAvailable(split[0], minReady, now)) {
                        unavailable++;
                    }
                } else if (!PodReadiness.isAvailable(split[1], minReady, now)) {
                    freeToReplace.add(split[1].getMetadata().getName());
                } else if (unavailable < maxUnavailable) {
                    candidates.add(split[1].getMetadata().getName());
                }
            }
            int room = Math.min(Math.max(maxUnavailable - unavailable, 0), candidates.size());
            delete.addAll(freeToReplace);
            delete.addAll(candidates.subList(0, room));
            return new Decision(delete, create);
        }
        int surging = 0;
        List<String> freeToSurge = new ArrayList<>();
        List<String> candidates = new ArrayList<>();
        for (var e : podsByNode.entrySet()) {
            Pod[] split = split(ds, e.getValue(), hash);
            if (split == null || split[1] == null) {
                continue;
            }
            if (split[0] == null) {
                if (!PodReadiness.isAvailable(split[1], minReady, now)) {
                    freeToSurge.add(e.getKey());
                } else {
                    candidates.add(e.getKey());
                }
            } else if (!PodReadiness.isAvailable(split[0], minReady, now)) {
                surging++; // the new pod is starting next to the old one
            } else {
                delete.add(split[1].getMetadata().getName());
            }
        }
        int room = Math.min(Math.max(maxSurge - surging, 0), candidates.size());
        create.addAll(freeToSurge);
        create.addAll(candidates.subList(0, room));
        return new Decision(delete, create);
    }

    /** The node's new and old pod, ignoring pods being deleted; null when there are two of either (upstream's findUpdatedPodsOnNode). */
    private static Pod[] split(DaemonSet ds, List<Pod> pods, String hash) {
        Pod newPod = null;
        Pod oldPod = null;
        for (Pod p : pods) {
            if (p.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            if (DaemonPlacement.isUpdated(p, hash, ds)) {
                if (newPod != null) {
                    return null;
                }
                newPod = p;
            } else {
                if (oldPod != null) {
                    return null;
                }
                oldPod = p;
            }
        }
        return new Pod[] {newPod, oldPod};
    }

    /** An int, or a percentage of {@code total} rounded up (upstream's GetScaledValueFromIntOrPercent with roundUp). */
    static int scaled(IntOrString value, int total, int dflt) {
        if (value == null) {
            return dflt;
        }
        return IntOrPercent.scaled(value, total, true);
    }
}
