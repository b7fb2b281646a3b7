package dev.skiff.apiserver.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.CodedOutputStream;
import dev.skiff.apiserver.endpoints.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The protobuf encoding of a Swagger 2.0 document as gnostic's {@code openapi.v2.Document}
 * message, which kubectl asks {@code /openapi/v2} for. Written from the message's field numbers
 * (protocol facts of gnostic's OpenAPIv2.proto); only the parts skiff's documents use are encoded:
 * info, paths with their operations, parameters and responses, and schemas. Vendor extensions are
 * {@code NamedAny} whose {@code Any.yaml} holds the value as JSON text, which is YAML too. Documents
 * merged from extension API servers may hold more than skiff writes itself: parameters by
 * {@code $ref}, header and formData parameters, {@code allOf}, {@code enum}, defaults; what the
 * encoder does not know is left out rather than failing the whole document.
 */
final class GnosticV2 {
    private GnosticV2() {
    }

    static byte[] encode(JsonNode document) {
        return message(out -> {
            string(out, 1, document.path("swagger"));
            if (document.has("info")) {
                out.writeByteArray(2, message(info -> {
                    string(info, 1, document.get("info").path("title"));
                    string(info, 2, document.get("info").path("version"));
                }));
            }
            if (document.has("paths")) {
                out.writeByteArray(8, message(paths -> {
                    for (var path : fields(document.get("paths"))) {
                        paths.writeByteArray(2, named(path.getKey(), pathItem(path.getValue())));
                    }
                }));
            }
            if (document.has("definitions")) {
                out.writeByteArray(9, message(definitions -> {
                    for (var definition : fields(document.get("definitions"))) {
                        definitions.writeByteArray(1, named(definition.getKey(), schema(definition.getValue())));
                    }
                }));
            }
        });
    }

    private static byte[] pathItem(JsonNode item) {
        return message(out -> {
            string(out, 1, item.path("$ref"));
            for (var field : fields(item)) {
                int number = switch (field.getKey()) {
                    case "get" -> 2;
                    case "put" -> 3;
                    case "post" -> 4;
                    case "delete" -> 5;
                    case "options" -> 6;
                    case "head" -> 7;
                    case "patch" -> 8;
                    default -> 0;
                };
                if (number != 0) {
                    out.writeByteArray(number, operation(field.getValue()));
                }
            }
            parameters(out, 9, item.path("parameters"));
            extensions(out, 10, item);
        });
    }

    private static byte[] operation(JsonNode op) {
        return message(out -> {
            strings(out, 1, op.path("tags"));
            string(out, 2, op.path("summary"));
            string(out, 3, op.path("description"));
            string(out, 5, op.path("operationId"));
            strings(out, 6, op.path("produces"));
            strings(out, 7, op.path("consumes"));
            parameters(out, 8, op.path("parameters"));
            if (op.has("responses")) {
                out.writeByteArray(9, message(responses -> {
                    for (var response : fields(op.get("responses"))) {
                        JsonNode answer = response.getValue();
                        responses.writeByteArray(1, named(response.getKey(), message(value -> {
                            if (answer.has("$ref")) { // ResponseValue.json_reference = 2
                                value.writeByteArray(2, message(ref -> string(ref, 1, answer.get("$ref"))));
                                return;
                            }
                            value.writeByteArray(1, message(r -> {
                                string(r, 1, answer.path("description"));
                                if (answer.has("schema")) {
                                    r.writeByteArray(2, message(item -> item.writeByteArray(1, schema(answer.get("schema")))));
                                }
                            }));
                        })));
                    }
                }));
            }
            strings(out, 10, op.path("schemes"));
            bool(out, 11, op.path("deprecated"));
            extensions(out, 13, op);
        });
    }

    private static void parameters(CodedOutputStream out, int number, JsonNode parameters) throws IOException {
        for (JsonNode parameter : parameters) {
            byte[] item = parametersItem(parameter);
            if (item != null) {
                out.writeByteArray(number, item);
            }
        }
    }

    /**
     * ParametersItem{parameter=1: Parameter{body_parameter=1 | non_body_parameter=2} | json_reference=2};
     * null for a parameter of a kind gnostic has no message for.
     */
    private static byte[] parametersItem(JsonNode p) {
        if (p.has("$ref")) {
            return message(out -> out.writeByteArray(2, message(ref -> string(ref, 1, p.get("$ref")))));
        }
        String in = p.path("in").asText();
        // NonBodyParameter: header = 1, formData = 2, query = 3, path = 4; the header and path sub-schemas
        // have no allow_empty_value, so their type and unique_items sit one field earlier
        int sub = switch (in) {
            case "header" -> 1;
            case "formData" -> 2;
            case "query" -> 3;
            case "path" -> 4;
            default -> 0;
        };
        if (!in.equals("body") && sub == 0) {
            return null;
        }
        byte[] parameter = in.equals("body")
                ? message(out -> out.writeByteArray(1, message(body -> {
                    string(body, 1, p.path("description"));
                    string(body, 2, p.path("name"));
                    string(body, 3, p.path("in"));
                    bool(body, 4, p.path("required"));
                    if (p.has("schema")) {
                        body.writeByteArray(5, schema(p.get("schema")));
                    }
                })))
                : message(out -> out.writeByteArray(2, message(nonBody -> nonBody.writeByteArray(sub, message(subSchema -> {
                    boolean shifted = sub == 2 || sub == 3;
                    bool(subSchema, 1, p.path("required"));
                    string(subSchema, 2, p.path("in"));
                    string(subSchema, 3, p.path("description"));
                    string(subSchema, 4, p.path("name"));
                    string(subSchema, shifted ? 6 : 5, p.path("type"));
                    bool(subSchema, shifted ? 20 : 19, p.path("uniqueItems"));
                })))));
        return message(out -> out.writeByteArray(1, parameter));
    }

    static byte[] schema(JsonNode schema) {
        return message(out -> {
            string(out, 1, schema.path("$ref"));
            string(out, 2, schema.path("format"));
            string(out, 3, schema.path("title"));
            string(out, 4, schema.path("description"));
            if (schema.has("default")) {
                out.writeByteArray(5, any(schema.get("default")));
            }
            strings(out, 19, schema.path("required"));
            for (JsonNode value : schema.path("enum")) {
                out.writeByteArray(20, any(value));
            }
            if (schema.has("additionalProperties")) {
                JsonNode additional = schema.get("additionalProperties");
                out.writeByteArray(21, message(item -> {
                    if (additional.isBoolean()) {
                        item.writeBool(2, additional.asBoolean());
                    } else {
                        item.writeByteArray(1, schema(additional));
                    }
                }));
            }
            if (schema.has("type")) {
                JsonNode types = schema.get("type");
                out.writeByteArray(22, message(type -> {
                    for (JsonNode t : oneOrMany(types)) {
                        type.writeString(1, t.asText());
                    }
                }));
            }
            if (schema.has("items")) {
                JsonNode items = schema.get("items");
                out.writeByteArray(23, message(item -> {
                    for (JsonNode one : oneOrMany(items)) {
                        item.writeByteArray(1, schema(one));
                    }
                }));
            }
            for (JsonNode part : schema.path("allOf")) {
                out.writeByteArray(24, schema(part));
            }
            if (schema.has("properties")) {
                out.writeByteArray(25, message(properties -> {
                    for (var property : fields(schema.get("properties"))) {
                        properties.writeByteArray(1, named(property.getKey(), schema(property.getValue())));
                    }
                }));
            }
            extensions(out, 31, schema);
        });
    }

    private static void extensions(CodedOutputStream out, int number, JsonNode node) throws IOException {
        for (var field : fields(node)) {
            if (field.getKey().startsWith("x-")) {
                out.writeByteArray(number, named(field.getKey(), any(field.getValue())));
            }
        }
    }

    /** The elements of an array, or the one value (type and items may be either in Swagger). */
    private static Iterable<JsonNode> oneOrMany(JsonNode node) {
        return node.isArray() ? node : List.of(node);
    }

    /** An Any whose yaml (= 2) is the value's JSON text. */
    private static byte[] any(JsonNode value) {
        String yaml = new String(Json.write(value), StandardCharsets.UTF_8);
        return message(any -> any.writeString(2, yaml));
    }

    /** The Named* messages: name = 1, value = 2. */
    private static byte[] named(String name, byte[] value) {
        return message(out -> {
            out.writeString(1, name);
            out.writeByteArray(2, value);
        });
    }

    private static void string(CodedOutputStream out, int number, JsonNode value) throws IOException {
        if (value.isTextual() && !value.asText().isEmpty()) {
            out.writeString(number, value.asText());
        }
    }

    private static void strings(CodedOutputStream out, int number, JsonNode values) throws IOException {
        for (JsonNode value : values) {
            out.writeString(number, value.asText());
        }
    }

    private static void bool(CodedOutputStream out, int number, JsonNode value) throws IOException {
        if (value.asBoolean(false)) {
            out.writeBool(number, true);
        }
    }

    private static Iterable<Map.Entry<String, JsonNode>> fields(JsonNode node) {
        return node::fields;
    }

    private interface Writer {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Writer writer) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            writer.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
