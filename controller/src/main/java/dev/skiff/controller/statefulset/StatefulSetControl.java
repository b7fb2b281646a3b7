package dev.skiff.controller.statefulset;

import static dev.skiff.controller.statefulset.StatefulPodIdentity.ordinal;
import static dev.skiff.controller.statefulset.StatefulPodIdentity.revision;

import dev.skiff.controller.PodReadiness;
import dev.skiff.controller.SlowStart;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One pass of upstream's updateStatefulSet (stateful_set_control.go) over a set's pods: every
 * ordinal in [start, start + replicas) gets a pod at the right revision; pods outside the range are
 * condemned and deleted from the highest ordinal down; then RollingUpdate deletes the highest pod
 * at or above the partition whose revision is not the update revision, one at a time, waiting for
 * the replacement to be running and available. OrderedReady stops at the first pod that is not
 * running, ready and available (and does one create or delete per pass); Parallel acts on all pods
 * at once (slow-start batches) and only stops on errors. Returns the status to record.
 */
final class StatefulSetControl {
    private final StatefulPodControl pods;
    private final Clock clock;

    StatefulSetControl(StatefulPodControl pods, Clock clock) {
        this.pods = pods;
        this.clock = clock;
    }

    /** The state of one pass: the replica slots (pods not created yet have no status) and the condemned pods, highest ordinal first. */
    private record Pass(StatefulSet set, Pod[] replicas, List<Pod> condemned, Pod firstUnavailable, boolean monotonic) {
    }

    StatefulSetStatus update(StatefulSet set, List<Pod> owned, ControllerRevision current, PodTemplateSpec currentTemplate,
                             ControllerRevision update, PodTemplateSpec updateTemplate, int collisionCount) throws Exception {
        StatefulSetStatus status = new StatefulSetStatusBuilder().withObservedGeneration(set.getMetadata().getGeneration())
                .withCurrentRevision(current.getMetadata().getName()).withUpdateRevision(update.getMetadata().getName())
                .withCollisionCount(collisionCount).build();
        count(status, set, current, update, owned);

        int start = StatefulPodIdentity.startOrdinal(set);
        Pod[] replicas = new Pod[StatefulPodIdentity.replicas(set)];
        List<Pod> condemned = new ArrayList<>();
        for (Pod pod : owned) {
            if (StatefulPodIdentity.inOrdinalRange(set, pod)) {
                replicas[ordinal(pod) - start] = pod;
            } else if (ordinal(pod) >= 0) {
                condemned.add(pod);
            }
        }
        int partition = partition(set);
        for (int i = 0; i < replicas.length; i++) {
            if (replicas[i] == null) {
                // below the partition a missing pod comes back at the current revision, as it was
                boolean atCurrent = rollingUpdate(set) && i < partition;
                replicas[i] = atCurrent ? StatefulPodIdentity.newPod(set, currentTemplate, start + i, current.getMetadata().getName())
                        : StatefulPodIdentity.newPod(set, updateTemplate, start + i, update.getMetadata().getName());
            }
        }
        condemned.sort(Comparator.comparingInt(StatefulPodIdentity::ordinal).reversed());
        Pod firstUnavailable = Arrays.stream(replicas).filter(p -> unavailable(set, p)).findFirst()
                .orElseGet(() -> condemned.reversed().stream().filter(p -> unavailable(set, p)).findFirst().orElse(null));

        if (set.getMetadata().getDeletionTimestamp() != null) {
            return status;
        }
        var pass = new Pass(set, replicas, condemned, firstUnavailable, !"Parallel".equals(set.getSpec().getPodManagementPolicy()));
        if (runForAll(pass, replicas.length, i -> processReplica(pass, i))
                || runForAll(pass, condemned.size(), i -> processCondemned(pass, i))) {
            return recount(status, pass, current, update);
        }
        recount(status, pass, current, update);
        if (!rollingUpdate(set)) {
            return status; // OnDelete: pods change revision when someone deletes them
        }
        for (int target = replicas.length - 1; target >= partition; target--) {
            Pod pod = replicas[target];
            if (!update.getMetadata().getName().equals(revision(pod)) && !terminating(pod)) {
                pods.delete(set, pod);
                status.setCurrentReplicas(status.getCurrentReplicas() - 1);
                return status;
            }
            if (unavailable(set, pod)) {
                return status; // wait for the replacement before the next one
            }
        }
        return status;
    }

    private interface Step {
        boolean run(int index) throws Exception;
    }

