package dev.skiff.api.selector;

import dev.skiff.api.errors.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A parsed field selector ({@code ?fieldSelector=}): an AND of {@link FieldRequirement}s, parsed
 * as upstream's fields.ParseSelector does. Terms split on unescaped ','; each term splits at the
 * first "!=", "==" or "=" (the field name has no escaping); in values "\\", "\," and "\=" are
 * escapes and a bare ',' or '=' is an error.
 */
public final class FieldSelector {
    private static final FieldSelector EVERYTHING = new FieldSelector(List.of());

    private final List<FieldRequirement> requirements;

    private FieldSelector(List<FieldRequirement> requirements) {
        this.requirements = requirements;
    }

    public static FieldSelector everything() {
        return EVERYTHING;
    }

    /** Syntax only; any field name is accepted. */
    public static FieldSelector parse(String selector) {
        if (selector == null || selector.isEmpty()) {
            return EVERYTHING;
        }
        List<String> parts = splitTerms(selector);
        parts.sort(null);
        List<FieldRequirement> requirements = new ArrayList<>();
        for (String part : parts) {
            if (part.isEmpty()) {
                continue;
            }
            FieldRequirement r = splitTerm(part);
            if (r == null) {
                throw ApiException.badRequest("invalid selector: '" + selector + "'; can't understand '" + part + "'");
            }
            requirements.add(r);
        }
        return new FieldSelector(List.copyOf(requirements));
    }

    /**
     * Parses and checks every field against what the resource supports, renaming legacy aliases
     * (e.g. a pod's spec.host) as upstream's field label conversion does.
     *
     * @throws ApiException 400 "field label not supported: f" for a field the resource does not offer
     */
    public static FieldSelector parse(String selector, SelectableFields fields) {
        FieldSelector parsed = parse(selector);
        List<FieldRequirement> converted = new ArrayList<>();
        for (FieldRequirement r : parsed.requirements) {
            converted.add(new FieldRequirement(fields.convert(r.field()), r.operator(), r.value()));
        }
        return new FieldSelector(List.copyOf(converted));
    }

    public boolean matches(Map<String, String> fields) {
        for (FieldRequirement r : requirements) {
            if (!r.matches(fields)) {
                return false;
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return requirements.isEmpty();
    }

    public List<FieldRequirement> requirements() {
        return requirements;
    }

    /** The value an equality term requires for a field, if there is one (for index lookups, e.g. spec.nodeName). */
    public java.util.Optional<String> requiresExactMatch(String field) {
        for (FieldRequirement r : requirements) {
            if (r.field().equals(field) && r.operator() != Operator.NOT_EQUALS) {
                return java.util.Optional.of(r.value());
            }
        }
        return java.util.Optional.empty();
    }

    @Override
    public String toString() {
        return String.join(",", requirements.stream().map(FieldRequirement::toString).toList());
    }

    /** Escapes a literal for use as a value: '\' first, then ',' and '='. */
    public static String escapeValue(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || c == ',' || c == '=') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** Upstream's UnescapeValue, with its error texts ("%v" of a Go rune prints its code point). */
    static String unescapeValue(String s) {
        if (s.indexOf('\\') < 0 && s.indexOf(',') < 0 && s.indexOf('=') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        boolean inSlash = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (inSlash) {
                if (c == '\\' || c == ',' || c == '=') {
                    sb.appendCodePoint(c);
                } else {
                    throw ApiException.badRequest("invalid field selector: invalid escape sequence: \\" + Character.toString(c));
                }
                inSlash = false;
                continue;
            }
            switch (c) {
                case '\\' -> inSlash = true;
                case ',', '=' -> throw ApiException.badRequest("invalid field selector: unescaped character in value: " + c);
                default -> sb.appendCodePoint(c);
            }
        }
        if (inSlash) {
            throw ApiException.badRequest("invalid field selector: invalid escape sequence: \\");
        }
        return sb.toString();
    }

    private static List<String> splitTerms(String selector) {
        List<String> terms = new ArrayList<>();
        int start = 0;
        boolean inSlash = false;
        for (int i = 0; i < selector.length(); i++) {
            char c = selector.charAt(i);
            if (inSlash) {
                inSlash = false;
            } else if (c == '\\') {
                inSlash = true;
            } else if (c == ',') {
                terms.add(selector.substring(start, i));
                start = i + 1;
            }
        }
        terms.add(selector.substring(start));
        return terms;
    }

    private static FieldRequirement splitTerm(String term) {
        for (int i = 0; i < term.length(); i++) {
            for (String op : List.of("!=", "==", "=")) {
                if (term.startsWith(op, i)) {
                    String value = unescapeValue(term.substring(i + op.length()));
                    Operator operator = switch (op) {
                        case "!=" -> Operator.NOT_EQUALS;
                        // upstream keeps no difference between "=" and "==" once parsed
                        default -> Operator.EQUALS;
                    };
                    return new FieldRequirement(term.substring(0, i), operator, value);
                }
            }
        }
        return null;
    }
}
