package dev.skiff.api.scheduling;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;

/**
 * A pod's hard node constraints, as upstream's nodeaffinity.RequiredNodeAffinity: spec.nodeSelector
 * AND the required node affinity terms (ORed; each term ANDs its matchExpressions on labels and its
 * matchFields on metadata.name; an empty term matches nothing).
 */
public record RequiredNodeAffinity(Map<String, String> nodeSelector, NodeSelector required) {

    public static RequiredNodeAffinity of(Pod pod) {
        NodeSelector required = null;
        var a = pod.getSpec().getAffinity();
        if (a != null && a.getNodeAffinity() != null) {
            required = a.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
        }
        return new RequiredNodeAffinity(pod.getSpec().getNodeSelector(), required);
    }

    /** Whether the pod asks for no node: every node matches. */
    public boolean isEmpty() {
        return (nodeSelector == null || nodeSelector.isEmpty()) && required == null;
    }

    public boolean matches(Node node) {
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        if (nodeSelector != null) {
            for (var e : nodeSelector.entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
        }
        return required == null || matchesSelector(required, node.getMetadata().getName(), labels);
    }

    public static boolean matchesSelector(NodeSelector selector, String nodeName, Map<String, String> labels) {
        for (NodeSelectorTerm term : selector.getNodeSelectorTerms()) {
            if (matchesTerm(term, nodeName, labels)) {
                return true;
            }
        }
        return false;
    }

    /** One node selector term against a node (an empty term matches nothing). */
    public static boolean matchesTerm(NodeSelectorTerm term, String nodeName, Map<String, String> labels) {
        List<NodeSelectorRequirement> exprs = term.getMatchExpressions() == null ? List.of() : term.getMatchExpressions();
        List<NodeSelectorRequirement> fields = term.getMatchFields() == null ? List.of() : term.getMatchFields();
        if (exprs.isEmpty() && fields.isEmpty()) {
            return false;
        }
        for (NodeSelectorRequirement r : exprs) {
            if (!matches(r, labels.containsKey(r.getKey()), labels.get(r.getKey()))) {
                return false;
            }
        }
        for (NodeSelectorRequirement r : fields) {
            // upstream supports only metadata.name as a field; anything else never matches
            if (!"metadata.name".equals(r.getKey()) || !matches(r, true, nodeName)) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(NodeSelectorRequirement r, boolean has, String value) {
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        return switch (r.getOperator()) {
            case "In" -> has && values.contains(value);
            case "NotIn" -> !has || !values.contains(value);
            case "Exists" -> has;
            case "DoesNotExist" -> !has;
            case "Gt", "Lt" -> has && values.size() == 1 && compare(r.getOperator(), value, values.getFirst());
            default -> false;
        };
    }

    private static boolean compare(String op, String value, String bound) {
        try {
            long v = Long.parseLong(value);
            long b = Long.parseLong(bound);
            return "Gt".equals(op) ? v > b : v < b;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
