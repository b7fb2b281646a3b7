package dev.skiff.api.selector;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** Renders a metav1.LabelSelector the way upstream's selector String() does: sorted labels, then the expressions; "" when empty. */
public final class LabelSelectors {
    private LabelSelectors() {
    }

    public static String format(io.fabric8.kubernetes.api.model.LabelSelector selector) {
        if (selector == null) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        if (selector.getMatchLabels() != null) {
            new TreeMap<>(selector.getMatchLabels()).forEach((k, v) -> parts.add(k + "=" + v));
        }
        if (selector.getMatchExpressions() != null) {
            for (var e : selector.getMatchExpressions()) {
                String values = e.getValues() == null ? "" : String.join(",", e.getValues());
                String operator = e.getOperator() == null ? "" : e.getOperator();
                switch (operator) {
                    case "In" -> parts.add(e.getKey() + " in (" + values + ")");
                    case "NotIn" -> parts.add(e.getKey() + " notin (" + values + ")");
                    case "Exists" -> parts.add(e.getKey());
                    case "DoesNotExist" -> parts.add("!" + e.getKey());
                    default -> parts.add(e.getKey() + " " + operator + " " + values);
                }
            }
        }
        return String.join(",", parts);
    }
}
