package dev.skiff.scheduler.framework;

import dev.skiff.scheduler.framework.Plugins.BindPlugin;
import dev.skiff.scheduler.framework.Plugins.EnqueueExtensions;
import dev.skiff.scheduler.framework.Plugins.FilterPlugin;
import dev.skiff.scheduler.framework.Plugins.Outcome;
import dev.skiff.scheduler.framework.Plugins.PermitPlugin;
import dev.skiff.scheduler.framework.Plugins.Plugin;
import dev.skiff.scheduler.framework.Plugins.PostFilterPlugin;
import dev.skiff.scheduler.framework.Plugins.PreBindPlugin;
import dev.skiff.scheduler.framework.Plugins.PreEnqueuePlugin;
import dev.skiff.scheduler.framework.Plugins.PreFilterPlugin;
import dev.skiff.scheduler.framework.Plugins.PreFilterResult;
import dev.skiff.scheduler.framework.Plugins.PreScorePlugin;
import dev.skiff.scheduler.framework.Plugins.QueueSortPlugin;
import dev.skiff.scheduler.framework.Plugins.ReservePlugin;
import dev.skiff.scheduler.framework.Plugins.ScorePlugin;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One profile's plugins in order per extension point, and the code that runs them, as upstream's
 * frameworkImpl. Built by {@code profile.Profiles} from the configuration.
 */
public final class Framework {
    /** The plugins enabled at each extension point, in order, and the score weights. */
    public record Enabled(List<String> preEnqueue, String queueSort, List<String> preFilter, List<String> filter,
                          List<String> postFilter, List<String> preScore, Map<String, Integer> score,
                          List<String> reserve, List<String> permit, List<String> preBind, List<String> bind) {
    }

    private final String profileName;
    private final Integer percentageOfNodesToScore;
    private final Parallelizer parallelizer;
    private final Map<String, Plugin> plugins;
    private final List<PreEnqueuePlugin> preEnqueue;
    private final QueueSortPlugin queueSort;
    private final List<PreFilterPlugin> preFilter;
    private final List<FilterPlugin> filter;
    private final List<PostFilterPlugin> postFilter;
    private final List<PreScorePlugin> preScore;
    private final List<ScorePlugin> score;
    private final long[] scoreWeights;
    private final List<ReservePlugin> reserve;
    private final List<PermitPlugin> permit;
    private final List<PreBindPlugin> preBind;
    private final List<BindPlugin> bind;

    public Framework(String profileName, Integer percentageOfNodesToScore, Map<String, Plugin> plugins, Enabled e,
                     Parallelizer parallelizer) {
        this.profileName = profileName;
        this.percentageOfNodesToScore = percentageOfNodesToScore;
        this.parallelizer = parallelizer;
        this.plugins = new LinkedHashMap<>(plugins);
        this.preEnqueue = pick(e.preEnqueue(), PreEnqueuePlugin.class, "PreEnqueue");
        this.queueSort = e.queueSort() == null ? null : pick(List.of(e.queueSort()), QueueSortPlugin.class, "QueueSort").getFirst();
        this.preFilter = pick(e.preFilter(), PreFilterPlugin.class, "PreFilter");
        this.filter = pick(e.filter(), FilterPlugin.class, "Filter");
        this.postFilter = pick(e.postFilter(), PostFilterPlugin.class, "PostFilter");
        this.preScore = pick(e.preScore(), PreScorePlugin.class, "PreScore");
        this.score = pick(List.copyOf(e.score().keySet()), ScorePlugin.class, "Score");
        this.scoreWeights = e.score().values().stream().mapToLong(Integer::longValue).toArray();
        this.reserve = pick(e.reserve(), ReservePlugin.class, "Reserve");
        this.permit = pick(e.permit(), PermitPlugin.class, "Permit");
        this.preBind = pick(e.preBind(), PreBindPlugin.class, "PreBind");
        this.bind = pick(e.bind(), BindPlugin.class, "Bind");
    }

    private <T extends Plugin> List<T> pick(List<String> names, Class<T> type, String point) {
        List<T> out = new ArrayList<>();
        for (String n : names) {
            Plugin p = plugins.get(n);
            if (p == null) {
                throw new IllegalArgumentException(point + " plugin \"" + n + "\" does not exist");
            }
            if (!type.isInstance(p)) {
                throw new IllegalArgumentException("plugin \"" + n + "\" does not extend " + point + " plugin");
            }
            out.add(type.cast(p));
        }
        return List.copyOf(out);
    }

    public String profileName() {
        return profileName;
    }

    public Integer percentageOfNodesToScore() {
        return percentageOfNodesToScore;
    }

    public Parallelizer parallelizer() {
        return parallelizer;
    }

