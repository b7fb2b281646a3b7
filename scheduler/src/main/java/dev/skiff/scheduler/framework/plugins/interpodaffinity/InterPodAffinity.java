package dev.skiff.scheduler.framework.plugins.interpodaffinity;

import dev.skiff.scheduler.framework.AffinityTerm;
import dev.skiff.scheduler.framework.ClusterEvent;
import dev.skiff.scheduler.framework.ClusterEvent.ActionType;
import dev.skiff.scheduler.framework.ClusterEventWithHint;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.Handle;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins;
import dev.skiff.scheduler.framework.Plugins.EnqueueExtensions;
import dev.skiff.scheduler.framework.Plugins.FilterPlugin;
import dev.skiff.scheduler.framework.Plugins.Outcome;
import dev.skiff.scheduler.framework.Plugins.PreFilterExtensions;
import dev.skiff.scheduler.framework.Plugins.PreFilterPlugin;
import dev.skiff.scheduler.framework.Plugins.PreFilterResult;
import dev.skiff.scheduler.framework.Plugins.PreScorePlugin;
import dev.skiff.scheduler.framework.Plugins.ScorePlugin;
import dev.skiff.scheduler.framework.Status;
import dev.skiff.scheduler.framework.WeightedAffinityTerm;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Required and preferred pod affinity and anti-affinity, as upstream. PreFilter counts, per
 * topology pair (key=value): existing pods whose required anti-affinity selects the incoming pod,
 * and existing pods the incoming pod's required affinity / anti-affinity terms select. Filter
 * then only looks up the node's labels. Score sums weighted matches per topology pair in both
 * directions and min-max normalizes.
 */
