package dev.skiff.scheduler.framework.plugins.defaultpreemption;

import dev.skiff.scheduler.framework.Code;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.FitError;
import dev.skiff.scheduler.framework.Framework;
import dev.skiff.scheduler.framework.Handle;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins.Outcome;
import dev.skiff.scheduler.framework.Plugins.PostFilterPlugin;
import dev.skiff.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Preemption, as upstream's DefaultPreemption PostFilter: on the nodes that rejected the pod for a
 * resolvable reason, remove every lower-priority pod in a what-if copy; where the pod then fits,
 * add victims back from most to least important while it still fits (reprieve). Among the
 * candidates pick the node whose most important victim is least important, then the smallest sum
 * of victim priorities, the fewest victims, the latest start of the top victims. Then delete the
 * victims and nominate the node.
 *
 * <p>Not yet: PodDisruptionBudgets (upstream prefers candidates violating fewer PDBs; here every
 * victim counts as non-violating, until the policy API is served) and the asynchronous victim
 * deletion.
 */
public final class DefaultPreemption implements PostFilterPlugin {
    public static final String NAME = "DefaultPreemption";
    static final String NOT_HELPFUL = "Preemption is not helpful for scheduling";
    static final String NO_VICTIMS = "No preemption victims found for incoming pod";

    private final Handle handle;
    private final int minCandidateNodesPercentage;
    private final int minCandidateNodesAbsolute;
    private final RandomGenerator random;

    public DefaultPreemption(Handle handle, int minCandidateNodesPercentage, int minCandidateNodesAbsolute, RandomGenerator random) {
        this.handle = handle;
        this.minCandidateNodesPercentage = minCandidateNodesPercentage;
        this.minCandidateNodesAbsolute = minCandidateNodesAbsolute;
        this.random = random;
    }

    @Override
    public String name() {
        return NAME;
    }

    record Candidate(String node, List<Pod> victims) {
    }

    @Override
    public Outcome<String> postFilter(CycleState state, PodInfo pod, Map<String, Status> filteredNodeStatus) {
        Outcome<String> r = preempt(state, pod, filteredNodeStatus);
        String msg = r.status().message();
        if (!r.status().isSuccess() && !msg.isEmpty()) {
            return new Outcome<>(r.value(), new Status(r.status().code(), List.of("preemption: " + msg), null));
        }
        return r;
    }

    private Outcome<String> preempt(CycleState state, PodInfo pod, Map<String, Status> statuses) {
        String notEligible = notEligible(pod.pod());
        if (notEligible != null) {
            return Outcome.status(Status.unschedulable(notEligible));
        }
        List<NodeInfo> all = handle.snapshot().nodeInfoList;
        Map<String, Status> result = new HashMap<>();
        List<NodeInfo> potential = new ArrayList<>();
        for (NodeInfo n : all) {
            Status s = statuses.get(n.name());
            if (s != null && s.code() == Code.UNSCHEDULABLE_AND_UNRESOLVABLE) {
                result.put(n.name(), Status.unresolvable(NOT_HELPFUL));
            } else {
                potential.add(n);
            }
        }
        List<Candidate> candidates = new ArrayList<>();
        if (!potential.isEmpty()) {
            int want = Math.min(potential.size(), Math.max(potential.size() * minCandidateNodesPercentage / 100, minCandidateNodesAbsolute));
            int offset = random.nextInt(potential.size());
            for (int i = 0; i < potential.size() && candidates.size() < want; i++) {
                NodeInfo n = potential.get((offset + i) % potential.size());
                List<Pod> victims = new ArrayList<>();
                Status s = selectVictimsOnNode(state.copy(), pod, n.copy(), victims);
                if (s.isSuccess()) {
                    candidates.add(new Candidate(n.name(), victims));
                } else {
                    result.put(n.name(), s);
                }
            }
        }
        if (candidates.isEmpty()) {
            // upstream's wording keeps the inner FitError's final "." (so the event ends in "..")
            return new Outcome<>("", Status.unschedulable(new FitError(all.size(), result, null, null).message()));
        }
        Candidate best = pickOneNodeForPreemption(candidates);
        deleteVictims(best.victims(), pod.pod());
        int priority = Framework.priority(pod.pod());
        for (PodInfo nominated : handle.nominatedPodsForNode(best.node())) {
            if (Framework.priority(nominated.pod()) < priority) {
                handle.clearNomination(nominated.pod());
            }
        }
        return Outcome.of(best.node());
    }

