package dev.skiff.apiserver.handlers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.skiff.api.errors.ApiException;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Map;

/**
 * Request bodies in Kubernetes' protobuf encoding ({@code application/vnd.kubernetes.protobuf}),
 * which kubectl's typed clients send (e.g. {@code kubectl create namespace}): the {@code k8s\0}
 * envelope around a runtime.Unknown, whose raw bytes are the object's message as laid out in
 * upstream's generated.proto. Decoded into the JSON the rest of the handler reads, for the kinds
 * skiff serves; other kinds are 415.
 */
final class ProtobufBody {
    static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";
    private static final byte[] MAGIC = {'k', '8', 's', 0};
    private static final long ZERO_TIME_SECONDS = -62135596800L;

    /** A field of a message: its JSON name and how to read it. */
    private record Field(String name, Kind kind, Map<Integer, Field> message) {
    }

    private enum Kind { STRING, BYTES, INT64, BOOL, OPTIONAL_INT64, OPTIONAL_BOOL, TIME, MESSAGE, REPEATED_STRING, REPEATED_MESSAGE,
        STRING_MAP, BYTES_MAP }

    private static Field f(String name, Kind kind) {
        return new Field(name, kind, null);
    }

    private static Field m(String name, Kind kind, Map<Integer, Field> message) {
        return new Field(name, kind, message);
    }

    private static final Map<Integer, Field> OWNER_REFERENCE = Map.of(1, f("kind", Kind.STRING), 3, f("name", Kind.STRING),
            4, f("uid", Kind.STRING), 5, f("apiVersion", Kind.STRING), 6, f("controller", Kind.OPTIONAL_BOOL),
            7, f("blockOwnerDeletion", Kind.OPTIONAL_BOOL));
    private static final Map<Integer, Field> OBJECT_META = Map.ofEntries(
            Map.entry(1, f("name", Kind.STRING)), Map.entry(2, f("generateName", Kind.STRING)),
            Map.entry(3, f("namespace", Kind.STRING)), Map.entry(4, f("selfLink", Kind.STRING)),
            Map.entry(5, f("uid", Kind.STRING)), Map.entry(6, f("resourceVersion", Kind.STRING)),
            Map.entry(7, f("generation", Kind.INT64)), Map.entry(8, f("creationTimestamp", Kind.TIME)),
            Map.entry(9, f("deletionTimestamp", Kind.TIME)), Map.entry(10, f("deletionGracePeriodSeconds", Kind.OPTIONAL_INT64)),
            Map.entry(11, f("labels", Kind.STRING_MAP)), Map.entry(12, f("annotations", Kind.STRING_MAP)),
            Map.entry(13, m("ownerReferences", Kind.REPEATED_MESSAGE, OWNER_REFERENCE)),
            Map.entry(14, f("finalizers", Kind.REPEATED_STRING)));
    private static final Field METADATA = m("metadata", Kind.MESSAGE, OBJECT_META);
    private static final Map<Integer, Field> OBJECT_REFERENCE = Map.of(1, f("kind", Kind.STRING), 2, f("namespace", Kind.STRING),
            3, f("name", Kind.STRING), 4, f("uid", Kind.STRING), 5, f("apiVersion", Kind.STRING),
            6, f("resourceVersion", Kind.STRING), 7, f("fieldPath", Kind.STRING));
    /** Per kind, the top-level message (upstream's k8s.io/api/core/v1/generated.proto). */
    private static final Map<String, Map<Integer, Field>> KINDS = Map.of(
            "ConfigMap", Map.of(1, METADATA, 2, f("data", Kind.STRING_MAP), 3, f("binaryData", Kind.BYTES_MAP),
                    4, f("immutable", Kind.OPTIONAL_BOOL)),
            "Namespace", Map.of(1, METADATA, 2, m("spec", Kind.MESSAGE, Map.of(1, f("finalizers", Kind.REPEATED_STRING))),
                    3, m("status", Kind.MESSAGE, Map.of(1, f("phase", Kind.STRING)))),
            "Secret", Map.of(1, METADATA, 2, f("data", Kind.BYTES_MAP), 3, f("type", Kind.STRING), 4, f("stringData", Kind.STRING_MAP),
                    5, f("immutable", Kind.OPTIONAL_BOOL)),
            "ServiceAccount", Map.of(1, METADATA, 2, m("secrets", Kind.REPEATED_MESSAGE, OBJECT_REFERENCE),
                    3, m("imagePullSecrets", Kind.REPEATED_MESSAGE, Map.of(1, f("name", Kind.STRING))),
                    4, f("automountServiceAccountToken", Kind.OPTIONAL_BOOL)));

    private ProtobufBody() {
    }

    static boolean supports(String kind) {
        return KINDS.containsKey(kind);
    }

