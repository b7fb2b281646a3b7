package dev.skiff.scheduler.framework.plugins.podtopologyspread;

import dev.skiff.api.selector.LabelSelector;
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
import dev.skiff.api.scheduling.RequiredNodeAffinity;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * topologySpreadConstraints, as upstream. Filter (DoNotSchedule): placing the pod must keep
 * (matching pods in the node's domain + self) - (global minimum, or 0 below minDomains) within
 * maxSkew. Score (ScheduleAnyway, and the default constraints for pods without any): fewer
 * matching pods in the node's domains scores higher, each constraint weighted by log(domains + 2).
 */
public final class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    public static final String NAME = "PodTopologySpread";
    public static final String ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
    public static final String ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)";
    /** Filter's answers, one each: it rejects most nodes of a cycle when the spread is tight. */
    private static final Status CONSTRAINTS_NOT_MATCH = Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH).withPlugin(NAME);
    private static final Status NODE_LABEL_NOT_MATCH = Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH).withPlugin(NAME);
    private static final String HOSTNAME = "kubernetes.io/hostname";
    private static final String PRE_FILTER_KEY = "PreFilter" + NAME;
    private static final String PRE_SCORE_KEY = "PreScore" + NAME;

    /** Upstream's system default constraints (defaultingType System). */
    public static final List<TopologySpreadConstraint> SYSTEM_DEFAULT_CONSTRAINTS = List.of(
            new TopologySpreadConstraintBuilder().withTopologyKey("topology.kubernetes.io/zone").withMaxSkew(5).withWhenUnsatisfiable("ScheduleAnyway").build(),
            new TopologySpreadConstraintBuilder().withTopologyKey(HOSTNAME).withMaxSkew(3).withWhenUnsatisfiable("ScheduleAnyway").build());

    private final Handle handle;
    private final List<TopologySpreadConstraint> defaultConstraints;
    private final MatchCounts.Cache matchCounts = new MatchCounts.Cache();

    public PodTopologySpread(Handle handle, List<TopologySpreadConstraint> defaultConstraints) {
        this.handle = handle;
        this.defaultConstraints = List.copyOf(defaultConstraints);
    }

    @Override
    public String name() {
        return NAME;
    }

    record TopologyPair(String key, String value) {
    }

    /**
     * Upstream's preFilterState: per constraint, the matching pods in each eligible domain (every
     * eligible domain present, with 0 when it has none), and the global minimum per constraint.
     */
    static final class PreFilterState implements CycleState.StateData {
        List<Constraint> constraints = List.of();
        List<Map<String, Integer>> counts = List.of();
        /**
         * Per constraint the minimum match over its domains (0 below minDomains), worked out whenever
         * the counts change (PreFilter, AddPod/RemovePod on a cycle's copy): Filter only reads it, from
         * several threads at once.
         */
        private int[] minMatches = new int[0];
        /** Per constraint 1 when it selects the incoming pod itself, else 0: the same for every node of the cycle; never written after PreFilter. */
        private int[] selfMatch = new int[0];

        @Override
        public PreFilterState copy() {
            PreFilterState c = new PreFilterState();
            c.constraints = constraints;
            c.counts = counts.stream().<Map<String, Integer>>map(HashMap::new).toList();
            c.minMatches = minMatches;
            c.selfMatch = selfMatch;
            return c;
        }

        int minMatch(int constraint) {
            return minMatches[constraint];
        }

        void countsChanged() {
            int[] mins = new int[constraints.size()];
            for (int k = 0; k < mins.length; k++) {
                Map<String, Integer> domains = counts.get(k);
                if (domains.size() >= constraints.get(k).minDomains()) {
                    mins[k] = domains.values().stream().mapToInt(Integer::intValue).min().orElse(0);
                }
            }
            minMatches = mins;
        }

        void update(PodInfo incoming, PodInfo existing, NodeInfo node, int delta) {
            if (!Constraint.nodeHasAllKeys(node.labels(), constraints)) {
                return;
            }
            RequiredNodeAffinity affinity = RequiredNodeAffinity.of(incoming.pod());
            String ns = incoming.pod().getMetadata().getNamespace();
            Pod e = existing.pod();
            if (!ns.equals(e.getMetadata().getNamespace())) {
                return;
            }
            for (int k = 0; k < constraints.size(); k++) {
                Constraint c = constraints.get(k);
                if (c.includes(incoming, affinity, node) && c.selects(e.getMetadata().getLabels())) {
                    counts.get(k).merge(node.labels().get(c.topologyKey()), delta, Integer::sum);
                }
            }
            countsChanged();
        }
    }

    @Override
    public Outcome<PreFilterResult> preFilter(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        List<TopologySpreadConstraint> own = pod.pod().getSpec().getTopologySpreadConstraints();
        List<Constraint> constraints = own == null ? List.of() : Constraint.of(pod.pod(), own, "DoNotSchedule");
        if (constraints.isEmpty()) {
            return Outcome.status(Status.skip());
        }
        PreFilterState s = new PreFilterState();
        s.constraints = constraints;
        s.selfMatch = new int[constraints.size()];
        for (int k = 0; k < constraints.size(); k++) {
            s.selfMatch[k] = constraints.get(k).selects(pod.pod().getMetadata().getLabels()) ? 1 : 0;
        }
        RequiredNodeAffinity affinity = RequiredNodeAffinity.of(pod.pod());
        String ns = pod.pod().getMetadata().getNamespace();
        List<NodeInfo> all = handle.snapshot().nodeInfoList;
        int n = constraints.size();
        boolean[] everyNode = new boolean[n];
        for (int k = 0; k < n; k++) {
            everyNode[k] = constraints.get(k).includesEveryNode(affinity);
        }
        List<Map<String, Integer>> counts = new ArrayList<>(n);
        synchronized (matchCounts) {
            MatchCounts[] perNode = matchCounts.refreshed(constraints, ns, all, handle.parallelizer());
            int[][] perDomain = new int[n][];
            boolean[][] eligible = new boolean[n][];
            for (int k = 0; k < n; k++) {
                perDomain[k] = new int[perNode[k].domainCount()];
                eligible[k] = new boolean[perNode[k].domainCount()];
            }
            nodes:
            for (int i = 0; i < all.size(); i++) {
                for (MatchCounts m : perNode) {
                    if (m.domain(i) < 0) {
                        continue nodes; // lacks a constraint's topology key: counts for none
                    }
                }
                for (int k = 0; k < n; k++) {
                    if (everyNode[k] || constraints.get(k).includes(pod, affinity, all.get(i))) {
                        int d = perNode[k].domain(i);
                        perDomain[k][d] += perNode[k].count(i);
                        eligible[k][d] = true;
                    }
                }
            }
            for (int k = 0; k < n; k++) {
                Map<String, Integer> domains = new HashMap<>();
                for (int d = 0; d < perDomain[k].length; d++) {
                    if (eligible[k][d]) {
                        domains.put(perNode[k].domainName(d), perDomain[k][d]);
                    }
                }
                counts.add(domains);
            }
        }
        s.counts = counts;
        s.countsChanged();
        state.write(PRE_FILTER_KEY, s);
        return Outcome.of(PreFilterResult.all());
    }

    @Override
    public PreFilterExtensions preFilterExtensions() {
        return new PreFilterExtensions() {
            @Override
            public Status addPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo nodeInfo) {
                ((PreFilterState) state.read(PRE_FILTER_KEY)).update(podToSchedule, podToAdd, nodeInfo, 1);
                return Status.success();
            }

            @Override
            public Status removePod(CycleState state, PodInfo podToSchedule, PodInfo podToRemove, NodeInfo nodeInfo) {
                ((PreFilterState) state.read(PRE_FILTER_KEY)).update(podToSchedule, podToRemove, nodeInfo, -1);
                return Status.success();
            }
        };
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        PreFilterState s = state.read(PRE_FILTER_KEY);
        Map<String, String> labels = nodeInfo.labels();
        for (int k = 0; k < s.constraints.size(); k++) {
            Constraint c = s.constraints.get(k);
            String v = labels.get(c.topologyKey());
            if (v == null) {
                return NODE_LABEL_NOT_MATCH;
            }
            int skew = s.counts.get(k).getOrDefault(v, 0) + s.selfMatch[k] - s.minMatch(k);
            if (skew > c.maxSkew()) {
                return CONSTRAINTS_NOT_MATCH;
            }
        }
        return Status.success();
    }

    static final class PreScoreState implements CycleState.StateData {
        List<Constraint> constraints = List.of();
        final Set<String> ignoredNodes = new HashSet<>();
        final Map<TopologyPair, Long> counts = new HashMap<>();
        double[] weights;

        @Override
        public PreScoreState copy() {
            return this;
        }
    }

    private List<Constraint> softConstraints(Pod pod) {
        List<TopologySpreadConstraint> own = pod.getSpec().getTopologySpreadConstraints();
        if (own != null && !own.isEmpty()) {
            return Constraint.of(pod, own, "ScheduleAnyway");
        }
        LabelSelector selector = handle.defaultSpreadSelector(pod);
        if (defaultConstraints.isEmpty() || selector.matchesNothing() || selector.isEmpty()) {
            return List.of();
        }
        List<Constraint> out = new ArrayList<>();
        for (Constraint c : Constraint.of(pod, defaultConstraints, "ScheduleAnyway")) {
            out.add(new Constraint(c.maxSkew(), c.topologyKey(), c.whenUnsatisfiable(), selector, List.of(), c.minDomains(),
                    c.honorNodeAffinity(), c.honorNodeTaints()));
        }
        return out;
    }

    @Override
    public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> filteredNodes) {
        List<Constraint> constraints = softConstraints(pod.pod());
        if (constraints.isEmpty()) {
            return Status.skip();
        }
        PreScoreState s = new PreScoreState();
        s.constraints = constraints;
        int[] topoSize = new int[constraints.size()];
        for (NodeInfo n : filteredNodes) {
            if (!Constraint.nodeHasAllKeys(n.labels(), constraints)) {
                s.ignoredNodes.add(n.name());
                continue;
            }
            for (int i = 0; i < constraints.size(); i++) {
                Constraint c = constraints.get(i);
                if (HOSTNAME.equals(c.topologyKey())) {
                    continue;
                }
                if (s.counts.putIfAbsent(new TopologyPair(c.topologyKey(), n.labels().get(c.topologyKey())), 0L) == null) {
                    topoSize[i]++;
                }
            }
        }
        s.weights = new double[constraints.size()];
        for (int i = 0; i < constraints.size(); i++) {
            int size = HOSTNAME.equals(constraints.get(i).topologyKey()) ? filteredNodes.size() - s.ignoredNodes.size() : topoSize[i];
            s.weights[i] = Math.log(size + 2);
        }
        RequiredNodeAffinity affinity = RequiredNodeAffinity.of(pod.pod());
        String ns = pod.pod().getMetadata().getNamespace();
        for (NodeInfo n : handle.snapshot().nodeInfoList) {
            if (!Constraint.nodeHasAllKeys(n.labels(), constraints)) {
                continue;
            }
            for (Constraint c : constraints) {
                if (HOSTNAME.equals(c.topologyKey()) || !c.includes(pod, affinity, n)) {
                    continue;
                }
                TopologyPair pair = new TopologyPair(c.topologyKey(), n.labels().get(c.topologyKey()));
                if (s.counts.containsKey(pair)) {
                    s.counts.merge(pair, (long) c.countMatching(n, ns), Long::sum);
                }
            }
        }
        state.write(PRE_SCORE_KEY, s);
        return Status.success();
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        PreScoreState s = state.read(PRE_SCORE_KEY);
        if (s.ignoredNodes.contains(nodeInfo.name())) {
            return 0;
        }
        double score = 0;
        for (int i = 0; i < s.constraints.size(); i++) {
            Constraint c = s.constraints.get(i);
            long count = HOSTNAME.equals(c.topologyKey()) ? c.countMatching(nodeInfo, pod.pod().getMetadata().getNamespace())
                    : s.counts.getOrDefault(new TopologyPair(c.topologyKey(), nodeInfo.labels().get(c.topologyKey())), 0L);
            score += count * s.weights[i] + (c.maxSkew() - 1);
        }
        return Math.round(score);
    }

    @Override
    public void normalizeScore(CycleState state, PodInfo pod, long[] scores, List<NodeInfo> nodes) {
        PreScoreState s = state.read(PRE_SCORE_KEY);
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < scores.length; i++) {
            if (s.ignoredNodes.contains(nodes.get(i).name())) {
                continue;
            }
            min = Math.min(min, scores[i]);
            max = Math.max(max, scores[i]);
        }
        for (int i = 0; i < scores.length; i++) {
            if (s.ignoredNodes.contains(nodes.get(i).name())) {
                scores[i] = 0;
            } else if (max == 0) {
                scores[i] = Plugins.MAX_NODE_SCORE;
            } else {
                scores[i] = Plugins.MAX_NODE_SCORE * (max + min - scores[i]) / max;
            }
        }
    }

    @Override
    public List<ClusterEventWithHint> eventsToRegister() {
        return List.of(
                ClusterEventWithHint.always(ClusterEvent.of(ClusterEvent.Resource.POD, ActionType.ADD, ActionType.UPDATE_POD_LABEL, ActionType.DELETE)),
                ClusterEventWithHint.always(ClusterEvent.of(ClusterEvent.Resource.NODE, ActionType.ADD, ActionType.DELETE,
                        ActionType.UPDATE_NODE_LABEL, ActionType.UPDATE_NODE_TAINT)));
    }
}
