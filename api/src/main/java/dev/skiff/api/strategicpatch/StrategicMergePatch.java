package dev.skiff.api.strategicpatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.patch.PatchFacts;
import dev.skiff.api.patch.PatchMeta;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies a strategic merge patch to an object's JSON, with the semantics of upstream's
 * k8s.io/apimachinery/pkg/util/strategicpatch as kube-apiserver runs it (StrategicMergeMapPatch:
 * parallel lists merged, unmatched nulls ignored): maps merge recursively and a null deletes a
 * key; lists follow the field's {@link PatchMeta} facts - merged by merge key, merged as a set of
 * primitives, or replaced (atomic); the directives {@code $patch: replace|delete|merge},
 * {@code $deleteFromPrimitiveList/<field>}, {@code $setElementOrder/<field>} and
 * {@code $retainKeys}; and upstream's list ordering (patch order, then live order).
 *
 * <p>Every failure is an {@link ApiException} coded as kube-apiserver codes it: the malformed
 * directive formats upstream names are 400, a list of lists is 422, and the other errors upstream
 * returns as plain Go errors are 500 with upstream's message.
 */
public final class StrategicMergePatch {
    static final String DIRECTIVE = "$patch";
    static final String DELETE = "delete";
    static final String REPLACE = "replace";
    static final String MERGE = "merge";
    static final String RETAIN_KEYS = "$retainKeys";
    static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";
    static final String SET_ELEMENT_ORDER = "$setElementOrder";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final PatchFacts NO_FACTS = new PatchFacts(null, null, null, null);

    private StrategicMergePatch() {
    }

    /** The patched object; neither argument is modified. {@code schema} is the object's type, e.g. {@code PatchMeta.forType(Pod.class)}. */
    public static ObjectNode apply(ObjectNode original, ObjectNode patch, PatchMeta schema) {
        return mergeMap(original.deepCopy(), patch.deepCopy(), schema);
    }

    /** A patch as upstream's errors print it (Go's {@code %+v} of the decoded patch map). */
    public static String format(JsonNode patch) {
        return GoValues.format(patch);
    }

    // -- maps

    private static ObjectNode mergeMap(ObjectNode original, ObjectNode patch, PatchMeta schema) {
        if (patch.has(DIRECTIVE)) {
            return directiveInMap(patch.get(DIRECTIVE), patch);
        }
        if (original == null) {
            original = NODES.objectNode();
        }
        applyRetainKeys(original, patch);
        mergeSetElementOrderLists(original, patch, schema);

        for (String name : fieldNames(patch)) {
            JsonNode patchValue = patch.get(name);
            String key = name;
            boolean deleteList = false;
            if (name.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
                key = extractKey(name, DELETE_FROM_PRIMITIVE_LIST);
                deleteList = true;
            }
            if (patchValue.isNull()) {
                original.remove(key);
                continue;
            }
            JsonNode originalValue = original.get(key);
            if (originalValue == null || GoValues.kind(originalValue) != GoValues.kind(patchValue)) {
                if (!deleteList) {
                    discardNulls(patchValue);
                    setWithoutDirectives(original, key, patchValue);
                }
                continue;
            }
            switch (GoValues.kind(originalValue)) {
                case MAP -> {
                    Lookup field = lookup(schema, key);
                    original.set(key, field.facts().mergeStrategy().equals(REPLACE) ? patchValue
                            : mergeMap((ObjectNode) originalValue, (ObjectNode) patchValue, field.meta()));
                }
                case SLICE -> {
                    Lookup field = lookup(schema, key);
                    original.set(key, mergeSliceHandler((ArrayNode) originalValue, (ArrayNode) patchValue, field.meta(),
                            field.facts().mergeStrategy(), field.mergeKey(), deleteList));
                }
                default -> setWithoutDirectives(original, key, patchValue);
            }
        }
        return original;
    }

    private static ObjectNode directiveInMap(JsonNode directive, ObjectNode patch) {
        if (GoValues.same(directive, NODES.textNode(REPLACE))) {
            patch.remove(DIRECTIVE);
            return patch;
        }
        if (GoValues.same(directive, NODES.textNode(DELETE))) {
            return NODES.objectNode();
        }
        throw badPatchType(directive, patch);
    }

