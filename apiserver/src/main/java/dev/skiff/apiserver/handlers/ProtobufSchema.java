package dev.skiff.apiserver.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The wire layout of Kubernetes' protobuf messages (field number, JSON name, label, type), read
 * from {@code k8s-proto-fields.txt}: facts extracted from upstream's generated.proto files by
 * {@code apiserver/src/build/proto_facts.py}. Decodes any listed message into the JSON the
 * handlers read, turning apimachinery's special messages (IntOrString, Quantity, Time, Duration,
 * RawExtension, ExtraValue) into their JSON forms. A scalar's zero is left out where Go's JSON
 * would leave it out (a value field tagged omitempty); a pointer's zero is kept.
 */
final class ProtobufSchema {
    private static final long ZERO_TIME_SECONDS = -62135596800L;
    private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";
    private static final ProtobufSchema INSTANCE = load();

    /** {@code omitZero}: a value field tagged omitempty, whose zero JSON leaves out (the wire always carries it). */
    private record Field(String name, String label, String type, String mapValue, boolean omitZero) {
    }

    private final Map<String, Map<Integer, Field>> messages;

    private ProtobufSchema(Map<String, Map<Integer, Field>> messages) {
        this.messages = messages;
    }

    static ProtobufSchema get() {
        return INSTANCE;
    }