    /**
     * Deletes the victims all at once (upstream's prepareCandidate deletes them in parallel): each is an API round trip, and
     * a node's worth of victims one after another held the scheduling loop for as many round trips.
     */
    private void deleteVictims(List<Pod> victims, Pod preemptor) {
        if (victims.size() == 1) {
            handle.deleteVictim(victims.getFirst(), preemptor);
            return;
        }
        try (var deletes = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> pending = victims.stream()
                    .<java.util.concurrent.Future<?>>map(v -> deletes.submit(() -> handle.deleteVictim(v, preemptor))).toList();
            for (var delete : pending) {
                try {
                    delete.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted deleting preemption victims", e);
                }
            }
        }
    }

    /** Why the pod may not preempt, or null; upstream's PodEligibleToPreemptOthers. */
    private String notEligible(Pod pod) {
        if ("Never".equals(pod.getSpec().getPreemptionPolicy())) {
            return "not eligible due to preemptionPolicy=Never.";
        }
        String nominated = pod.getStatus() == null ? null : pod.getStatus().getNominatedNodeName();
        if (nominated != null && !nominated.isEmpty()) {
            NodeInfo n = handle.snapshot().get(nominated);
            if (n != null) {
                int priority = Framework.priority(pod);
                for (PodInfo p : n.pods()) {
                    if (p.pod().getMetadata().getDeletionTimestamp() != null && Framework.priority(p.pod()) < priority) {
                        return "not eligible due to a terminating pod on the nominated node.";
                    }
                }
            }
        }
        return null;
    }

    private Status selectVictimsOnNode(CycleState state, PodInfo pod, NodeInfo node, List<Pod> victims) {
        Framework fwk = handle.framework();
        int priority = Framework.priority(pod.pod());
        List<PodInfo> potential = new ArrayList<>();
        for (PodInfo p : List.copyOf(node.pods())) {
            if (Framework.priority(p.pod()) < priority) {
                potential.add(p);
                node.removePod(p.key());
                Status s = fwk.runPreFilterExtensionRemovePod(state, pod, p, node);
                if (!s.isSuccess()) {
                    return s;
                }
            }
        }
        if (potential.isEmpty()) {
            return Status.unresolvable(NO_VICTIMS);
        }
        Status fits = fwk.runFilterPluginsWithNominatedPods(state, pod, node, handle);
        if (!fits.isSuccess()) {
            return fits;
        }
        potential.sort(MORE_IMPORTANT);
        for (PodInfo p : potential) {
            node.addPod(p);
            fwk.runPreFilterExtensionAddPod(state, pod, p, node);
            if (!fwk.runFilterPluginsWithNominatedPods(state, pod, node, handle).isSuccess()) {
                node.removePod(p.key());
                fwk.runPreFilterExtensionRemovePod(state, pod, p, node);
                victims.add(p.pod());
            }
        }
        return Status.success();
    }

    /** Higher priority first; equal priorities: the one that started earlier. */
    private static final Comparator<PodInfo> MORE_IMPORTANT = Comparator.<PodInfo>comparingInt(p -> Framework.priority(p.pod())).reversed()
            .thenComparing(p -> startTime(p.pod()));

    private static Instant startTime(Pod p) {
        String t = p.getStatus() == null ? null : p.getStatus().getStartTime();
        if (t == null) {
            t = p.getMetadata().getCreationTimestamp();
        }
        return t == null ? Instant.MAX : Instant.parse(t);
    }

    static Candidate pickOneNodeForPreemption(List<Candidate> candidates) {
        Comparator<Candidate> order = Comparator
                .<Candidate>comparingInt(c -> c.victims().stream().mapToInt(Framework::priority).max().orElse(Integer.MIN_VALUE))
                .thenComparingLong(c -> c.victims().stream().mapToLong(v -> (long) Framework.priority(v) + Integer.MAX_VALUE + 1).sum())
                .thenComparingInt(c -> c.victims().size())
                .thenComparing(c -> latestStartOfTopVictims(c), Comparator.reverseOrder());
        return candidates.stream().min(order).orElseThrow();
    }

    /** The earliest start among the highest-priority victims; the later this is, the better. */
    private static Instant latestStartOfTopVictims(Candidate c) {
        int top = c.victims().stream().mapToInt(Framework::priority).max().orElse(0);
        return c.victims().stream().filter(v -> Framework.priority(v) == top).map(DefaultPreemption::startTime)
                .min(Comparator.naturalOrder()).orElse(Instant.MIN);
    }
}