    private static void applyRetainKeys(ObjectNode original, ObjectNode patch) {
        JsonNode retain = patch.remove(RETAIN_KEYS);
        if (retain == null) {
            return;
        }
        if (!retain.isArray()) {
            throw ApiException.badRequest("invalid patch format of retainKeys");
        }
        Set<Object> keep = new HashSet<>();
        retain.forEach(v -> keep.add(GoValues.key(v)));
        for (String name : fieldNames(patch)) {
            if (patch.get(name).isNull() || name.startsWith(DELETE_FROM_PRIMITIVE_LIST) || name.startsWith(SET_ELEMENT_ORDER)) {
                continue;
            }
            if (!keep.contains(GoValues.key(NODES.textNode(name)))) {
                throw ApiException.badRequest("invalid patch format of retainKeys");
            }
        }
        for (String name : fieldNames(original)) {
            if (!keep.contains(GoValues.key(NODES.textNode(name)))) {
                original.remove(name);
            }
        }
    }

    /** {@code $setElementOrder/<field>}: merges that list now and orders it as the directive says. */
    private static void mergeSetElementOrderLists(ObjectNode original, ObjectNode patch, PatchMeta schema) {
        for (String name : fieldNames(patch)) {
            if (!name.startsWith(SET_ELEMENT_ORDER)) {
                continue;
            }
            JsonNode order = patch.remove(name);
            if (!order.isArray()) {
                throw badArgType("[]interface {}", order);
            }
            String key = extractKey(name, SET_ELEMENT_ORDER);
            JsonNode originalList = original.get(key);
            JsonNode patchList = patch.get(key);
            if (originalList != null && !originalList.isArray()) {
                throw badArgType("[]interface {}", originalList);
            }
            if (patchList != null && !patchList.isArray()) {
                throw badArgType("[]interface {}", patchList);
            }
            Lookup field = lookupSlice(schema, key);
            String mergeKey = field.mergeKey();
            List<JsonNode> originalItems = items(originalList);
            List<JsonNode> patchItems = items(patchList);
            validatePatchWithSetOrderList(patchItems, items(order), mergeKey);

            List<JsonNode> merged;
            if (originalList != null && patchList == null) {
                merged = originalItems;
            } else if (originalList == null && patchList != null) {
                merged = items(removeDirectives(patchList));
            } else if (originalList != null) {
                merged = items(mergeSliceHandler((ArrayNode) originalList, (ArrayNode) patchList, field.meta(),
                        field.facts().mergeStrategy(), mergeKey, false));
            } else {
                continue;
            }
            List<JsonNode> inOrder = new ArrayList<>();
            List<JsonNode> serverOnly = new ArrayList<>();
            if (mergeKey.isEmpty()) {
                partitionPrimitives(merged, items(order), inOrder, serverOnly);
            } else {
                partitionMaps(merged, items(order), mergeKey, inOrder, serverOnly);
            }
            GoValues.Kind kind = sliceElementKind(originalItems, patchItems);
            original.set(key, array(normalizeElementOrder(inOrder, serverOnly, items(order), originalItems, mergeKey, kind)));
            patch.remove(key);
        }
    }

    private static void validatePatchWithSetOrderList(List<JsonNode> patchList, List<JsonNode> order, String mergeKey) {
        if (order.isEmpty() || patchList.isEmpty()) {
            return;
        }
        List<JsonNode> nonDelete = patchList;
        if (!mergeKey.isEmpty()) {
            nonDelete = new ArrayList<>();
            extractToDeleteItems(patchList, nonDelete, new ArrayList<>());
        }
        int p = 0;
        int s = 0;
        while (p < nonDelete.size() && s < order.size()) {
            if (nonDelete.get(p).isObject() && nonDelete.get(p).has(DIRECTIVE)) {
                p++;
                continue;
            }
            if (mergeKeyValueEqual(nonDelete.get(p), order.get(s), mergeKey)) {
                p++;
            }
            s++;
        }
        if (p < nonDelete.size() && s >= order.size()) {
            throw ApiException.unknownServerError("The order in patch list:\n" + GoValues.format(array(patchList))
                    + "\n doesn't match " + SET_ELEMENT_ORDER + " list:\n" + GoValues.format(array(order)) + "\n");
        }
    }

