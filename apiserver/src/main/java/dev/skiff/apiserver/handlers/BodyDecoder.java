package dev.skiff.apiserver.handlers;

import dev.skiff.api.meta.MicroTime;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.ResourceInfo;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Request bodies into fabric8 objects, as upstream's decoding in the create/update handlers: JSON
 * or YAML, apiVersion/kind checked against the URL, unknown fields found by comparing what was
 * sent with what the type keeps (fabric8 would otherwise keep them as additionalProperties) and
 * then refused (Strict), reported as warnings (Warn) or dropped (Ignore).
 */
public final class BodyDecoder {
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .registerModule(MicroTime.MODULE).registerModule(new com.fasterxml.jackson.module.blackbird.BlackbirdModule());
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()).registerModule(MicroTime.MODULE);
    /** Serializes only the declared properties (no any-getter), nulls included, to see which sent fields a type keeps. */
    private static final ObjectMapper DECLARED = new ObjectMapper().setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
        @Override
        public Boolean hasAnyGetter(Annotated a) {
            return false;
        }

        @Override
        public com.fasterxml.jackson.annotation.JsonInclude.Value findPropertyInclusion(Annotated a) {
            return com.fasterxml.jackson.annotation.JsonInclude.Value.construct(
                    com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS, com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS);
        }
    }).registerModule(MicroTime.MODULE);

    record Decoded<T>(T object, List<String> warnings) {
    }

    private BodyDecoder() {
    }

    /** An object as list items and watch events carry it (this mapper: nulls a type keeps are written, as always). */
    static byte[] write(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /**
     * A request body of {@code info}'s kind as a JSON tree, whatever its encoding (JSON, YAML, protobuf),
     * for admission plugins that rewrite objects; 400/415 as for any decode.
     */
    public static JsonNode tree(byte[] body, String contentType, ResourceInfo info) {
        return parse(body, contentType, info);
    }

    static JsonNode parse(byte[] body, String contentType, ResourceInfo info) {
        String type = contentType == null ? "application/json" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (type.equals(ProtobufBody.MEDIA_TYPE)) {
            return ProtobufBody.toJson(body, info.apiVersion(), info.kind());
        }
        try {
            return switch (type) {
                case "application/json", "", "*/*" -> JSON.readTree(body);
                case "application/yaml" -> YAML.readTree(body);
                default -> throw ApiException.unsupportedMediaType(type);
            };
        } catch (IOException e) {
            throw ApiException.badRequest("the object provided is unrecognized (must be of type " + info.kind()
                    + "): couldn't get version/kind; json parse error: " + firstLine(e.getMessage()) + " (" + summary(body) + ")");
        }
    }

    static <T extends HasMetadata> Decoded<T> decode(byte[] body, String contentType, ResourceInfo info, Class<T> type,
                                                     String fieldValidation) {
        return decode(body, contentType, info, type, fieldValidation, java.util.Set.of());
    }

    /** {@link #decode}, taking a body of one of the {@code alsoAccepted} apiVersions as if it were of the expected one (same schema). */
    static <T extends HasMetadata> Decoded<T> decode(byte[] body, String contentType, ResourceInfo info, Class<T> type,
                                                     String fieldValidation, java.util.Set<String> alsoAccepted) {
        String directive = fieldValidation == null || fieldValidation.isEmpty() ? "Warn" : fieldValidation;
        if (!List.of("Strict", "Warn", "Ignore").contains(directive)) {
            throw ApiException.badRequest("fieldValidation parameter unsupported value: " + ApiException.goQuote(directive)
                    + ", must be one of: Ignore, Warn, Strict");
        }
        JsonNode tree = parse(body, contentType, info);
        if (!(tree instanceof ObjectNode object)) {
            throw ApiException.badRequest("the object provided is unrecognized (must be of type " + info.kind()
                    + "): couldn't get version/kind; json parse error: expected an object (" + summary(body) + ")");
        }
        String apiVersion = text(object, "apiVersion");
        String kind = text(object, "kind");
        String expectedVersion = info.apiVersion();
        if (!apiVersion.isEmpty() && !apiVersion.equals(expectedVersion) && !alsoAccepted.contains(apiVersion)) {
            throw ApiException.badRequest("the API version in the data (" + apiVersion + ") does not match the expected API version ("
                    + expectedVersion + ")");
        }
        if (!kind.isEmpty() && !kind.equals(info.kind())) {
            throw ApiException.badRequest(kind + " in version " + ApiException.goQuote(info.version()) + " cannot be handled as a "
                    + info.kind() + ": no kind " + ApiException.goQuote(kind) + " is registered for version "
                    + ApiException.goQuote(expectedVersion));
        }
        object.put("apiVersion", expectedVersion);
        object.put("kind", info.kind());
        T decoded = convert(object, info, type);
        List<String> unknown = new ArrayList<>();
        unknownFields(object, DECLARED.valueToTree(decoded), "", unknown);
        if (unknown.isEmpty()) {
            return new Decoded<>(decoded, List.of());
        }
        if (directive.equals("Strict")) {
            throw ApiException.badRequest(info.kind() + " in version " + ApiException.goQuote(info.version())
                    + " cannot be handled as a " + info.kind() + ": strict decoding error: "
                    + String.join(", ", unknown.stream().map(f -> "unknown field " + ApiException.goQuote(f)).toList()));
        }
        T pruned = convert(object, info, type); // `object` had the unknown fields removed while comparing
        return new Decoded<>(pruned, directive.equals("Warn")
                ? unknown.stream().map(f -> "unknown field " + ApiException.goQuote(f)).toList() : List.of());
    }

    private static <T> T convert(ObjectNode object, ResourceInfo info, Class<T> type) {
        try {
            return JSON.treeToValue(object, type);
        } catch (IOException | IllegalArgumentException e) {
            throw ApiException.badRequest(info.kind() + " in version " + ApiException.goQuote(info.version())
                    + " cannot be handled as a " + info.kind() + ": " + firstLine(e.getMessage()));
        }
    }

    /** Collects (and removes from {@code sent}) the fields the type did not keep, as upstream's paths: a.b[0].c */
    private static void unknownFields(JsonNode sent, JsonNode kept, String path, List<String> unknown) {
        if (sent instanceof ObjectNode sentObject && kept instanceof ObjectNode keptObject) {
            for (Iterator<Map.Entry<String, JsonNode>> it = sentObject.fields(); it.hasNext(); ) {
                var field = it.next();
                String fieldPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                JsonNode keptValue = keptObject.get(field.getKey());
                if (field.getKey().equals("fieldsV1") && path.startsWith("metadata.managedFields[")) {
                    continue; // free-form JSON upstream (a raw field set), kept whole as the model's additionalProperties
                }
                if (keptValue == null || field.getKey().equals("additionalProperties")) {
                    unknown.add(fieldPath);
                    it.remove();
                } else {
                    unknownFields(field.getValue(), keptValue, fieldPath, unknown);
                }
            }
        } else if (sent != null && sent.isArray() && kept != null && kept.isArray()) {
            for (int i = 0; i < sent.size() && i < kept.size(); i++) {
                unknownFields(sent.get(i), kept.get(i), path + "[" + i + "]", unknown);
            }
        }
    }

    private static String text(ObjectNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? "" : value.asText();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** Upstream's summarizeData: the first bytes of the body, elided. */
    private static String summary(byte[] body) {
        String s = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        return s.length() > 30 ? s.substring(0, 30) + "..." : s;
    }
}
