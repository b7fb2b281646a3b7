package dev.skiff.api.patch;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The patch metadata of one fabric8 model type, as upstream's strategicpatch.LookupPatchMeta
 * reads it from Go struct tags: for each JSON field, its patch facts and the type of its value
 * (the element type for lists, the value type for maps). The type tree comes from the model
 * classes' Jackson properties, so names and nesting are the model's; the facts come from
 * {@link PatchFactsTable}. Instances are cached and immutable.
 */
public final class PatchMeta {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<Class<?>, PatchMeta> CACHE = new ConcurrentHashMap<>();
    private static final PatchFacts NONE = new PatchFacts(null, null, null, null);

    /** How a field's JSON value is shaped. */
    public enum Shape { OBJECT, LIST, MAP, SCALAR }

    /** One field: its facts (all null when none), its shape, and the type of its value or elements. */
    public record Field(String name, PatchFacts facts, Shape shape, Class<?> valueType) {
        /** The patch metadata of the field's value, or of its elements for a list, or of its values for a map. */
        public PatchMeta meta() {
            return forType(valueType);
        }
    }

    private final Class<?> type;
    private final Map<String, Field> fields;

    private PatchMeta(Class<?> type, Map<String, Field> fields) {
        this.type = type;
        this.fields = fields;
    }

    /** The metadata of a model class (e.g. {@code Pod.class}); a class without properties has no fields. */
    public static PatchMeta forType(Class<?> type) {
        PatchMeta meta = CACHE.get(type);
        if (meta == null) {
            meta = build(type);
            PatchMeta raced = CACHE.putIfAbsent(type, meta);
            if (raced != null) {
                meta = raced;
            }
        }
        return meta;
    }

    public Class<?> type() {
        return type;
    }

    /** Whether this is a struct with fields (false for strings, numbers, quantities, free-form values). */
    public boolean isStruct() {
        return !fields.isEmpty();
    }

    public Optional<Field> field(String jsonName) {
        return Optional.ofNullable(fields.get(jsonName));
    }

    /** All fields, in the model's property order. */
    public Map<String, Field> fields() {
        return fields;
    }

    /** The facts of a field reached by a dotted JSON path from this type, e.g. {@code spec.template.spec.containers}. */
    public Optional<PatchFacts> factsAt(String dottedPath) {
        PatchMeta meta = this;
        Field field = null;
        for (String part : dottedPath.split("\\.")) {
            if (field != null) {
                meta = field.meta();
            }
            field = meta.fields.get(part);
            if (field == null) {
                return Optional.empty();
            }
        }
        return field == null || field.facts() == NONE ? Optional.empty() : Optional.of(field.facts());
    }

    private static PatchMeta build(Class<?> type) {
        Map<String, Field> fields = new LinkedHashMap<>();
        if (!isModelStruct(type)) {
            return new PatchMeta(type, Map.of());
        }
        Map<String, PatchFacts> facts = PatchFactsTable.FACTS.getOrDefault(type, Map.of());
        JavaType javaType = MAPPER.constructType(type);
        BeanDescription description = MAPPER.getSerializationConfig().introspect(javaType);
        for (BeanPropertyDefinition property : description.findProperties()) {
            JavaType propertyType = property.getPrimaryType();
            if (propertyType == null || property.getName().equals("additionalProperties")) {
                continue;
            }
            Shape shape;
            Class<?> valueType;
            if (propertyType.isCollectionLikeType() || propertyType.isArrayType() && !propertyType.getContentType().isPrimitive()) {
                shape = Shape.LIST;
                valueType = propertyType.getContentType().getRawClass();
            } else if (propertyType.isMapLikeType()) {
                shape = Shape.MAP;
                valueType = propertyType.getContentType().getRawClass();
            } else {
                valueType = propertyType.getRawClass();
                shape = isModelStruct(valueType) ? Shape.OBJECT : Shape.SCALAR;
            }
            fields.put(property.getName(), new Field(property.getName(), facts.getOrDefault(property.getName(), NONE), shape, valueType));
        }
        return new PatchMeta(type, java.util.Collections.unmodifiableMap(fields));
    }

    /** A fabric8 model class (a bean with JSON properties) rather than a value such as Quantity or IntOrString. */
    private static boolean isModelStruct(Class<?> type) {
        return type.getName().startsWith("io.fabric8.kubernetes.api.model")
                && type.isAnnotationPresent(com.fasterxml.jackson.annotation.JsonPropertyOrder.class);
    }
}