    public Plugin plugin(String name) {
        return plugins.get(name);
    }

    public Comparator<QueuedPod> queueSortLess() {
        return queueSort.less();
    }

    public boolean hasFilterPlugins() {
        return !filter.isEmpty();
    }

    public boolean hasScorePlugins() {
        return !score.isEmpty();
    }

    /** The events each enabled plugin registered, for the queue's requeueing. */
    public Map<String, List<ClusterEventWithHint>> eventsToRegister() {
        Map<String, List<ClusterEventWithHint>> m = new LinkedHashMap<>();
        for (Plugin p : plugins.values()) {
            if (p instanceof EnqueueExtensions ee) {
                m.put(p.name(), ee.eventsToRegister());
            }
        }
        return m;
    }

    public Status runPreEnqueuePlugins(Pod pod) {
        for (PreEnqueuePlugin p : preEnqueue) {
            Status s = p.preEnqueue(pod);
            if (!s.isSuccess()) {
                return s.withPlugin(p.name());
            }
        }
        return Status.success();
    }

    /** Runs PreFilter; the result intersects every plugin's narrowed node set. */
    public Outcome<PreFilterResult> runPreFilterPlugins(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        Set<String> narrowed = null;
        for (PreFilterPlugin p : preFilter) {
            Outcome<PreFilterResult> r = p.preFilter(state, pod, nodes);
            if (r.status().isSkip()) {
                state.skipFilterPlugins().add(p.name());
                continue;
            }
            if (!r.status().isSuccess()) {
                return Outcome.status(r.status().withPlugin(p.name()));
            }
            if (r.value() != null && r.value().nodeNames() != null) {
                state.preFilterNarrowedBy().add(p.name());
                if (narrowed == null) {
                    narrowed = new HashSet<>(r.value().nodeNames());
                } else {
                    narrowed.retainAll(r.value().nodeNames());
                }
                if (narrowed.isEmpty()) {
                    return Outcome.status(Status.unresolvable("node(s) didn't satisfy plugin(s) "
                            + state.preFilterNarrowedBy().toString().replace(",", "")).withPlugin(p.name()));
                }
            }
        }
        return Outcome.of(new PreFilterResult(narrowed));
    }

    public Status runPreFilterExtensionAddPod(CycleState state, PodInfo pod, PodInfo toAdd, NodeInfo nodeInfo) {
        for (PreFilterPlugin p : preFilter) {
            if (p.preFilterExtensions() == null || state.skipFilterPlugins().contains(p.name())) {
                continue;
            }
            Status s = p.preFilterExtensions().addPod(state, pod, toAdd, nodeInfo);
            if (!s.isSuccess()) {
                return s.withPlugin(p.name());
            }
        }
        return Status.success();
    }

    public Status runPreFilterExtensionRemovePod(CycleState state, PodInfo pod, PodInfo toRemove, NodeInfo nodeInfo) {
        for (PreFilterPlugin p : preFilter) {
            if (p.preFilterExtensions() == null || state.skipFilterPlugins().contains(p.name())) {
                continue;
            }
            Status s = p.preFilterExtensions().removePod(state, pod, toRemove, nodeInfo);
            if (!s.isSuccess()) {
                return s.withPlugin(p.name());
            }
        }
        return Status.success();
    }

    /** Runs Filter until the first plugin that does not pass, as upstream. */
    public Status runFilterPlugins(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        for (FilterPlugin p : state.filterPluginsToRun(filter)) {
            Status s = p.filter(state, pod, nodeInfo);
            if (!s.isSuccess()) {
                return s.isRejected() ? s.withPlugin(p.name())
                        : Status.error("running \"" + p.name() + "\" filter plugin: " + s.message()).withPlugin(p.name());
            }
        }
        return Status.success();
    }

    /**
     * Filters with the pods nominated to this node that are at least as important added first,
     * then (if there were any) without them, as upstream's RunFilterPluginsWithNominatedPods: the
     * pod must fit both with the nominated pods and without them (their affinity may have helped).
     */
    public Status runFilterPluginsWithNominatedPods(CycleState state, PodInfo pod, NodeInfo nodeInfo, Handle handle) {
        List<PodInfo> nominated = handle == null ? List.of() : handle.nominatedPodsForNode(nodeInfo.name());
        if (nominated.isEmpty()) { // nearly always: no stream per node for nothing
            return runFilterPlugins(state, pod, nodeInfo);
        }
        int priority = priority(pod.pod());
        List<PodInfo> add = nominated.stream()
                .filter(n -> priority(n.pod()) >= priority && !n.key().equals(pod.key())).toList();
        if (add.isEmpty()) {
            return runFilterPlugins(state, pod, nodeInfo);
        }
        CycleState withNominated = state.copy();
        NodeInfo copy = nodeInfo.copy();
        for (PodInfo n : add) {
            copy.addPod(n);
            Status s = runPreFilterExtensionAddPod(withNominated, pod, n, copy);
            if (!s.isSuccess()) {
                return s;
            }
        }
        Status s = runFilterPlugins(withNominated, pod, copy);
        if (!s.isSuccess()) {
            return s;
        }
        return runFilterPlugins(state, pod, nodeInfo);
    }

