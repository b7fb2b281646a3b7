package dev.skiff.api.selector;

import java.util.Map;

/** One field selector term: {@code field=value}, {@code field==value} or {@code field!=value}. */
public record FieldRequirement(String field, Operator operator, String value) {
    public FieldRequirement {
        if (operator != Operator.EQUALS && operator != Operator.DOUBLE_EQUALS && operator != Operator.NOT_EQUALS) {
            throw new IllegalArgumentException("field selectors support only =, == and !=: " + operator);
        }
    }

    /** A field the object does not have reads as "", as upstream's fields.Set.Get does. */
    public boolean matches(Map<String, String> fields) {
        boolean equal = fields.getOrDefault(field, "").equals(value);
        return operator == Operator.NOT_EQUALS ? !equal : equal;
    }

    /** The canonical form, with the value escaped again. */
    @Override
    public String toString() {
        return field + (operator == Operator.NOT_EQUALS ? "!=" : "=") + FieldSelector.escapeValue(value);
    }
}