    private static boolean mergeKeyValueEqual(JsonNode left, JsonNode right, String mergeKey) {
        if (mergeKey.isEmpty()) {
            return GoValues.same(left, right);
        }
        if (!left.isObject()) {
            throw badArgType("map[string]interface {}", left);
        }
        if (!right.isObject()) {
            throw badArgType("map[string]interface {}", right);
        }
        if (!left.has(mergeKey)) {
            throw noMergeKey(left, mergeKey);
        }
        if (!right.has(mergeKey)) {
            throw noMergeKey(right, mergeKey);
        }
        return GoValues.same(left.get(mergeKey), right.get(mergeKey));
    }

    // -- lists

    private static ArrayNode mergeSliceHandler(ArrayNode original, ArrayNode patch, PatchMeta elements, String strategy,
                                               String mergeKey, boolean deleteList) {
        if (strategy.equals(MERGE) || deleteList) {
            return array(mergeSlice(items(original), items(patch), elements, mergeKey, deleteList));
        }
        return patch;
    }

    private static List<JsonNode> mergeSlice(List<JsonNode> original, List<JsonNode> patch, PatchMeta elements, String mergeKey,
                                             boolean deleteList) {
        if (original.isEmpty() && patch.isEmpty()) {
            return original;
        }
        GoValues.Kind kind = sliceElementKind(original, patch);
        List<JsonNode> merged;
        if (kind != GoValues.Kind.MAP) {
            if (deleteList) {
                return deleteFromSlice(original, patch);
            }
            List<JsonNode> both = new ArrayList<>(original);
            both.addAll(patch);
            merged = deduplicateScalars(both);
        } else {
            if (mergeKey.isEmpty()) {
                throw ApiException.unknownServerError("cannot merge lists without merge key for " + (elements.isStruct() ? "struct" : "string"));
            }
            List<JsonNode> withoutSpecial = new ArrayList<>();
            original = mergeSliceWithSpecialElements(original, patch, mergeKey, withoutSpecial);
            patch = withoutSpecial;
            merged = mergeSliceWithoutSpecialElements(original, patch, mergeKey, elements);
        }
        List<JsonNode> patchItems = new ArrayList<>();
        List<JsonNode> serverOnly = new ArrayList<>();
        if (mergeKey.isEmpty()) {
            partitionPrimitives(merged, patch, patchItems, serverOnly);
        } else {
            partitionMaps(merged, patch, mergeKey, patchItems, serverOnly);
        }
        return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
    }

    /**
     * Applies the {@code $patch} elements of a list of maps: deletes by merge key, or a replace that
     * makes the rest of the patch the whole list. Returns the new original; the plain patch elements
     * go to {@code withoutSpecial} (left empty on replace).
     */
    private static List<JsonNode> mergeSliceWithSpecialElements(List<JsonNode> original, List<JsonNode> patch, String mergeKey,
                                                                List<JsonNode> withoutSpecial) {
        List<JsonNode> result = new ArrayList<>(original);
        boolean replace = false;
        for (JsonNode v : patch) {
            JsonNode directive = v.get(DIRECTIVE);
            if (directive == null) {
                withoutSpecial.add(v);
            } else if (GoValues.same(directive, NODES.textNode(DELETE))) {
                JsonNode value = v.get(mergeKey);
                if (value == null) {
                    throw noMergeKey(v, mergeKey);
                }
                result = deleteMatchingEntries(result, mergeKey, value);
            } else if (GoValues.same(directive, NODES.textNode(REPLACE))) {
                replace = true;
            } else if (GoValues.same(directive, NODES.textNode(MERGE))) {
                throw ApiException.unknownServerError("merging lists cannot yet be specified in the patch");
            } else {
                throw badPatchType(directive, v);
            }
        }
        if (replace) {
            List<JsonNode> replacement = new ArrayList<>(withoutSpecial);
            withoutSpecial.clear();
            return replacement;
        }
        return result;
    }

    private static List<JsonNode> deleteMatchingEntries(List<JsonNode> original, String mergeKey, JsonNode value) {
        List<JsonNode> result = new ArrayList<>();
        for (int i = 0; i < original.size(); i++) {
            JsonNode item = original.get(i);
            if (!item.isObject()) {
                throw ApiException.unknownServerError("value for key " + i + " is not a map");
            }
            JsonNode v = item.get(mergeKey);
            if (v == null || !GoValues.same(v, value)) {
                result.add(item);
            }
        }
        return result;
    }