    public static int priority(Pod pod) {
        Integer p = pod.getSpec().getPriority();
        return p == null ? 0 : p;
    }

    /** Runs PostFilter plugins until one succeeds (nominates) or fails hard. */
    public Outcome<String> runPostFilterPlugins(CycleState state, PodInfo pod, Map<String, Status> statuses) {
        List<String> reasons = new ArrayList<>();
        for (PostFilterPlugin p : postFilter) {
            Outcome<String> r = p.postFilter(state, pod, statuses);
            if (r.status().isSuccess()) {
                return r;
            }
            if (!r.status().isRejected()) {
                return Outcome.status(r.status().withPlugin(p.name()));
            }
            reasons.addAll(r.status().reasons());
        }
        return Outcome.status(new Status(Code.UNSCHEDULABLE, reasons, null));
    }

    public Status runPreScorePlugins(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        for (PreScorePlugin p : preScore) {
            Status s = p.preScore(state, pod, nodes);
            if (s.isSkip()) {
                state.skipScorePlugins().add(p.name());
            } else if (!s.isSuccess()) {
                return s.withPlugin(p.name());
            }
        }
        return Status.success();
    }

    /** Scores every node with every plugin, normalizes, weights and sums, as upstream's RunScorePlugins. */
    public long[] runScorePlugins(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        List<Integer> active = new ArrayList<>();
        for (int i = 0; i < score.size(); i++) {
            if (!state.skipScorePlugins().contains(score.get(i).name())) {
                active.add(i);
            }
        }
        long[][] perPlugin = new long[active.size()][nodes.size()];
        parallelizer.until(nodes.size(), n -> {
            for (int k = 0; k < active.size(); k++) {
                perPlugin[k][n] = score.get(active.get(k)).score(state, pod, nodes.get(n));
            }
        });
        long[] total = new long[nodes.size()];
        for (int k = 0; k < active.size(); k++) {
            ScorePlugin p = score.get(active.get(k));
            p.normalizeScore(state, pod, perPlugin[k], nodes);
            long weight = scoreWeights[active.get(k)];
            for (int n = 0; n < nodes.size(); n++) {
                long s = perPlugin[k][n];
                if (s < Plugins.MIN_NODE_SCORE || s > Plugins.MAX_NODE_SCORE) {
                    throw new IllegalStateException("plugin " + p.name() + " returns an invalid score " + s
                            + ", it should in the range of [0, 100] after normalizing");
                }
                total[n] += s * weight;
            }
        }
        return total;
    }

    public Status runReservePluginsReserve(CycleState state, PodInfo pod, String nodeName) {
        for (ReservePlugin p : reserve) {
            Status s = p.reserve(state, pod, nodeName);
            if (!s.isSuccess()) {
                return s.withPlugin(p.name());
            }
        }
        return Status.success();
    }

    /** Unreserve in reverse order, as upstream. */
    public void runReservePluginsUnreserve(CycleState state, PodInfo pod, String nodeName) {
        for (int i = reserve.size() - 1; i >= 0; i--) {
            reserve.get(i).unreserve(state, pod, nodeName);
        }
    }

    /** Wait is not supported yet: a Permit plugin that waits is treated as rejecting. */
    public Status runPermitPlugins(CycleState state, PodInfo pod, String nodeName) {
        for (PermitPlugin p : permit) {
            Status s = p.permit(state, pod, nodeName);
            if (!s.isSuccess()) {
                return s.withPlugin(p.name());
            }
        }
        return Status.success();
    }

    public Status runPreBindPlugins(CycleState state, PodInfo pod, String nodeName) {
        for (PreBindPlugin p : preBind) {
            Status s = p.preBind(state, pod, nodeName);
            if (!s.isSuccess()) {
                return s.withPlugin(p.name());
            }
        }
        return Status.success();
    }

    public Status runBindPlugins(CycleState state, PodInfo pod, String nodeName) {
        for (BindPlugin p : bind) {
            Status s = p.bind(state, pod, nodeName);
            if (!s.isSkip()) {
                return s.withPlugin(p.name());
            }
        }
        return Status.error("no bind plugin bound pod " + pod.key());
    }
}