    /** The object as JSON (with apiVersion and kind from the envelope). */
    static ObjectNode toJson(byte[] body, String expectedApiVersion, String expectedKind) {
        if (body.length < MAGIC.length || !java.util.Arrays.equals(body, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw ApiException.badRequest("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
        }
        try {
            var in = CodedInputStream.newInstance(body, MAGIC.length, body.length - MAGIC.length);
            String apiVersion = "";
            String kind = "";
            byte[] raw = new byte[0];
            while (!in.isAtEnd()) {
                int tag = in.readTag();
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case 1 -> {
                        var typeMeta = CodedInputStream.newInstance(in.readByteArray());
                        while (!typeMeta.isAtEnd()) {
                            int t = typeMeta.readTag();
                            switch (WireFormat.getTagFieldNumber(t)) {
                                case 1 -> apiVersion = typeMeta.readStringRequireUtf8();
                                case 2 -> kind = typeMeta.readStringRequireUtf8();
                                default -> typeMeta.skipField(t);
                            }
                        }
                    }
                    case 2 -> raw = in.readByteArray();
                    default -> in.skipField(tag);
                }
            }
            String effectiveKind = kind.isEmpty() ? expectedKind : kind;
            Map<Integer, Field> schema = KINDS.get(effectiveKind);
            ObjectNode object;
            if (schema != null) {
                object = message(CodedInputStream.newInstance(raw), schema);
            } else {
                // every other kind through the facts table of upstream's generated.proto
                String message = ProtobufSchema.get().messageFor(apiVersion.isEmpty() ? expectedApiVersion : apiVersion, effectiveKind)
                        .orElseThrow(() -> ApiException.unsupportedMediaType(MEDIA_TYPE));
                object = ProtobufSchema.get().decode(raw, message);
            }
            ObjectNode result = JsonNodeFactory.instance.objectNode();
            if (!apiVersion.isEmpty()) {
                result.put("apiVersion", apiVersion);
            }
            if (!kind.isEmpty()) {
                result.put("kind", kind);
            }
            result.setAll(object);
            return result;
        } catch (IOException e) {
            throw ApiException.badRequest("the object provided is unrecognized (must be of type " + expectedKind + "): " + e.getMessage());
        }
    }

    private static ObjectNode message(CodedInputStream in, Map<Integer, Field> schema) throws IOException {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            Field field = schema.get(WireFormat.getTagFieldNumber(tag));
            if (field == null) {
                in.skipField(tag);
                continue;
            }
            switch (field.kind()) {
                case STRING -> {
                    String s = in.readStringRequireUtf8();
                    if (!s.isEmpty()) {
                        node.put(field.name(), s);
                    }
                }
                case BYTES -> node.put(field.name(), Base64.getEncoder().encodeToString(in.readByteArray()));
                case INT64 -> {
                    long v = in.readInt64();
                    if (v != 0) {
                        node.put(field.name(), v);
                    }
                }
                case OPTIONAL_INT64 -> node.put(field.name(), in.readInt64());
                case BOOL -> {
                    if (in.readBool()) {
                        node.put(field.name(), true);
                    }
                }
                case OPTIONAL_BOOL -> node.put(field.name(), in.readBool());
                case TIME -> {
                    var time = CodedInputStream.newInstance(in.readByteArray());
                    long seconds = 0;
                    while (!time.isAtEnd()) {
                        int t = time.readTag();
                        if (WireFormat.getTagFieldNumber(t) == 1) {
                            seconds = time.readInt64();
                        } else {
                            time.skipField(t);
                        }
                    }
                    if (seconds != 0 && seconds != ZERO_TIME_SECONDS) {
                        node.put(field.name(), DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(seconds)));
                    }
                }
                case MESSAGE -> node.set(field.name(), message(CodedInputStream.newInstance(in.readByteArray()), field.message()));
                case REPEATED_STRING -> array(node, field.name()).add(in.readStringRequireUtf8());
                case REPEATED_MESSAGE -> array(node, field.name())
                        .add(message(CodedInputStream.newInstance(in.readByteArray()), field.message()));
                case STRING_MAP, BYTES_MAP -> {
                    var entry = CodedInputStream.newInstance(in.readByteArray());
                    String key = "";
                    String value = "";
                    while (!entry.isAtEnd()) {
                        int t = entry.readTag();
                        switch (WireFormat.getTagFieldNumber(t)) {
                            case 1 -> key = entry.readStringRequireUtf8();
                            case 2 -> value = field.kind() == Kind.STRING_MAP ? entry.readStringRequireUtf8()
                                    : Base64.getEncoder().encodeToString(entry.readByteArray());
                            default -> entry.skipField(t);
                        }
                    }
                    ObjectNode map = node.has(field.name()) ? (ObjectNode) node.get(field.name()) : node.putObject(field.name());
                    map.put(key, value);
                }
            }
        }
        return node;
    }

    private static ArrayNode array(ObjectNode node, String name) {
        return node.has(name) ? (ArrayNode) node.get(name) : node.putArray(name);
    }
}
