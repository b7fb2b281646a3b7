package dev.skiff.scheduler.framework.plugins.nodeaffinity;

import dev.skiff.api.scheduling.RequiredNodeAffinity;
import dev.skiff.scheduler.framework.ClusterEvent;
import dev.skiff.scheduler.framework.ClusterEvent.ActionType;
import dev.skiff.scheduler.framework.ClusterEventWithHint;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins;
import dev.skiff.scheduler.framework.Plugins.EnqueueExtensions;
import dev.skiff.scheduler.framework.Plugins.FilterPlugin;
import dev.skiff.scheduler.framework.Plugins.Outcome;
import dev.skiff.scheduler.framework.Plugins.PreFilterPlugin;
import dev.skiff.scheduler.framework.Plugins.PreFilterResult;
import dev.skiff.scheduler.framework.Plugins.PreScorePlugin;
import dev.skiff.scheduler.framework.Plugins.ScorePlugin;
import dev.skiff.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * nodeSelector and node affinity: Filter on the required part (plus the profile's addedAffinity),
 * Score by the summed weights of the matching preferred terms. PreFilter narrows the cycle to the
 * nodes named by a required metadata.name In matchField, as upstream.
 */
public final class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    public static final String NAME = "NodeAffinity";
    public static final String ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
    public static final String ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";

    private final NodeSelector addedAffinity;

    /** @param addedAffinity NodeAffinityArgs.addedAffinity's required selector, or null */
    public NodeAffinity(NodeSelector addedAffinity) {
        this.addedAffinity = addedAffinity;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Outcome<PreFilterResult> preFilter(CycleState state, PodInfo pod, List<dev.skiff.scheduler.framework.NodeInfo> nodes) {
        RequiredNodeAffinity req = RequiredNodeAffinity.of(pod.pod());
        if ((req.nodeSelector() == null || req.nodeSelector().isEmpty()) && req.required() == null && addedAffinity == null) {
            return Outcome.status(Status.skip());
        }
        if (req.required() == null) {
            return Outcome.of(PreFilterResult.all());
        }
        // a term without a metadata.name In field can match any node; otherwise union the names
        Set<String> names = new HashSet<>();
        for (NodeSelectorTerm term : req.required().getNodeSelectorTerms()) {
            Set<String> termNames = null;
            for (NodeSelectorRequirement r : term.getMatchFields() == null ? List.<NodeSelectorRequirement>of() : term.getMatchFields()) {
                if ("metadata.name".equals(r.getKey()) && "In".equals(r.getOperator())) {
                    Set<String> v = new HashSet<>(r.getValues());
                    if (termNames == null) {
                        termNames = v;
                    } else {
                        termNames.retainAll(v);
                    }
                }
            }
            if (termNames == null) {
                return Outcome.of(PreFilterResult.all());
            }
            names.addAll(termNames);
        }
        if (names.isEmpty()) {
            return Outcome.status(Status.unresolvable(ERR_REASON_POD));
        }
        return Outcome.of(new PreFilterResult(names));
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        Node node = nodeInfo.node();
        if (addedAffinity != null && !RequiredNodeAffinity.matchesSelector(addedAffinity, nodeInfo.name(), nodeInfo.labels())) {
            return Status.unresolvable(ERR_REASON_ENFORCED);
        }
        return RequiredNodeAffinity.of(pod.pod()).matches(node) ? Status.success() : Status.unresolvable(ERR_REASON_POD);
    }

    @Override
    public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        return preferred(pod).isEmpty() ? Status.skip() : Status.success();
    }

    private static List<PreferredSchedulingTerm> preferred(PodInfo pod) {
        var a = pod.pod().getSpec().getAffinity();
        if (a == null || a.getNodeAffinity() == null || a.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution() == null) {
            return List.of();
        }
        return a.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        long sum = 0;
        Map<String, String> labels = nodeInfo.labels();
        for (PreferredSchedulingTerm t : preferred(pod)) {
            if (t.getWeight() != null && t.getWeight() != 0 && RequiredNodeAffinity.matchesTerm(t.getPreference(), nodeInfo.name(), labels)) {
                sum += t.getWeight();
            }
        }
        return sum;
    }

    @Override
    public void normalizeScore(CycleState state, PodInfo pod, long[] scores, List<NodeInfo> nodes) {
        Plugins.defaultNormalizeScore(Plugins.MAX_NODE_SCORE, false, scores);
    }

    @Override
    public List<ClusterEventWithHint> eventsToRegister() {
        return List.of(new ClusterEventWithHint(ClusterEvent.of(ClusterEvent.Resource.NODE, ActionType.ADD, ActionType.UPDATE_NODE_LABEL),
                (pod, oldObj, newObj) -> RequiredNodeAffinity.of(pod).matches((Node) newObj)));
    }
}
