package dev.skiff.api.selector;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.validation.NameFormats;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * One label requirement: key, operator, values. Built only through {@link #of}, which applies
 * upstream's NewRequirement rules, so every instance is valid.
 */
public record Requirement(String key, Operator operator, List<String> values) {
    public Requirement {
        values = List.copyOf(values);
    }

    /**
     * Upstream's NewRequirement: validates key, operator arity and values; returns the
     * aggregated field errors as the message of a 400.
     */
    public static Requirement of(String key, Operator op, List<String> values) {
        var errs = new LinkedHashSet<String>();
        String keyErr = keyError(key, "key");
        if (keyErr != null) {
            errs.add(keyErr);
        }
        switch (op) {
            case IN, NOT_IN -> {
                if (values.isEmpty()) {
                    errs.add("values: Invalid value: " + goSlice(values) + ": for 'in', 'notin' operators, values set can't be empty");
                }
            }
            case EQUALS, DOUBLE_EQUALS, NOT_EQUALS -> {
                if (values.size() != 1) {
                    errs.add("values: Invalid value: " + goSlice(values) + ": exact-match compatibility requires one single value");
                }
            }
            case EXISTS, DOES_NOT_EXIST -> {
                if (!values.isEmpty()) {
                    errs.add("values: Invalid value: " + goSlice(values) + ": values set must be empty for exists and does not exist");
                }
            }
            case GREATER_THAN, LESS_THAN -> {
                if (values.size() != 1) {
                    errs.add("values: Invalid value: " + goSlice(values) + ": for 'Gt', 'Lt' operators, exactly one value is required");
                }
                for (int i = 0; i < values.size(); i++) {
                    if (parseLong(values.get(i)) == null) {
                        errs.add("values[" + i + "]: Invalid value: " + ApiException.goQuote(values.get(i))
                                + ": for 'Gt', 'Lt' operators, the value must be an integer");
                    }
                }
            }
        }
        for (int i = 0; i < values.size(); i++) {
            List<String> msgs = NameFormats.isValidLabelValue(values.get(i));
            if (!msgs.isEmpty()) {
                errs.add("values[" + i + "][" + key + "]: Invalid value: " + ApiException.goQuote(values.get(i)) + ": "
                        + String.join("; ", msgs));
            }
        }
        if (!errs.isEmpty()) {
            throw ApiException.badRequest(aggregate(new ArrayList<>(errs)));
        }
        return new Requirement(key, op, values);
    }

    /** upstream's validateLabelKey: null when valid, else "path: Invalid value: ..." */
    static String keyError(String key, String path) {
        List<String> msgs = NameFormats.isQualifiedName(key);
        return msgs.isEmpty() ? null : path + ": Invalid value: " + ApiException.goQuote(key) + ": " + String.join("; ", msgs);
    }

    /** As upstream's utilerrors aggregate prints: one message alone, several in brackets. */
    static String aggregate(List<String> errs) {
        return errs.size() == 1 ? errs.getFirst() : "[" + String.join(", ", errs) + "]";
    }

    public boolean matches(Map<String, String> labels) {
        return switch (operator) {
            case IN, EQUALS, DOUBLE_EQUALS -> labels.containsKey(key) && values.contains(labels.get(key));
            case NOT_IN, NOT_EQUALS -> !labels.containsKey(key) || !values.contains(labels.get(key));
            case EXISTS -> labels.containsKey(key);
            case DOES_NOT_EXIST -> !labels.containsKey(key);
            case GREATER_THAN, LESS_THAN -> {
                Long have = labels.containsKey(key) ? parseLong(labels.get(key)) : null;
                Long want = values.size() == 1 ? parseLong(values.getFirst()) : null;
                if (have == null || want == null) {
                    yield false;
                }
                yield operator == Operator.GREATER_THAN ? have > want : have < want;
            }
        };
    }

    /** The canonical string form, as upstream prints it (values sorted). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (operator == Operator.DOES_NOT_EXIST) {
            sb.append('!');
        }
        sb.append(key);
        switch (operator) {
            case EQUALS -> sb.append('=');
            case DOUBLE_EQUALS -> sb.append("==");
            case NOT_EQUALS -> sb.append("!=");
            case IN -> sb.append(" in ");
            case NOT_IN -> sb.append(" notin ");
            case GREATER_THAN -> sb.append('>');
            case LESS_THAN -> sb.append('<');
            case EXISTS, DOES_NOT_EXIST -> {
                return sb.toString();
            }
        }
        boolean set = operator == Operator.IN || operator == Operator.NOT_IN;
        if (set) {
            sb.append('(');
        }
        sb.append(String.join(",", values.stream().sorted().toList()));
        if (set) {
            sb.append(')');
        }
        return sb.toString();
    }

    /** Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, 64-bit range. */
    static Long parseLong(String s) {
        if (s.isEmpty() || s.equals("+") || s.equals("-")) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean sign = i == 0 && (c == '+' || c == '-');
            if (!sign && (c < '0' || c > '9')) {
                return null;
            }
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String goSlice(List<String> values) {
        if (values.isEmpty()) {
            return "[]string{}";
        }
        return "[]string{" + String.join(", ", values.stream().map(ApiException::goQuote).toList()) + "}";
    }
}
