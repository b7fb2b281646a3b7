package dev.skiff.scheduler.framework.plugins.podtopologyspread;

import dev.skiff.api.selector.LabelSelector;
import dev.skiff.api.selector.Operator;
import dev.skiff.api.selector.Requirement;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.api.scheduling.RequiredNodeAffinity;
import dev.skiff.scheduler.framework.plugins.tainttoleration.TaintToleration;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A parsed topology spread constraint, as upstream's topologySpreadConstraint: matchLabelKeys
 * folded into the selector with the pod's own values, and the node inclusion policies (affinity
 * Honor and taints Ignore by default).
 */
record Constraint(int maxSkew, String topologyKey, String whenUnsatisfiable, LabelSelector selector,
                  List<Requirement> matchLabelKeys, int minDomains, boolean honorNodeAffinity, boolean honorNodeTaints) {

    static List<Constraint> of(Pod pod, List<TopologySpreadConstraint> constraints, String when) {
        List<Constraint> out = new ArrayList<>();
        Map<String, String> podLabels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        for (TopologySpreadConstraint c : constraints) {
            if (!when.equals(c.getWhenUnsatisfiable())) {
                continue;
            }
            LabelSelector selector = LabelSelector.from(c.getLabelSelector());
            List<Requirement> extra = new ArrayList<>();
            if (c.getMatchLabelKeys() != null && c.getLabelSelector() != null) {
                for (String k : c.getMatchLabelKeys()) {
                    if (podLabels.containsKey(k)) {
                        extra.add(Requirement.of(k, Operator.IN, List.of(podLabels.get(k))));
                    }
                }
            }
            out.add(new Constraint(c.getMaxSkew(), c.getTopologyKey(), c.getWhenUnsatisfiable(), selector, List.copyOf(extra),
                    c.getMinDomains() == null ? 1 : c.getMinDomains(),
                    !"Ignore".equals(c.getNodeAffinityPolicy()), "Honor".equals(c.getNodeTaintsPolicy())));
        }
        return out;
    }

    boolean selects(Map<String, String> labels) {
        if (!selector.matches(labels)) {
            return false;
        }
        Map<String, String> l = labels == null ? Map.of() : labels;
        for (int i = 0; i < matchLabelKeys.size(); i++) { // per pod of the counted nodes, per cycle: no stream
            if (!matchLabelKeys.get(i).matches(l)) {
                return false;
            }
        }
        return true;
    }

    /** Whether every node counts for this constraint under its inclusion policies, whatever its labels and taints. */
    boolean includesEveryNode(RequiredNodeAffinity affinity) {
        return (!honorNodeAffinity || affinity.isEmpty()) && !honorNodeTaints;
    }

    /** Whether the node counts for this constraint under its inclusion policies. */
    boolean includes(PodInfo pod, RequiredNodeAffinity affinity, NodeInfo node) {
        if (honorNodeAffinity && !affinity.matches(node.node())) {
            return false;
        }
        return !honorNodeTaints || TaintToleration.firstUntolerated(node, pod.pod().getSpec().getTolerations()) == null;
    }

    /** Pods on the node in the pod's namespace, matching the selector and not terminating. */
    int countMatching(NodeInfo node, String namespace) {
        int n = 0;
        for (PodInfo p : node.pods()) {
            Pod e = p.pod();
            if (e.getMetadata().getDeletionTimestamp() == null && namespace.equals(e.getMetadata().getNamespace())
                    && selects(e.getMetadata().getLabels())) {
                n++;
            }
        }
        return n;
    }

    static boolean nodeHasAllKeys(Map<String, String> labels, List<Constraint> constraints) {
        for (Constraint c : constraints) {
            if (!labels.containsKey(c.topologyKey())) {
                return false;
            }
        }
        return true;
    }
}
