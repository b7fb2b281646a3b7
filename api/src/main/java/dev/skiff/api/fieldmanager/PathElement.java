package dev.skiff.api.fieldmanager;

/**
 * One step of a field path, as structured-merge-diff names it: a struct field or map key
 * ({@code f:name}), an associative list element by its key fields ({@code k:{"name":"c"}}), a
 * set element by its value ({@code v:"x"}) or a list element by position ({@code i:0}). The
 * text after the prefix is kept in its fieldsV1 form (compact JSON for keys and values).
 * Elements order as upstream's: fields, then keys, then values, then indexes.
 */
public record PathElement(Kind kind, String text) implements Comparable<PathElement> {

    /** The kinds in upstream's order; the prefix is the fieldsV1 one. */
    public enum Kind {
        FIELD("f:"), KEY("k:"), VALUE("v:"), INDEX("i:");

        private final String prefix;

        Kind(String prefix) {
            this.prefix = prefix;
        }

        public String prefix() {
            return prefix;
        }
    }

    public static PathElement field(String name) {
        return new PathElement(Kind.FIELD, name);
    }

    /** Parses a fieldsV1 key such as {@code f:data}; null when the prefix is none of upstream's. */
    public static PathElement parse(String serialized) {
        for (Kind kind : Kind.values()) {
            if (serialized.startsWith(kind.prefix)) {
                return new PathElement(kind, serialized.substring(kind.prefix.length()));
            }
        }
        return null;
    }

    /** The fieldsV1 key, e.g. {@code k:{"containerPort":80,"protocol":"TCP"}}. */
    public String serialize() {
        return kind.prefix + text;
    }

    /** The element as upstream prints it in a path: {@code .name}, {@code [name="c"]}, {@code [=x]}, {@code [0]}. */
    public String display() {
        return switch (kind) {
            case FIELD -> "." + text;
            case KEY -> keyDisplay();
            case VALUE -> "[=" + text + "]";
            case INDEX -> "[" + text + "]";
        };
    }

    private String keyDisplay() {
        try {
            StringBuilder out = new StringBuilder("[");
            var fields = FieldsV1.MAPPER.readTree(text).properties().iterator();
            while (fields.hasNext()) {
                var field = fields.next();
                out.append(field.getKey()).append('=').append(FieldsV1.MAPPER.writeValueAsString(field.getValue()));
                if (fields.hasNext()) {
                    out.append(',');
                }
            }
            return out.append(']').toString();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return "[" + text + "]";
        }
    }

    @Override
    public int compareTo(PathElement other) {
        int byKind = kind.compareTo(other.kind);
        if (byKind != 0) {
            return byKind;
        }
        if (kind == Kind.INDEX) {
            return Integer.compare(Integer.parseInt(text), Integer.parseInt(other.text));
        }
        return text.compareTo(other.text);
    }
}
