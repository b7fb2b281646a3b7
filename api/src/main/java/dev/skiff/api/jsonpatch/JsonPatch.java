package dev.skiff.api.jsonpatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON patch (RFC 6902: add, remove, replace, move, copy, test) with the behaviour of the library
 * kube-apiserver applies it with, evanphx/json-patch v4, including its leniencies: negative array
 * indices count from the end, {@code replace} of a missing object key adds it, {@code copy} and
 * {@code move} from a missing object key carry null, and a {@code test} of a missing key against
 * null passes. Copies may add at most 3 MiB in total (kube-apiserver's JSONPatchMaxCopyBytes), and
 * a patch holds at most 10000 operations.
 */
public final class JsonPatch {
    public static final int MAX_OPERATIONS = 10000;
    public static final long MAX_COPY_BYTES = 3L * 1024 * 1024;

    private final List<JsonNode> operations;

    private JsonPatch(List<JsonNode> operations) {
        this.operations = operations;
    }

    /**
     * Checks a parsed patch as kube-apiserver decodes it: 400 unless it is an array of objects
     * whose {@code op}, {@code path} and {@code from} are strings (checked unless {@code strict} is
     * false, i.e. fieldValidation=Ignore), 413 past {@value #MAX_OPERATIONS} operations.
     */
    public static JsonPatch decode(JsonNode patch, boolean strict) {
        String list = strict ? "[]handlers.jsonPatchOp" : "jsonpatch.Patch";
        String element = strict ? "handlers.jsonPatchOp" : "jsonpatch.Operation";
        String prefix = strict ? "error decoding patch: " : "";
        if (!patch.isArray()) {
            throw ApiException.badRequest(prefix + "json: cannot unmarshal " + jsonKind(patch) + " into Go value of type " + list);
        }
        List<JsonNode> operations = new ArrayList<>();
        for (JsonNode op : patch) {
            if (!op.isObject() && !op.isNull()) {
                throw ApiException.badRequest(prefix + "json: cannot unmarshal " + jsonKind(op) + " into Go value of type " + element);
            }
            if (strict && op.isObject()) {
                for (String field : List.of("op", "path", "from")) {
                    JsonNode value = op.get(field);
                    if (value != null && !value.isNull() && !value.isTextual()) {
                        throw ApiException.badRequest(prefix + "json: cannot unmarshal " + jsonKind(value)
                                + " into Go struct field jsonPatchOp." + field + " of type string");
                    }
                }
            }
            operations.add(op);
        }
        if (operations.size() > MAX_OPERATIONS) {
            throw ApiException.requestEntityTooLarge("Request entity too large: The allowed maximum operations in a JSON patch is "
                    + MAX_OPERATIONS + ", got " + operations.size());
        }
        return new JsonPatch(List.copyOf(operations));
    }

    /** The patched document; {@code document} is not modified. */
    public JsonNode apply(JsonNode document) {
        Root root = new Root(document.deepCopy());
        long copied = 0;
        for (JsonNode op : operations) {
            String kind = op.path("op").isTextual() ? op.get("op").textValue() : "unknown";
            switch (kind) {
                case "add" -> add(root, op);
                case "remove" -> remove(root, op);
                case "replace" -> replace(root, op);
                case "move" -> move(root, op);
                case "test" -> test(root, op);
                case "copy" -> copied = copy(root, op, copied);
                default -> throw new JsonPatchException("Unexpected kind: " + kind);
            }
        }
        return root.doc;
    }

    /** The document, which a {@code replace} of path "" swaps. */
    private static final class Root {
        JsonNode doc;

        Root(JsonNode doc) {
            this.doc = doc;
        }
    }

    /** The container a path's last token lives in, and that token decoded. */
    private record Target(JsonNode container, String key) {
    }

    private static void add(Root root, JsonNode op) {
        String path = path(op, "add operation failed to decode path: missing value");
        Target t = findObject(root.doc, path);
        if (t == null) {
            throw new JsonPatchException("add operation does not apply: doc is missing path: \"" + path + "\": missing value");
        }
        addTo(t, value(op), "error in add for path: '" + path + "'");
    }

    private static void remove(Root root, JsonNode op) {
        String path = path(op, "remove operation failed to decode path: missing value");
        Target t = findObject(root.doc, path);
        if (t == null) {
            throw new JsonPatchException("remove operation does not apply: doc is missing path: \"" + path + "\": missing value");
        }
        removeFrom(t, "error in remove for path: '" + path + "'");
    }

    private static void replace(Root root, JsonNode op) {
        String path = path(op, "replace operation failed to decode path: operation missing path field: missing value");
        if (path.isEmpty()) {
            JsonNode value = op.get("value");
            if (value == null || !value.isContainerNode()) {
                throw new JsonPatchException("replace operation value must be object or array");
            }
            root.doc = value.deepCopy();
            return;
        }
        Target t = findObject(root.doc, path);
        if (t == null) {
            throw new JsonPatchException("replace operation does not apply: doc is missing path: " + path + ": missing value");
        }
        get(t, "replace operation does not apply: doc is missing key: " + path + ": missing value");
        if (t.container instanceof ObjectNode object) {
            object.set(t.key, value(op));
        } else {
            ArrayNode array = (ArrayNode) t.container;
            array.set(arrayIndex(array, t.key, "error in remove for path: '" + path + "'"), value(op));
        }
    }

    private static void move(Root root, JsonNode op) {
        String from = from(op, "move operation failed to decode from: operation, missing from field: missing value");
        Target source = findObject(root.doc, from);
        if (source == null) {
            throw new JsonPatchException("move operation does not apply: doc is missing from path: " + from + ": missing value");
        }
        JsonNode value = get(source, "error in move for path: '" + source.key + "'");
        removeFrom(source, "error in move for path: '" + source.key + "'");
        String path = path(op, "move operation failed to decode path: operation missing path field: missing value");
        Target destination = findObject(root.doc, path);
        if (destination == null) {
            throw new JsonPatchException("move operation does not apply: doc is missing destination path: " + path + ": missing value");
        }
        addTo(destination, value == null ? NullNode.instance : value, "error in move for path: '" + path + "'");
    }

    private static void test(Root root, JsonNode op) {
        String path = path(op, "test operation failed to decode path: operation missing path field: missing value");
        JsonNode expected = op.get("value");
        if (path.isEmpty()) {
            if (expected == null || !equal(root.doc, expected)) {
                throw new JsonPatchException("testing value " + path + " failed: test failed");
            }
            return;
        }
        Target t = findObject(root.doc, path);
        if (t == null) {
            throw new JsonPatchException("test operation does not apply: is missing path: " + path + ": missing value");
        }
        JsonNode actual = get(t, "error in test for path: '" + path + "'");
        boolean passes = actual == null || actual.isNull()
                ? expected != null && expected.isNull()
                : expected != null && equal(actual, expected);
        if (!passes) {
            throw new JsonPatchException("testing value " + path + " failed: test failed");
        }
    }

    private static long copy(Root root, JsonNode op, long copied) {
        String from = from(op, "copy operation failed to decode from: operation, missing from field: missing value");
        Target source = findObject(root.doc, from);
        if (source == null) {
            throw new JsonPatchException("copy operation does not apply: doc is missing from path: " + from + ": missing value");
        }
        JsonNode value = get(source, "error in copy for from: '" + from + "'");
        String path = path(op, "copy operation failed to decode path: missing value");
        Target destination = findObject(root.doc, path);
        if (destination == null) {
            throw new JsonPatchException("copy operation does not apply: doc is missing destination path: " + path + ": missing value");
        }
        JsonNode copy = value == null ? NullNode.instance : value.deepCopy();
        long total = copied + copy.toString().length();
        if (total > MAX_COPY_BYTES) {
            throw new JsonPatchException("Unable to complete the copy, the accumulated size increase of copy is " + total
                    + ", exceeding the limit " + MAX_COPY_BYTES);
        }
        addTo(destination, copy, "error while adding value during copy");
        return total;
    }

    // -- paths and containers, as the library walks them

    private static String path(JsonNode op, String missing) {
        return textField(op, "path", missing);
    }

    private static String from(JsonNode op, String missing) {
        return textField(op, "from", missing);
    }

    private static String textField(JsonNode op, String name, String missing) {
        JsonNode value = op.get(name);
        if (value == null || value.isNull()) {
            throw new JsonPatchException(missing);
        }
        if (!value.isTextual()) {
            throw new JsonPatchException("json: cannot unmarshal " + jsonKind(value) + " into Go value of type string");
        }
        return value.textValue();
    }

    /** The value to add: an absent value adds null, as the library does. */
    private static JsonNode value(JsonNode op) {
        JsonNode value = op.get("value");
        return value == null ? NullNode.instance : value.deepCopy();
    }

    /**
     * Walks all tokens but the last; null when a step is missing, null or a scalar. The first token
     * is skipped, not checked to be empty, as the library does.
     */
    private static Target findObject(JsonNode doc, String path) {
        String[] split = path.split("/", -1);
        if (split.length < 2) {
            return null;
        }
        JsonNode container = doc;
        for (int i = 1; i < split.length - 1; i++) {
            JsonNode next;
            try {
                next = get(new Target(container, decodeToken(split[i])), "");
            } catch (JsonPatchException e) {
                return null;
            }
            if (next == null || !next.isContainerNode()) {
                return null;
            }
            container = next;
        }
        return new Target(container, decodeToken(split[split.length - 1]));
    }

    private static String decodeToken(String token) {
        return token.replace("~1", "/").replace("~0", "~");
    }

    /** The value at the target: null for a missing object key (not an error), an error for a bad array index. */
    private static JsonNode get(Target t, String context) {
        if (t.container instanceof ObjectNode object) {
            return object.get(t.key);
        }
        ArrayNode array = (ArrayNode) t.container;
        return array.get(arrayIndex(array, t.key, context));
    }

    private static void addTo(Target t, JsonNode value, String context) {
        if (t.container instanceof ObjectNode object) {
            object.set(t.key, value);
            return;
        }
        ArrayNode array = (ArrayNode) t.container;
        if (t.key.equals("-")) {
            array.add(value);
            return;
        }
        int index = atoi(t.key, context + ": value was not a proper array index: '" + t.key + "'");
        int size = array.size() + 1;
        if (index >= size || index < -size) {
            throw new JsonPatchException(context + ": Unable to access invalid index: " + index + ": invalid index referenced");
        }
        if (index < 0) {
            index += size;
        }
        array.insert(index, value);
    }

    private static void removeFrom(Target t, String context) {
        if (t.container instanceof ObjectNode object) {
            if (!object.has(t.key)) {
                throw new JsonPatchException(context + ": Unable to remove nonexistent key: " + t.key + ": missing value");
            }
            object.remove(t.key);
            return;
        }
        ArrayNode array = (ArrayNode) t.container;
        array.remove(arrayIndex(array, t.key, context));
    }

    private static int arrayIndex(ArrayNode array, String key, String context) {
        int index = atoi(key, context);
        if (index >= array.size() || index < -array.size()) {
            throw new JsonPatchException(context + ": Unable to access invalid index: " + index + ": invalid index referenced");
        }
        return index < 0 ? index + array.size() : index;
    }

    /** Go's strconv.Atoi: an optional sign and decimal digits only. */
    private static int atoi(String s, String context) {
        if (s.isEmpty() || !s.matches("[+-]?[0-9]+")) {
            throw new JsonPatchException(context + ": strconv.Atoi: parsing " + quote(s) + ": invalid syntax");
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new JsonPatchException(context + ": strconv.Atoi: parsing " + quote(s) + ": value out of range");
        }
    }

    private static String quote(String s) {
        return ApiException.goQuote(s);
    }

    /** The library's equality: structural for objects and arrays, by compact text for scalars (so 1 and 1.0 differ). */
    static boolean equal(JsonNode a, JsonNode b) {
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (var it = a.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                JsonNode other = b.get(e.getKey());
                if (other == null || !equal(e.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!equal(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isContainerNode() || b.isContainerNode()) {
            return false;
        }
        return a.toString().equals(b.toString());
    }

    /** How Go's encoding/json names a JSON value's kind in an UnmarshalTypeError. */
    private static String jsonKind(JsonNode v) {
        if (v.isObject()) {
            return "object";
        }
        if (v.isArray()) {
            return "array";
        }
        if (v.isTextual()) {
            return "string";
        }
        if (v.isNumber()) {
            return "number";
        }
        if (v.isBoolean()) {
            return "bool";
        }
        return "null";
    }

}