    private static ProtobufSchema load() {
        Map<String, Map<Integer, Field>> messages = new HashMap<>();
        try (var in = ProtobufSchema.class.getResourceAsStream("k8s-proto-fields.txt");
             var reader = new BufferedReader(new InputStreamReader(Objects.requireNonNull(in), StandardCharsets.UTF_8))) {
            Map<Integer, Field> current = null;
            for (String line; (line = reader.readLine()) != null; ) {
                String[] p = line.split(" ");
                if (p[0].equals("M")) {
                    current = new HashMap<>();
                    messages.put(p[1], current);
                } else if (current != null) {
                    current.put(Integer.parseInt(p[0]), p[2].equals("map")
                            ? new Field(p[1], "map", "", p[3], false)
                            : new Field(p[1], p[2], p[3], null, p.length > 4 && p[4].equals("omit0")));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ProtobufSchema(Map.copyOf(messages));
    }

    /** The message of a top-level kind: {@code k8s.io.api.<group's first label or core>.<version>.<Kind>}. */
    Optional<String> messageFor(String apiVersion, String kind) {
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "core" : apiVersion.substring(0, slash);
        String version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
        int dot = group.indexOf('.');
        String name = "k8s.io.api." + (dot < 0 ? group : group.substring(0, dot)) + "." + version + "." + kind;
        return messages.containsKey(name) ? Optional.of(name) : Optional.empty();
    }

    ObjectNode decode(byte[] bytes, String message) throws IOException {
        JsonNode node = value(CodedInputStream.newInstance(bytes), message);
        return node instanceof ObjectNode object ? object : JsonNodeFactory.instance.objectNode();
    }

    private JsonNode value(CodedInputStream in, String message) throws IOException {
        var f = JsonNodeFactory.instance;
        switch (message) {
            case "k8s.io.apimachinery.pkg.util.intstr.IntOrString" -> {
                ObjectNode raw = object(in, message);
                return raw.path("type").asLong() == 1 ? f.textNode(raw.path("strVal").asText("")) : f.numberNode(raw.path("intVal").asInt());
            }
            case "k8s.io.apimachinery.pkg.api.resource.Quantity" -> {
                return f.textNode(object(in, message).path("string").asText(""));
            }
            case META + "Time", META + "MicroTime" -> {
                ObjectNode raw = object(in, message);
                long seconds = raw.path("seconds").asLong();
                if (seconds == 0 || seconds == ZERO_TIME_SECONDS) {
                    return f.nullNode();
                }
                Instant t = Instant.ofEpochSecond(seconds, message.endsWith("MicroTime") ? raw.path("nanos").asInt() / 1000 * 1000 : 0);
                return f.textNode(DateTimeFormatter.ISO_INSTANT.format(t));
            }
            case META + "Duration" -> {
                return f.textNode(object(in, message).path("duration").asText(""));
            }
            case "k8s.io.apimachinery.pkg.runtime.RawExtension", META + "FieldsV1" -> {
                String field = message.endsWith("FieldsV1") ? "Raw" : "raw";
                byte[] raw = Base64.getDecoder().decode(object(in, message).path(field).asText(""));
                try {
                    return raw.length == 0 ? f.nullNode() : BodyDecoder.JSON.readTree(raw);
                } catch (IOException e) {
                    return f.textNode(Base64.getEncoder().encodeToString(raw));
                }
            }
            case "k8s.io.api.authentication.v1.ExtraValue", "k8s.io.api.authorization.v1.ExtraValue",
                 "k8s.io.api.authentication.v1beta1.ExtraValue", "k8s.io.api.authentication.v1alpha1.ExtraValue" -> {
                JsonNode items = object(in, message).get("items");
                return items == null ? f.arrayNode() : items;
            }
            default -> {
                return object(in, message);
            }
        }
    }

    private ObjectNode object(CodedInputStream in, String message) throws IOException {
        Map<Integer, Field> fields = messages.getOrDefault(message, Map.of());
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            Field field = fields.get(WireFormat.getTagFieldNumber(tag));
            if (field == null) {
                in.skipField(tag);
                continue;
            }
            switch (field.label()) {
                case "map" -> {
                    var entry = CodedInputStream.newInstance(in.readByteArray());
                    String key = "";
                    JsonNode value = JsonNodeFactory.instance.nullNode();
                    while (!entry.isAtEnd()) {
                        int t = entry.readTag();
                        switch (WireFormat.getTagFieldNumber(t)) {
                            case 1 -> key = entry.readStringRequireUtf8();
                            case 2 -> value = single(entry, field.mapValue());
                            default -> entry.skipField(t);
                        }
                    }
                    ObjectNode map = node.has(field.name()) ? (ObjectNode) node.get(field.name()) : node.putObject(field.name());
                    map.set(key, value.isNull() && field.mapValue().equals("string") ? JsonNodeFactory.instance.textNode("") : value);
                }
                case "repeated" -> {
                    ArrayNode array = node.has(field.name()) ? (ArrayNode) node.get(field.name()) : node.putArray(field.name());
                    if (isPackable(field.type()) && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        var packed = CodedInputStream.newInstance(in.readByteArray());
                        while (!packed.isAtEnd()) {
                            array.add(single(packed, field.type()));
                        }
                    } else {
                        array.add(single(in, field.type()));
                    }
                }
                default -> {
                    JsonNode v = single(in, field.type());
                    if (!v.isNull() && !(field.omitZero() && isZero(v))) {
                        node.set(field.name(), v);
                    }
                }
            }
        }
        return node;
    }

    private static boolean isZero(JsonNode v) {
        return v.isTextual() && v.asText().isEmpty() || v.isBoolean() && !v.asBoolean() || v.isNumber() && v.asDouble() == 0;
    }

    /** One value of a field's type; null for a zero time (left out). */
    private JsonNode single(CodedInputStream in, String type) throws IOException {
        var f = JsonNodeFactory.instance;
        return switch (type) {
            case "string" -> f.textNode(in.readStringRequireUtf8());
            case "bytes" -> f.textNode(Base64.getEncoder().encodeToString(in.readByteArray()));
            case "bool" -> f.booleanNode(in.readBool());
            case "int32" -> f.numberNode(in.readInt32());
            case "int64" -> f.numberNode(in.readInt64());
            case "uint32" -> f.numberNode(in.readUInt32());
            case "uint64" -> f.numberNode(in.readUInt64());
            case "sint32" -> f.numberNode(in.readSInt32());
            case "sint64" -> f.numberNode(in.readSInt64());
            case "fixed32" -> f.numberNode(in.readFixed32());
            case "fixed64" -> f.numberNode(in.readFixed64());
            case "double" -> f.numberNode(in.readDouble());
            case "float" -> f.numberNode(in.readFloat());
            default -> value(CodedInputStream.newInstance(in.readByteArray()), type);
        };
    }

    private static boolean isPackable(String type) {
        return !type.equals("string") && !type.equals("bytes") && !type.contains(".");
    }
}