    /** Merges each patch element into the original element with its merge key value, or appends it. Updates {@code original} in place. */
    private static List<JsonNode> mergeSliceWithoutSpecialElements(List<JsonNode> original, List<JsonNode> patch, String mergeKey,
                                                                   PatchMeta elements) {
        List<JsonNode> merged = new ArrayList<>(original);
        for (JsonNode v : patch) {
            JsonNode value = v.get(mergeKey);
            if (value == null) {
                throw noMergeKey(v, mergeKey);
            }
            int index = findByMergeKey(merged, mergeKey, value);
            if (index >= 0) {
                JsonNode mergedMap = mergeMap((ObjectNode) merged.get(index), (ObjectNode) v, elements);
                merged.set(index, mergedMap);
                if (index < original.size()) {
                    original.set(index, mergedMap);
                }
            } else {
                merged.add(v);
            }
        }
        return merged;
    }

    private static int findByMergeKey(List<JsonNode> list, String mergeKey, JsonNode value) {
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            if (!item.isObject()) {
                throw ApiException.unknownServerError("value for key " + i + " is not a map");
            }
            JsonNode v = item.get(mergeKey);
            if (v != null && GoValues.same(v, value)) {
                return i;
            }
        }
        return -1;
    }

    private static List<JsonNode> deleteFromSlice(List<JsonNode> current, List<JsonNode> toDelete) {
        Set<Object> delete = new HashSet<>();
        toDelete.forEach(v -> delete.add(GoValues.key(v)));
        return new ArrayList<>(current.stream().filter(v -> !delete.contains(GoValues.key(v))).toList());
    }

    /** Upstream's in-place deduplication: a duplicate is overwritten by the last element (order is fixed up afterwards). */
    private static List<JsonNode> deduplicateScalars(List<JsonNode> s) {
        List<JsonNode> list = new ArrayList<>(s);
        int length = list.size() - 1;
        for (int i = 0; i < length; i++) {
            for (int j = i + 1; j <= length; j++) {
                if (GoValues.same(list.get(i), list.get(j))) {
                    list.set(j, list.get(length));
                    list.remove(length);
                    length--;
                    j--;
                }
            }
        }
        return list;
    }

    private static GoValues.Kind sliceElementKind(List<JsonNode> a, List<JsonNode> b) {
        GoValues.Kind previous = null;
        for (List<JsonNode> list : List.of(a, b)) {
            for (JsonNode v : list) {
                GoValues.Kind current = GoValues.kind(v);
                if (previous == null) {
                    previous = current;
                    if (previous == GoValues.Kind.SLICE) {
                        throw ApiException.unprocessableEntity();
                    }
                } else if (previous != current) {
                    throw ApiException.unknownServerError("list element types are not identical: ["
                            + GoValues.format(array(a)) + " " + GoValues.format(array(b)) + "]");
                }
            }
        }
        if (previous == null) {
            throw ApiException.unknownServerError("no elements in any of the given slices");
        }
        if (previous == GoValues.Kind.NIL) {
            throw ApiException.unknownServerError("list elements may not be null");
        }
        return previous;
    }

    // -- ordering: $setElementOrder or patch order first, then the live order, as upstream

    private static void partitionPrimitives(List<JsonNode> merged, List<JsonNode> by, List<JsonNode> in, List<JsonNode> serverOnly) {
        Set<Object> present = new HashSet<>();
        by.forEach(v -> present.add(GoValues.key(v)));
        for (JsonNode v : merged) {
            (present.contains(GoValues.key(v)) ? in : serverOnly).add(v);
        }
    }

    private static void partitionMaps(List<JsonNode> merged, List<JsonNode> by, String mergeKey, List<JsonNode> in,
                                      List<JsonNode> serverOnly) {
        for (JsonNode v : merged) {
            if (!v.isObject()) {
                throw badArgType("map[string]interface {}", v);
            }
            JsonNode value = v.get(mergeKey);
            if (value == null) {
                throw noMergeKey(v, mergeKey);
            }
            (findByMergeKey(by, mergeKey, value) >= 0 ? in : serverOnly).add(v);
        }
    }

    private static List<JsonNode> normalizeElementOrder(List<JsonNode> patch, List<JsonNode> serverOnly, List<JsonNode> patchOrder,
                                                        List<JsonNode> serverOrder, String mergeKey, GoValues.Kind kind) {
        List<JsonNode> sortedPatch = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
        List<JsonNode> sortedServer = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
        return mergeSortedSlice(sortedServer, sortedPatch, serverOrder, mergeKey, kind);
    }

    private static List<JsonNode> normalizeSliceOrder(List<JsonNode> toSort, List<JsonNode> order, String mergeKey, GoValues.Kind kind) {
        List<JsonNode> sorted = new ArrayList<>(toSort);
        List<JsonNode> toDelete = new ArrayList<>();
        if (kind == GoValues.Kind.MAP) {
            validateMergeKeyInLists(mergeKey, toSort, order);
            sorted = new ArrayList<>();
            extractToDeleteItems(toSort, sorted, toDelete);
        }
        // upstream sorts with sort.SliceStable and a "less" that holds when either item is not in
        // the order; an insertion sort with that same less gives the same result (Go's own for <= 20 items)
        for (int i = 1; i < sorted.size(); i++) {
            for (int j = i; j > 0 && orderLess(sorted.get(j), sorted.get(j - 1), order, mergeKey, kind); j--) {
                JsonNode t = sorted.get(j);
                sorted.set(j, sorted.get(j - 1));
                sorted.set(j - 1, t);
            }
        }
        sorted.addAll(toDelete);
        return sorted;
    }

    private static boolean orderLess(JsonNode a, JsonNode b, List<JsonNode> order, String mergeKey, GoValues.Kind kind) {
        int ia = index(order, a, mergeKey, kind);
        if (ia >= 0) {
            int ib = index(order, b, mergeKey, kind);
            if (ib >= 0) {
                return ia < ib;
            }
        }
        return true;
    }

    private static void validateMergeKeyInLists(String mergeKey, List<JsonNode> a, List<JsonNode> b) {
        for (List<JsonNode> list : List.of(a, b)) {
            for (JsonNode item : list) {
                if (!item.isObject()) {
                    throw badArgType("map[string]interface {}", item);
                }
                if (!item.has(mergeKey)) {
                    throw noMergeKey(item, mergeKey);
                }
            }
        }
    }

    private static void extractToDeleteItems(List<JsonNode> list, List<JsonNode> keep, List<JsonNode> delete) {
        for (JsonNode v : list) {
            if (!v.isObject()) {
                throw badArgType("map[string]interface {}", v);
            }
            JsonNode directive = v.get(DIRECTIVE);
            (directive != null && GoValues.same(directive, NODES.textNode(DELETE)) ? delete : keep).add(v);
        }
    }

    private static List<JsonNode> mergeSortedSlice(List<JsonNode> left, List<JsonNode> right, List<JsonNode> serverOrder,
                                                   String mergeKey, GoValues.Kind kind) {
        List<JsonNode> result = new ArrayList<>(left.size() + right.size());
        int i = 0;
        int j = 0;
        while (i < left.size() || j < right.size()) {
            if (i >= left.size()) {
                result.add(right.get(j++));
            } else if (j >= right.size()) {
                result.add(left.get(i++));
            } else {
                int li = index(serverOrder, left.get(i), mergeKey, kind);
                int ri = index(serverOrder, right.get(j), mergeKey, kind);
                if (li >= 0 && ri >= 0 && li < ri) {
                    result.add(left.get(i++));
                } else {
                    result.add(right.get(j++));
                }
            }
        }
        return result;
    }

    private static int index(List<JsonNode> list, JsonNode value, String mergeKey, GoValues.Kind kind) {
        JsonNode wanted = kind == GoValues.Kind.MAP ? mergeKeyOf(value, mergeKey) : value;
        for (int i = 0; i < list.size(); i++) {
            JsonNode candidate = kind == GoValues.Kind.MAP ? mergeKeyOf(list.get(i), mergeKey) : list.get(i);
            if (GoValues.same(wanted, candidate)) {
                return i;
            }
        }
        return -1;
    }

    private static JsonNode mergeKeyOf(JsonNode item, String mergeKey) {
        return item.isObject() ? item.get(mergeKey) : null;
    }

    // -- directives inside values

    /** Sets {@code key} to the value without its directives, or removes it when the value itself is a directive. */
    private static void setWithoutDirectives(ObjectNode target, String key, JsonNode value) {
        JsonNode cleaned = removeDirectives(value);
        if (cleaned == null) {
            target.remove(key);
        } else {
            target.set(key, cleaned);
        }
    }

    /** Upstream's removeDirectives: null when the value is a map with {@code $patch}, else the value with such maps dropped. */
    static JsonNode removeDirectives(JsonNode value) {
        if (value.isObject()) {
            if (value.has(DIRECTIVE)) {
                return null;
            }
            ObjectNode object = (ObjectNode) value;
            for (String name : fieldNames(object)) {
                JsonNode cleaned = removeDirectives(object.get(name));
                if (cleaned == null) {
                    object.remove(name);
                } else {
                    object.set(name, cleaned);
                }
            }
            return object;
        }
        if (value.isArray()) {
            ArrayNode result = NODES.arrayNode();
            for (JsonNode v : value) {
                JsonNode cleaned = removeDirectives(v);
                if (cleaned != null) {
                    result.add(cleaned);
                }
            }
            return result;
        }
        return value;
    }

    private static void discardNulls(JsonNode value) {
        if (value.isObject()) {
            ObjectNode object = (ObjectNode) value;
            for (String name : fieldNames(object)) {
                if (object.get(name).isNull()) {
                    object.remove(name);
                } else {
                    discardNulls(object.get(name));
                }
            }
        } else if (value.isArray()) {
            value.forEach(StrategicMergePatch::discardNulls);
        }
    }

    private static String extractKey(String name, String prefix) {
        String[] parts = name.split("/", 2);
        if (parts.length <= 1 || !parts[0].equals(prefix)) {
            throw ApiException.badRequest(prefix.equals(DELETE_FROM_PRIMITIVE_LIST)
                    ? "invalid patch format of primitive list" : "invalid patch format of setElementOrder list");
        }
        return parts[1];
    }

    // -- schema lookups

    private record Lookup(PatchFacts facts, PatchMeta meta) {
        String mergeKey() {
            return facts.patchMergeKey() == null ? "" : facts.patchMergeKey();
        }
    }

    /**
     * The facts and value type of a field. Upstream fails on a field its struct lacks; the original
     * only holds the model's fields, so that happens only inside free-form values, which merge plainly.
     */
    private static Lookup lookup(PatchMeta schema, String key) {
        return schema.field(key).map(f -> new Lookup(f.facts(), f.meta()))
                .orElseGet(() -> new Lookup(NO_FACTS, PatchMeta.forType(Object.class)));
    }

    private static Lookup lookupSlice(PatchMeta schema, String key) {
        if (!schema.isStruct()) {
            return lookup(schema, key);
        }
        PatchMeta.Field field = schema.field(key).orElseThrow(() -> ApiException.unknownServerError(
                "unable to find api field in struct " + schema.type().getSimpleName() + " for the json field " + ApiException.goQuote(key)));
        if (field.shape() != PatchMeta.Shape.LIST) {
            throw ApiException.unknownServerError("expected slice or array type, but got: struct");
        }
        return new Lookup(field.facts(), field.meta());
    }

    // -- errors with upstream's messages

    private static ApiException badArgType(String expected, JsonNode actual) {
        return ApiException.unknownServerError("expected a " + expected + ", but received a " + GoValues.typeName(actual));
    }

    private static ApiException noMergeKey(JsonNode map, String mergeKey) {
        return ApiException.unknownServerError("map: " + GoValues.format(map) + " does not contain declared merge key: " + mergeKey);
    }

    private static ApiException badPatchType(JsonNode directive, JsonNode map) {
        return ApiException.unknownServerError("unknown patch type: " + GoValues.formatAsString(directive) + " in map: " + GoValues.format(map));
    }

    // -- small helpers

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<JsonNode> items(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        if (array != null) {
            array.forEach(items::add);
        }
        return items;
    }

    private static ArrayNode array(List<JsonNode> items) {
        ArrayNode array = NODES.arrayNode();
        items.forEach(array::add);
        return array;
    }

}