    /** Monotonic: in order, stopping where a step says to wait. Parallel: all in slow-start batches; a failure ends the pass with an error. */
    private static boolean runForAll(Pass pass, int count, Step step) throws Exception {
        if (pass.monotonic()) {
            for (int i = 0; i < count; i++) {
                if (step.run(i)) {
                    return true;
                }
            }
            return false;
        }
        List<Exception> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        int ok = SlowStart.batch(count, i -> {
            try {
                step.run(i);
                return true;
            } catch (Exception e) {
                errors.add(e);
                return false;
            }
        });
        if (ok < count && !errors.isEmpty()) {
            throw errors.getFirst();
        }
        return false;
    }

    /** Upstream's processReplica; true when the pass must stop here (monotonic). */
    private boolean processReplica(Pass pass, int i) {
        StatefulSet set = pass.set();
        Pod pod = pass.replicas()[i];
        String phase = phase(pod);
        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            // a finished stateful pod is replaced under the same name once it is gone
            if (pod.getMetadata().getDeletionTimestamp() == null) {
                pods.delete(set, pod);
            }
            return true;
        }
        if (!created(pod)) {
            pods.create(set, pod);
            if (pass.monotonic()) {
                return true;
            }
            return false;
        }
        if ("Pending".equals(phase) && set.getSpec().getVolumeClaimTemplates() != null && !set.getSpec().getVolumeClaimTemplates().isEmpty()) {
            pods.createMissingClaims(set, pod);
        }
        if (pass.monotonic() && (terminating(pod) || !runningAndReady(pod) || !runningAndAvailable(set, pod))) {
            return true;
        }
        if (!StatefulPodIdentity.identityMatches(set, pod)) {
            pods.updateIdentity(set, pod);
        }
        return false;
    }

    /** Upstream's processCondemned: delete from the highest ordinal, in monotonic mode only while the rest is healthy. */
    private boolean processCondemned(Pass pass, int i) {
        Pod pod = pass.condemned().get(i);
        if (terminating(pod)) {
            return pass.monotonic();
        }
        if (pass.monotonic() && pod != pass.firstUnavailable() && (!runningAndReady(pod) || !runningAndAvailable(pass.set(), pod))) {
            return true;
        }
        pods.delete(pass.set(), pod);
        return true;
    }

    private StatefulSetStatus recount(StatefulSetStatus status, Pass pass, ControllerRevision current, ControllerRevision update) {
        List<Pod> all = new ArrayList<>(Arrays.asList(pass.replicas()));
        all.addAll(pass.condemned());
        count(status, pass.set(), current, update, all);
        return status;
    }

    /** Upstream's computeReplicaStatus. */
    private void count(StatefulSetStatus status, StatefulSet set, ControllerRevision current, ControllerRevision update, List<Pod> all) {
        int replicas = 0;
        int ready = 0;
        int available = 0;
        int currentReplicas = 0;
        int updated = 0;
        for (Pod pod : all) {
            if (created(pod)) {
                replicas++;
            }
            if (runningAndReady(pod)) {
                ready++;
                if (runningAndAvailable(set, pod)) {
                    available++;
                }
            }
            if (created(pod) && !terminating(pod)) {
                String rev = revision(pod);
                if (current.getMetadata().getName().equals(rev)) {
                    currentReplicas++;
                }
                if (update.getMetadata().getName().equals(rev)) {
                    updated++;
                }
            }
        }
        status.setReplicas(replicas);
        status.setReadyReplicas(ready);
        status.setAvailableReplicas(available);
        status.setCurrentReplicas(currentReplicas);
        status.setUpdatedReplicas(updated);
    }

    static boolean rollingUpdate(StatefulSet set) {
        return set.getSpec().getUpdateStrategy() == null || !"OnDelete".equals(set.getSpec().getUpdateStrategy().getType());
    }

    static int partition(StatefulSet set) {
        var s = set.getSpec().getUpdateStrategy();
        return s == null || s.getRollingUpdate() == null || s.getRollingUpdate().getPartition() == null ? 0 : s.getRollingUpdate().getPartition();
    }

    private static String phase(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPhase();
    }

    /** Known to the API server (it sets a phase on create). */
    private static boolean created(Pod pod) {
        return phase(pod) != null && !phase(pod).isEmpty();
    }

    private static boolean terminating(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() != null;
    }

    private static boolean runningAndReady(Pod pod) {
        return "Running".equals(phase(pod)) && PodReadiness.isReady(pod);
    }

    private boolean runningAndAvailable(StatefulSet set, Pod pod) {
        return "Running".equals(phase(pod)) && PodReadiness.isAvailable(pod, minReadySeconds(set), clock.instant());
    }

    private boolean unavailable(StatefulSet set, Pod pod) {
        return !runningAndReady(pod) || terminating(pod) || !runningAndAvailable(set, pod);
    }

    static int minReadySeconds(StatefulSet set) {
        return set.getSpec().getMinReadySeconds() == null ? 0 : set.getSpec().getMinReadySeconds();
    }
}
