package dev.skiff.api.fieldmanager;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Reading an object's JSON at a field path. */
final class Values {
    private Values() {
    }

    /** The value at {@code path}, or null when the object has nothing there. */
    static JsonNode at(JsonNode root, List<PathElement> path) {
        JsonNode node = root;
        for (PathElement element : path) {
            if (node == null) {
                return null;
            }
            node = switch (element.kind()) {
                case FIELD -> node.isObject() ? node.get(element.text()) : null;
                case KEY -> find(node, key(element));
                case VALUE -> findValue(node, parse(element.text()));
                case INDEX -> node.isArray() ? node.get(Integer.parseInt(element.text())) : null;
            };
        }
        return node;
    }

    /**
     * Whether two values are the same as far as the path that reaches them goes: equal scalars
     * and atomic values; for values with tracked children (structs, map-list items) presence is
     * enough, their children being compared on their own paths.
     */
    static boolean sameLeaf(JsonNode a, JsonNode b) {
        if (a.isObject() && b.isObject() && !a.isEmpty()) {
            return true;
        }
        return a.equals(b);
    }

    private static JsonNode key(PathElement element) {
        return parse(element.text());
    }

    private static JsonNode parse(String json) {
        try {
            return FieldsV1.MAPPER.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("error decoding path element " + json, e);
        }
    }

    private static JsonNode find(JsonNode list, JsonNode key) {
        if (!list.isArray()) {
            return null;
        }
        for (JsonNode item : list) {
            boolean matches = item.isObject();
            Iterator<Map.Entry<String, JsonNode>> fields = key.properties().iterator();
            while (matches && fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                matches = field.getValue().equals(item.get(field.getKey()));
            }
            if (matches) {
                return item;
            }
        }
        return null;
    }

    private static JsonNode findValue(JsonNode list, JsonNode value) {
        if (!list.isArray()) {
            return null;
        }
        for (JsonNode item : list) {
            if (item.equals(value)) {
                return item;
            }
        }
        return null;
    }
}
