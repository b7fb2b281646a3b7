package dev.skiff.api.fieldmanager;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The fieldsV1 encoding of a {@link FieldSet}: a JSON object per node whose keys are serialized
 * path elements; a node that is a member and has children carries {@code ".": {}} first, a
 * member without children is an empty object. Keys are written in upstream's order.
 */
public final class FieldsV1 {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private FieldsV1() {
    }

    public static String toJson(FieldSet set) {
        try {
            return MAPPER.writeValueAsString(toNode(set, false));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The set as a JSON tree, the form managedFields entries carry. */
    public static ObjectNode toNode(FieldSet set) {
        return toNode(set, false);
    }

    private static ObjectNode toNode(FieldSet set, boolean includeSelf) {
        ObjectNode node = MAPPER.createObjectNode();
        if (includeSelf && set.member() && !set.children().isEmpty()) {
            node.putObject(".");
        }
        for (Map.Entry<PathElement, FieldSet> child : set.children().entrySet()) {
            node.set(child.getKey().serialize(), toNode(child.getValue(), true));
        }
        return node;
    }

    /** Reads fieldsV1 JSON; a malformed key or a non-object value is an {@link IllegalArgumentException}. */
    public static FieldSet fromJson(String json) {
        try {
            return fromNode(MAPPER.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("error decoding FieldsV1: " + e.getOriginalMessage(), e);
        }
    }

    public static FieldSet fromNode(JsonNode node) {
        FieldSet.Builder builder = new FieldSet.Builder();
        read(node, builder, false);
        return builder.build();
    }

    private static void read(JsonNode node, FieldSet.Builder builder, boolean nested) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("error decoding FieldsV1: expected an object, got " + node);
        }
        if (nested && node.isEmpty()) {
            builder.markMember();
            return;
        }
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (field.getKey().equals(".")) {
                if (nested) {
                    builder.markMember();
                }
                continue;
            }
            PathElement element = PathElement.parse(field.getKey());
            if (element == null) {
                throw new IllegalArgumentException("error decoding FieldsV1: unknown path element prefix in " + field.getKey());
            }
            read(field.getValue(), builder.descend(element), true);
        }
    }
}