public final class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    public static final String NAME = "InterPodAffinity";
    public static final String ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
    public static final String ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
    public static final String ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
    private static final String PRE_FILTER_KEY = "PreFilter" + NAME;
    private static final String PRE_SCORE_KEY = "PreScore" + NAME;

    private final Handle handle;
    private final long hardPodAffinityWeight;

    public InterPodAffinity(Handle handle, long hardPodAffinityWeight) {
        this.handle = handle;
        this.hardPodAffinityWeight = hardPodAffinityWeight;
    }

    @Override
    public String name() {
        return NAME;
    }

    record TopologyPair(String key, String value) {
    }

    static final class PreFilterState implements CycleState.StateData {
        final Map<TopologyPair, Integer> existingAntiAffinityCounts = new HashMap<>();
        final Map<TopologyPair, Integer> affinityCounts = new HashMap<>();
        final Map<TopologyPair, Integer> antiAffinityCounts = new HashMap<>();

        @Override
        public PreFilterState copy() {
            PreFilterState c = new PreFilterState();
            c.existingAntiAffinityCounts.putAll(existingAntiAffinityCounts);
            c.affinityCounts.putAll(affinityCounts);
            c.antiAffinityCounts.putAll(antiAffinityCounts);
            return c;
        }

        void update(PodInfo incoming, PodInfo existing, NodeInfo node, int delta, Handle handle) {
            Map<String, String> labels = node.labels();
            for (AffinityTerm t : existing.requiredAntiAffinityTerms()) {
                if (labels.containsKey(t.topologyKey()) && t.matches(incoming.pod(), handle::namespaceLabels)) {
                    existingAntiAffinityCounts.merge(new TopologyPair(t.topologyKey(), labels.get(t.topologyKey())), delta, Integer::sum);
                }
            }
            if (labels.isEmpty()) {
                return;
            }
            if (matchesAll(incoming.requiredAffinityTerms(), existing.pod(), handle)) {
                for (AffinityTerm t : incoming.requiredAffinityTerms()) {
                    if (labels.containsKey(t.topologyKey())) {
                        affinityCounts.merge(new TopologyPair(t.topologyKey(), labels.get(t.topologyKey())), delta, Integer::sum);
                    }
                }
            }
            for (AffinityTerm t : incoming.requiredAntiAffinityTerms()) {
                if (labels.containsKey(t.topologyKey()) && t.matches(existing.pod(), handle::namespaceLabels)) {
                    antiAffinityCounts.merge(new TopologyPair(t.topologyKey(), labels.get(t.topologyKey())), delta, Integer::sum);
                }
            }
        }

        /** Whether there are terms and the pod matches every one (upstream counts a pod for affinity only then). */
        private static boolean matchesAll(List<AffinityTerm> terms, Pod pod, Handle handle) {
            if (terms.isEmpty()) {
                return false;
            }
            for (AffinityTerm t : terms) {
                if (!t.matches(pod, handle::namespaceLabels)) {
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public Outcome<PreFilterResult> preFilter(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        PreFilterState s = new PreFilterState();
        boolean hasTerms = !pod.requiredAffinityTerms().isEmpty() || !pod.requiredAntiAffinityTerms().isEmpty();
        // existing pods' anti-affinity only matters on nodes holding such pods
        List<NodeInfo> scan = hasTerms ? handle.snapshot().nodeInfoList : handle.snapshot().havePodsWithRequiredAntiAffinityList;
        for (NodeInfo n : scan) {
            for (PodInfo existing : hasTerms ? n.pods() : n.podsWithRequiredAntiAffinity()) {
                s.update(pod, existing, n, 1, handle);
            }
        }
        state.write(PRE_FILTER_KEY, s);
        return Outcome.of(PreFilterResult.all());
    }

    @Override
    public PreFilterExtensions preFilterExtensions() {
        return new PreFilterExtensions() {
            @Override
            public Status addPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo nodeInfo) {
                PreFilterState s = state.read(PRE_FILTER_KEY);
                s.update(podToSchedule, podToAdd, nodeInfo, 1, handle);
                return Status.success();
            }

            @Override
            public Status removePod(CycleState state, PodInfo podToSchedule, PodInfo podToRemove, NodeInfo nodeInfo) {
                PreFilterState s = state.read(PRE_FILTER_KEY);
                s.update(podToSchedule, podToRemove, nodeInfo, -1, handle);
                return Status.success();
            }
        };
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        PreFilterState s = state.read(PRE_FILTER_KEY);
        Map<String, String> labels = nodeInfo.labels();
        // upstream's order: the pod's affinity, its anti-affinity, then the existing pods' anti-affinity
        if (!satisfiesAffinity(s, pod, labels)) {
            return Status.unresolvable(ERR_REASON_AFFINITY);
        }
        for (AffinityTerm t : pod.requiredAntiAffinityTerms()) {
            String v = labels.get(t.topologyKey());
            if (v != null && s.antiAffinityCounts.getOrDefault(new TopologyPair(t.topologyKey(), v), 0) > 0) {
                return Status.unschedulable(ERR_REASON_ANTI_AFFINITY);
            }
        }
        if (!s.existingAntiAffinityCounts.isEmpty()) {
            for (var e : labels.entrySet()) {
                if (s.existingAntiAffinityCounts.getOrDefault(new TopologyPair(e.getKey(), e.getValue()), 0) > 0) {
                    return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
                }
            }
        }
        return Status.success();
    }

    private boolean satisfiesAffinity(PreFilterState s, PodInfo pod, Map<String, String> labels) {
        boolean podsExist = true;
        for (AffinityTerm t : pod.requiredAffinityTerms()) {
            String v = labels.get(t.topologyKey());
            if (v == null) {
                return false;
            }
            if (s.affinityCounts.getOrDefault(new TopologyPair(t.topologyKey(), v), 0) <= 0) {
                podsExist = false;
            }
        }
        if (podsExist) {
            return true;
        }
        // the first pod of a group with affinity to itself must still be placeable
        Map<String, String> ownNs = handle.namespaceLabels(pod.pod().getMetadata().getNamespace());
        return s.affinityCounts.values().stream().allMatch(c -> c <= 0)
                && pod.requiredAffinityTerms().stream().allMatch(t -> t.matches(pod.pod(), ownNs));
    }

    static final class PreScoreState implements CycleState.StateData {
        final Map<TopologyPair, Long> topologyScore = new HashMap<>();

        @Override
        public PreScoreState copy() {
            PreScoreState c = new PreScoreState();
            c.topologyScore.putAll(topologyScore);
            return c;
        }
    }

    @Override
    public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        boolean hasPreferred = !pod.preferredAffinityTerms().isEmpty() || !pod.preferredAntiAffinityTerms().isEmpty();
        List<NodeInfo> scan = hasPreferred ? handle.snapshot().nodeInfoList : handle.snapshot().havePodsWithAffinityList;
        PreScoreState s = new PreScoreState();
        Function<String, Map<String, String>> nsLabels = handle::namespaceLabels;
        for (NodeInfo n : scan) {
            Map<String, String> labels = n.labels();
            for (PodInfo existing : hasPreferred ? n.pods() : n.podsWithAffinity()) {
                Pod e = existing.pod();
                add(s, labels, pod.preferredAffinityTerms(), e, nsLabels, 1);
                add(s, labels, pod.preferredAntiAffinityTerms(), e, nsLabels, -1);
                add(s, labels, existing.preferredAffinityTerms(), pod.pod(), nsLabels, 1);
                add(s, labels, existing.preferredAntiAffinityTerms(), pod.pod(), nsLabels, -1);
                if (hardPodAffinityWeight > 0) {
                    for (AffinityTerm t : existing.requiredAffinityTerms()) {
                        addPair(s, labels, t, pod.pod(), nsLabels, hardPodAffinityWeight);
                    }
                }
            }
        }
        if (s.topologyScore.isEmpty()) {
            return Status.skip();
        }
        state.write(PRE_SCORE_KEY, s);
        return Status.success();
    }

    private static void add(PreScoreState s, Map<String, String> labels, List<WeightedAffinityTerm> terms, Pod target,
                            Function<String, Map<String, String>> targetNs, int sign) {
        for (WeightedAffinityTerm w : terms) {
            addPair(s, labels, w.term(), target, targetNs, (long) sign * w.weight());
        }
    }

    private static void addPair(PreScoreState s, Map<String, String> labels, AffinityTerm t, Pod target,
                                Function<String, Map<String, String>> targetNs, long weight) {
        String v = labels.get(t.topologyKey());
        if (v != null && weight != 0 && t.matches(target, targetNs)) {
            s.topologyScore.merge(new TopologyPair(t.topologyKey(), v), weight, Long::sum);
        }
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        PreScoreState s = state.read(PRE_SCORE_KEY);
        long score = 0;
        for (var e : s.topologyScore.entrySet()) {
            if (e.getKey().value().equals(nodeInfo.labels().get(e.getKey().key()))) {
                score += e.getValue();
            }
        }
        return score;
    }

    @Override
    public void normalizeScore(CycleState state, PodInfo pod, long[] scores, List<NodeInfo> nodes) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (long s : scores) {
            min = Math.min(min, s);
            max = Math.max(max, s);
        }
        long diff = max - min;
        for (int i = 0; i < scores.length; i++) {
            scores[i] = diff > 0 ? (long) (Plugins.MAX_NODE_SCORE * ((double) (scores[i] - min) / diff)) : 0;
        }
    }

    @Override
    public List<ClusterEventWithHint> eventsToRegister() {
        return List.of(
                ClusterEventWithHint.always(ClusterEvent.of(ClusterEvent.Resource.POD, ActionType.ADD, ActionType.UPDATE_POD_LABEL, ActionType.DELETE)),
                ClusterEventWithHint.always(ClusterEvent.of(ClusterEvent.Resource.NODE, ActionType.ADD, ActionType.UPDATE_NODE_LABEL)));
    }
}
