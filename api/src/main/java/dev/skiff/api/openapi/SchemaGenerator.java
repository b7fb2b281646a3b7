package dev.skiff.api.openapi;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.patch.PatchFacts;
import dev.skiff.api.patch.PatchMeta;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * OpenAPI schemas (the subset shared by Swagger 2.0 definitions and OpenAPI 3.0 component schemas)
 * generated from the fabric8 model classes: one definition per model class, named as upstream
 * ({@link DefinitionNames}), with a property per Jackson property of the class. Value types get
 * upstream's shapes: integers with format int32/int64, meta/v1 Time as a date-time string,
 * IntOrString with {@code x-kubernetes-int-or-string}, Quantity as a string, free-form JSON
 * (RawExtension, JSON) as an object that keeps unknown fields. List fields carry the patch facts
 * of {@link PatchMeta} as {@code x-kubernetes-patch-*} and {@code x-kubernetes-list-*} extensions.
 * Kinds get {@code x-kubernetes-group-version-kind}. There are no descriptions (upstream's are its
 * doc text) and no {@code required} lists (the model does not say which fields Go requires).
 */
public final class SchemaGenerator {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** A group, version and kind that a definition carries in {@code x-kubernetes-group-version-kind}. */
    public record Gvk(String group, String version, String kind) {
    }

    private final String refPrefix;
    private final Map<String, ObjectNode> definitions = new TreeMap<>();
    private final Map<Class<?>, List<Gvk>> kinds = new LinkedHashMap<>();
    private final Deque<Class<?>> pending = new ArrayDeque<>();

    /** @param refPrefix {@code #/definitions/} for Swagger 2.0, {@code #/components/schemas/} for OpenAPI 3 */
    public SchemaGenerator(String refPrefix) {
        this.refPrefix = refPrefix;
    }

    /** Adds a model class (and every type it reaches); answers its definition name. */
    public String add(Class<?> type) {
        String name = DefinitionNames.of(type);
        if (!definitions.containsKey(name)) {
            definitions.put(name, JSON.objectNode());
            pending.add(type);
            drain();
        }
        return name;
    }

    /** Adds a kind: its class, tagged with the group-version-kinds it is served as. */
    public String addKind(Class<?> type, Gvk gvk) {
        List<Gvk> tags = kinds.computeIfAbsent(type, t -> new ArrayList<>());
        if (!tags.contains(gvk)) {
            tags.add(gvk);
        }
        String name = add(type);
        ArrayNode extension = definitions.get(name).putArray("x-kubernetes-group-version-kind");
        for (Gvk tag : tags) {
            extension.addObject().put("group", tag.group()).put("kind", tag.kind()).put("version", tag.version());
        }
        return name;
    }

    /** A reference to a definition, in this generator's document style. */
    public ObjectNode ref(String definitionName) {
        return JSON.objectNode().put("$ref", refPrefix + definitionName);
    }

    /** The definitions, sorted by name, as upstream's documents list them. */
    public Map<String, ObjectNode> definitions() {
        return definitions;
    }

    private void drain() {
        while (!pending.isEmpty()) {
            Class<?> type = pending.poll();
            definitions.get(DefinitionNames.of(type)).setAll(define(type));
        }
    }

    private ObjectNode define(Class<?> type) {
        if (type == IntOrString.class) {
            return JSON.objectNode().put("type", "string").put("format", "int-or-string").put("x-kubernetes-int-or-string", true);
        }
        if (type == Quantity.class) {
            return JSON.objectNode().put("type", "string");
        }
        if (type == MicroTime.class) {
            return JSON.objectNode().put("type", "string").put("format", "date-time");
        }
        ObjectNode schema = JSON.objectNode().put("type", "object");
        ObjectNode properties = JSON.objectNode();
        PatchMeta patchMeta = PatchMeta.forType(type);
        BeanDescription description = MAPPER.getSerializationConfig().introspect(MAPPER.constructType(type));
        for (BeanPropertyDefinition property : description.findProperties()) {
            JavaType propertyType = property.getPrimaryType();
            if (propertyType == null || property.getName().equals("additionalProperties")) {
                continue;
            }
            ObjectNode field = schemaOf(property.getName(), propertyType);
            patchMeta.field(property.getName()).map(PatchMeta.Field::facts).ifPresent(facts -> publish(facts, field));
            properties.set(property.getName(), field);
        }
        if (!properties.isEmpty()) {
            schema.set("properties", properties);
        }
        return schema;
    }

