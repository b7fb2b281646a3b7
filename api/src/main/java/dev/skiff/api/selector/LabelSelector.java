package dev.skiff.api.selector;

import dev.skiff.api.errors.ApiException;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A parsed label selector: an AND of {@link Requirement}s, kept sorted by key as upstream does.
 * Two special values: {@link #everything()} (no requirements, matches all) and {@link #nothing()}
 * (what a null object selector means, matches none).
 */
public final class LabelSelector {
    private static final LabelSelector EVERYTHING = new LabelSelector(List.of(), false);
    private static final LabelSelector NOTHING = new LabelSelector(List.of(), true);

    private final List<Requirement> requirements;
    private final boolean nothing;

    private LabelSelector(List<Requirement> requirements, boolean nothing) {
        this.requirements = requirements;
        this.nothing = nothing;
    }

    public static LabelSelector everything() {
        return EVERYTHING;
    }

    public static LabelSelector nothing() {
        return NOTHING;
    }

    /**
     * Parses the query-string form ({@code ?labelSelector=}); null or blank selects everything.
     *
     * @throws ApiException 400 BadRequest with upstream's message, e.g. "unable to parse requirement: ..."
     */
    public static LabelSelector parse(String selector) {
        if (selector == null || selector.isEmpty()) {
            return EVERYTHING;
        }
        return of(LabelSelectorParser.parse(selector));
    }

    /**
     * From an object's selector (e.g. a Deployment's spec.selector), as upstream's
     * LabelSelectorAsSelector: null selects nothing, an empty one everything.
     *
     * @throws ApiException 400 BadRequest for an invalid key, value or operator
     */
    public static LabelSelector from(io.fabric8.kubernetes.api.model.LabelSelector selector) {
        if (selector == null) {
            return NOTHING;
        }
        Map<String, String> matchLabels = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        List<LabelSelectorRequirement> expressions = selector.getMatchExpressions() == null ? List.of()
                : selector.getMatchExpressions();
        if (matchLabels.isEmpty() && expressions.isEmpty()) {
            return EVERYTHING;
        }
        List<Requirement> requirements = new ArrayList<>();
        new TreeMap<>(matchLabels).forEach((k, v) -> requirements.add(Requirement.of(k, Operator.EQUALS, List.of(v == null ? "" : v))));
        for (LabelSelectorRequirement expr : expressions) {
            String operator = expr.getOperator() == null ? "" : expr.getOperator();
            Operator op = switch (operator) {
                case "In" -> Operator.IN;
                case "NotIn" -> Operator.NOT_IN;
                case "Exists" -> Operator.EXISTS;
                case "DoesNotExist" -> Operator.DOES_NOT_EXIST;
                default -> throw ApiException.badRequest(ApiException.goQuote(operator) + " is not a valid label selector operator");
            };
            List<String> values = expr.getValues() == null ? List.of()
                    : expr.getValues().stream().map(v -> v == null ? "" : v).toList();
            requirements.add(Requirement.of(expr.getKey() == null ? "" : expr.getKey(), op, values));
        }
        return of(requirements);
    }

    /** A selector requiring every label of the set, as upstream's SelectorFromValidatedSet (no validation). */
    public static LabelSelector fromSet(Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return EVERYTHING;
        }
        List<Requirement> requirements = new ArrayList<>();
        new TreeMap<>(labels).forEach((k, v) -> requirements.add(new Requirement(k, Operator.EQUALS, List.of(v))));
        return new LabelSelector(List.copyOf(requirements), false);
    }

    private static LabelSelector of(List<Requirement> requirements) {
        List<Requirement> sorted = new ArrayList<>(requirements);
        sorted.sort(Comparator.comparing(Requirement::key));
        return new LabelSelector(List.copyOf(sorted), false);
    }

    public boolean matches(Map<String, String> labels) {
        if (nothing) {
            return false;
        }
        Map<String, String> ls = labels == null ? Map.of() : labels;
        for (Requirement r : requirements) {
            if (!r.matches(ls)) {
                return false;
            }
        }
        return true;
    }

    /** True when it restricts nothing (everything); {@link #nothing()} is not empty. */
    public boolean isEmpty() {
        return !nothing && requirements.isEmpty();
    }

    public boolean matchesNothing() {
        return nothing;
    }

    public List<Requirement> requirements() {
        return requirements;
    }

    /** The canonical form upstream prints: requirements by key, joined by ','. */
    @Override
    public String toString() {
        return String.join(",", requirements.stream().map(Requirement::toString).toList());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelSelector other && other.nothing == nothing && other.requirements.equals(requirements);
    }

    @Override
    public int hashCode() {
        return requirements.hashCode() * 31 + (nothing ? 1 : 0);
    }
}
