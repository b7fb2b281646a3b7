package dev.skiff.api.fieldmanager;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.patch.PatchFacts;
import dev.skiff.api.patch.PatchMeta;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The field set of an object, as structured-merge-diff's ToFieldSet walks a typed value: scalars,
 * atomic lists and atomic structs are members; struct fields are members only when null or
 * empty; map entries are always members; associative list elements ({@code k:}) and set elements
 * ({@code v:}) are members and their contents are walked. The list kinds come from
 * {@link PatchMeta} (listType map/set; lists without a listType are atomic, as upstream's
 * schema defaults them). The fields upstream's field manager never tracks (apiVersion, kind and
 * the server-owned metadata) are left out.
 */
public final class ObjectFields {
    /** Structs upstream marks {@code +structType=atomic}, owned as a whole. */
    private static final Set<Class<?>> ATOMIC_STRUCTS = Set.of(LabelSelector.class);

    /** Upstream's stripped fields: never owned by any manager. */
    private static final List<List<PathElement>> STRIPPED = List.of(
            List.of(PathElement.field("apiVersion")),
            List.of(PathElement.field("kind")),
            List.of(PathElement.field("metadata")),
            metadata("name"), metadata("namespace"), metadata("creationTimestamp"), metadata("selfLink"),
            metadata("uid"), metadata("clusterName"), metadata("generation"), metadata("managedFields"),
            metadata("resourceVersion"));

    private ObjectFields() {
    }

    private static List<PathElement> metadata(String field) {
        return List.of(PathElement.field("metadata"), PathElement.field(field));
    }

    /** The set of the fields an object (or a partial object such as an apply configuration) sets. */
    public static FieldSet of(JsonNode object, Class<?> type) {
        FieldSet.Builder builder = new FieldSet.Builder();
        walkStruct(object, PatchMeta.forType(type), builder);
        FieldSet stripped = FieldSet.of(STRIPPED);
        return builder.build().difference(stripped);
    }

    private static void walkStruct(JsonNode object, PatchMeta meta, FieldSet.Builder node) {
        if (!object.isObject() || !meta.isStruct() || ATOMIC_STRUCTS.contains(meta.type())) {
            node.markMember();
            return;
        }
        for (Map.Entry<String, JsonNode> entry : object.properties()) {
            FieldSet.Builder child = node.descend(PathElement.field(entry.getKey()));
            JsonNode value = entry.getValue();
            PatchMeta.Field field = meta.field(entry.getKey()).orElse(null);
            if (field == null) {
                child.markMember();
                continue;
            }
            walkField(value, field, child);
            if (value.isNull() || value.isObject() && value.isEmpty()) {
                child.markMember();
            }
        }
    }

    private static void walkField(JsonNode value, PatchMeta.Field field, FieldSet.Builder node) {
        switch (field.shape()) {
            case OBJECT -> walkStruct(value, field.meta(), node);
            case MAP -> walkMap(value, field.meta(), node);
            case LIST -> walkList(value, field, node);
            case SCALAR -> node.markMember();
        }
    }

    private static void walkMap(JsonNode value, PatchMeta valueMeta, FieldSet.Builder node) {
        if (!value.isObject()) {
            node.markMember();
            return;
        }
        for (Map.Entry<String, JsonNode> entry : value.properties()) {
            FieldSet.Builder child = node.descend(PathElement.field(entry.getKey()));
            if (valueMeta.isStruct()) {
                walkStruct(entry.getValue(), valueMeta, child);
            }
            child.markMember();
        }
    }

    private static void walkList(JsonNode value, PatchMeta.Field field, FieldSet.Builder node) {
        PatchFacts facts = field.facts();
        String listType = facts == null ? null : facts.listType();
        if (!value.isArray() || listType == null || listType.equals("atomic")) {
            node.markMember();
            return;
        }
        for (JsonNode item : value) {
            PathElement element = listType.equals("map") ? keyOf(item, facts.listMapKeys()) : valueOf(item);
            FieldSet.Builder child = node.descend(element);
            if (listType.equals("map")) {
                walkStruct(item, field.meta(), child);
            }
            child.markMember();
        }
    }

    /** The {@code k:} element of an associative list item: its key fields, sorted by name as upstream's FieldList. */
    static PathElement keyOf(JsonNode item, List<String> keys) {
        ObjectNode key = FieldsV1.MAPPER.createObjectNode();
        keys.stream().sorted().forEach(name -> {
            if (item.has(name)) {
                key.set(name, item.get(name));
            }
        });
        return new PathElement(PathElement.Kind.KEY, json(key));
    }

    static PathElement valueOf(JsonNode item) {
        return new PathElement(PathElement.Kind.VALUE, json(item));
    }

    private static String json(JsonNode node) {
        try {
            return FieldsV1.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
