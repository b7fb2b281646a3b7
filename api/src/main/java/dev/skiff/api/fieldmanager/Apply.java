package dev.skiff.api.fieldmanager;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.patch.PatchFacts;
import dev.skiff.api.patch.PatchMeta;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Server-side apply over JSON trees, with upstream's semantics: the applied configuration is
 * merged into the live object (structs and maps by field, {@code listType=map} lists by their
 * keys, sets by value, atomic lists and scalars replaced); a field another manager owns with a
 * different value is a conflict unless forced (then the other manager loses it); fields the
 * applier applied before and now omits are removed unless another manager still owns them; the
 * applier's Apply entry becomes exactly the applied set.
 */
public final class Apply {

    /** The merged object and its new managedFields. */
    public record Result(ObjectNode object, List<ManagedFieldsEntry> managedFields) {
    }

    private Apply() {
    }

    /**
     * Applies {@code applied} by {@code manager} (operation Apply) over {@code live} (null when
     * the object does not exist yet); throws upstream's 409 on conflicts unless {@code force}.
     */
    public static Result apply(JsonNode live, JsonNode applied, Class<?> type, Manager manager, boolean force, String now) {
        ObjectNode base = live == null ? FieldsV1.MAPPER.createObjectNode() : ((ObjectNode) live).deepCopy();
        List<ManagedFieldsEntry> entries = live == null ? List.of() : entriesOf(base);
        Map<Manager, String> times = new LinkedHashMap<>();
        Map<Manager, FieldSet> managers = ManagedFields.decode(entries, times);
        FieldSet appliedSet = ObjectFields.of(applied, type);

        Map<Manager, FieldSet> others = new LinkedHashMap<>(managers);
        others.remove(manager);
        List<Conflicts.Conflict> conflicts = Conflicts.find(appliedSet, applied, base, others);
        if (!conflicts.isEmpty()) {
            if (!force) {
                throw Conflicts.error(conflicts);
            }
            FieldSet taken = FieldSet.of(conflicts.stream().map(Conflicts.Conflict::path).toList());
            others.replaceAll((m, set) -> set.difference(taken));
        }

        ObjectNode merged = (ObjectNode) merge(base, applied, PatchMeta.forType(type));
        FieldSet previously = managers.getOrDefault(manager, FieldSet.empty());
        FieldSet ownedByOthers = FieldSet.empty();
        for (FieldSet set : others.values()) {
            ownedByOthers = ownedByOthers.union(set);
        }
        List<List<PathElement>> removed = new ArrayList<>();
        for (List<PathElement> path : previously.difference(appliedSet).difference(ownedByOthers).paths()) {
            if (removed.stream().noneMatch(done -> path.size() > done.size() && path.subList(0, done.size()).equals(done))) {
                remove(merged, path);
                removed.add(path);
            }
        }

        Map<Manager, FieldSet> result = new LinkedHashMap<>(others);
        result.put(manager, appliedSet);
        times.put(manager, now);
        List<ManagedFieldsEntry> managedFields = ManagedFields.encode(result, times);
        ObjectNode metadata = merged.get("metadata") instanceof ObjectNode m ? m : merged.putObject("metadata");
        metadata.set("managedFields", FieldsV1.MAPPER.valueToTree(managedFields));
        return new Result(merged, managedFields);
    }

    private static List<ManagedFieldsEntry> entriesOf(ObjectNode object) {
        JsonNode managed = object.path("metadata").path("managedFields");
        List<ManagedFieldsEntry> entries = new ArrayList<>();
        if (managed.isArray()) {
            managed.forEach(e -> entries.add(FieldsV1.MAPPER.convertValue(e, ManagedFieldsEntry.class)));
        }
        return entries;
    }

    /** The live value with the applied one merged in, per the type's list kinds. */
    static JsonNode merge(JsonNode live, JsonNode applied, PatchMeta meta) {
        if (live == null || !live.isObject() || !applied.isObject() || applied.isEmpty() && !meta.isStruct()) {
            return applied.deepCopy();
        }
        ObjectNode out = ((ObjectNode) live).deepCopy();
        for (Map.Entry<String, JsonNode> entry : applied.properties()) {
            JsonNode value = entry.getValue();
            if (!meta.isStruct()) {
                out.set(entry.getKey(), value.deepCopy());
                continue;
            }
            PatchMeta.Field field = meta.field(entry.getKey()).orElse(null);
            JsonNode current = out.get(entry.getKey());
            if (field == null || current == null || value.isNull()) {
                out.set(entry.getKey(), value.deepCopy());
                continue;
            }
            out.set(entry.getKey(), switch (field.shape()) {
                case OBJECT -> merge(current, value, field.meta());
                case MAP -> mergeMap(current, value, field.meta());
                case LIST -> mergeList(current, value, field);
                case SCALAR -> value.deepCopy();
            });
        }
        return out;
    }

    private static JsonNode mergeMap(JsonNode live, JsonNode applied, PatchMeta valueMeta) {
        if (!live.isObject() || !applied.isObject()) {
            return applied.deepCopy();
        }
        ObjectNode out = ((ObjectNode) live).deepCopy();
        applied.properties().forEach(e -> out.set(e.getKey(),
                valueMeta.isStruct() && out.has(e.getKey()) ? merge(out.get(e.getKey()), e.getValue(), valueMeta) : e.getValue().deepCopy()));
        return out;
    }

    private static JsonNode mergeList(JsonNode live, JsonNode applied, PatchMeta.Field field) {
        PatchFacts facts = field.facts();
        String listType = facts == null ? null : facts.listType();
        if (!live.isArray() || !applied.isArray() || listType == null || listType.equals("atomic")) {
            return applied.deepCopy();
        }
        ArrayNode out = ((ArrayNode) live).deepCopy();
        for (JsonNode item : applied) {
            if (listType.equals("set")) {
                if (Values.at(out, List.of(ObjectFields.valueOf(item))) == null) {
                    out.add(item.deepCopy());
                }
                continue;
            }
            PathElement key = ObjectFields.keyOf(item, facts.listMapKeys());
            int index = indexOf(out, key);
            if (index < 0) {
                out.add(item.deepCopy());
            } else {
                out.set(index, merge(out.get(index), item, field.meta()));
            }
        }
        return out;
    }

    private static int indexOf(ArrayNode list, PathElement key) {
        JsonNode found = Values.at(list, List.of(key));
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == found) {
                return i;
            }
        }
        return -1;
    }

    /** Removes the value at {@code path} (a struct field, map key, keyed element or set value). */
    static void remove(JsonNode root, List<PathElement> path) {
        JsonNode parent = Values.at(root, path.subList(0, path.size() - 1));
        PathElement last = path.getLast();
        if (parent instanceof ObjectNode object && last.kind() == PathElement.Kind.FIELD) {
            object.remove(last.text());
        } else if (parent instanceof ArrayNode array) {
            JsonNode target = Values.at(array, List.of(last));
            for (Iterator<JsonNode> it = array.iterator(); it.hasNext(); ) {
                if (it.next() == target) {
                    it.remove();
                }
            }
        }
    }
}