    private ObjectNode schemaOf(String jsonName, JavaType type) {
        Class<?> raw = type.getRawClass();
        if (type.isCollectionLikeType() || type.isArrayType() && raw != byte[].class) {
            ObjectNode array = JSON.objectNode().put("type", "array");
            array.set("items", schemaOf(jsonName, type.getContentType()));
            return array;
        }
        if (type.isMapLikeType()) {
            ObjectNode map = JSON.objectNode().put("type", "object");
            map.set("additionalProperties", schemaOf("", type.getContentType()));
            return map;
        }
        if (raw == String.class) {
            return isTimeField(jsonName) ? ref(addDateTime(DefinitionNames.TIME)) : JSON.objectNode().put("type", "string");
        }
        if (java.time.temporal.Temporal.class.isAssignableFrom(raw)) {
            // fabric8 models meta/v1 MicroTime fields (Lease's acquire/renew times) as ZonedDateTime
            return ref(addDateTime(DefinitionNames.MICRO_TIME));
        }
        if (raw == byte[].class) {
            return JSON.objectNode().put("type", "string").put("format", "byte");
        }
        if (raw == Integer.class || raw == int.class) {
            return JSON.objectNode().put("type", "integer").put("format", "int32");
        }
        if (raw == Long.class || raw == long.class) {
            return JSON.objectNode().put("type", "integer").put("format", "int64");
        }
        if (raw == Double.class || raw == double.class || raw == Float.class || raw == float.class) {
            return JSON.objectNode().put("type", "number").put("format", "double");
        }
        if (raw == Boolean.class || raw == boolean.class) {
            return JSON.objectNode().put("type", "boolean");
        }
        if (raw == Object.class || raw == JsonNode.class || raw == KubernetesResource.class || !isModelType(raw)) {
            return JSON.objectNode().put("type", "object").put("x-kubernetes-preserve-unknown-fields", true);
        }
        String name = DefinitionNames.of(raw);
        if (!definitions.containsKey(name)) {
            definitions.put(name, JSON.objectNode());
            pending.add(raw);
        }
        return ref(name);
    }

    private String addDateTime(String definitionName) {
        definitions.computeIfAbsent(definitionName, n -> JSON.objectNode().put("type", "string").put("format", "date-time"));
        return definitionName;
    }

    /**
     * Whether a string property is a meta/v1 Time, which fabric8 models as String: upstream names
     * every Time field {@code ...Time}, {@code ...Timestamp}, {@code time}, {@code timeAdded},
     * {@code startedAt} or {@code finishedAt}, and no other string field so.
     */
    static boolean isTimeField(String jsonName) {
        return jsonName.endsWith("Time") || jsonName.endsWith("Timestamp") || jsonName.equals("time")
                || jsonName.equals("timeAdded") || jsonName.equals("startedAt") || jsonName.equals("finishedAt");
    }

    private static boolean isModelType(Class<?> type) {
        return type.getName().startsWith("io.fabric8.kubernetes.api.model") && !type.isInterface() && !type.isEnum();
    }

    private static void publish(PatchFacts facts, ObjectNode field) {
        if (facts.patchMergeKey() != null) {
            field.put("x-kubernetes-patch-merge-key", facts.patchMergeKey());
        }
        if (facts.patchStrategy() != null) {
            field.put("x-kubernetes-patch-strategy", facts.patchStrategy());
        }
        if (facts.listType() != null) {
            field.put("x-kubernetes-list-type", facts.listType());
        }
        if (!facts.listMapKeys().isEmpty()) {
            ArrayNode keys = field.putArray("x-kubernetes-list-map-keys");
            facts.listMapKeys().forEach(keys::add);
        }
    }
}
