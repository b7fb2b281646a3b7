package dev.skiff.apiserver.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.CodedOutputStream;
import dev.skiff.apiserver.endpoints.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The protobuf encoding of a Swagger 2.0 document as gnostic's {@code openapi.v2.Document}
 * message, which kubectl asks {@code /openapi/v2} for. Written from the message's field numbers
 * (protocol facts of gnostic's OpenAPIv2.proto); only the parts skiff's documents use are encoded:
 * info, paths with their operations, parameters and responses, and schemas. Vendor extensions are
 * {@code NamedAny} whose {@code Any.yaml} holds the value as JSON text, which is YAML too.
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
            for (var field : fields(item)) {
                int number = switch (field.getKey()) {
                    case "get" -> 2;
                    case "put" -> 3;
                    case "post" -> 4;
                    case "delete" -> 5;
                    case "options" -> 6;
                    case "head" -> 7;
                    case "patch" -> 8;
                    case "parameters" -> 9;
                    default -> throw new IllegalArgumentException("path item field " + field.getKey());
                };
                if (number == 9) {
                    for (JsonNode parameter : field.getValue()) {
                        out.writeByteArray(9, parametersItem(parameter));
                    }
                } else {
                    out.writeByteArray(number, operation(field.getValue()));
                }
            }
        });
    }

    private static byte[] operation(JsonNode op) {
        return message(out -> {
            strings(out, 1, op.path("tags"));
            string(out, 3, op.path("description"));
            string(out, 5, op.path("operationId"));
            strings(out, 6, op.path("produces"));
            strings(out, 7, op.path("consumes"));
            for (JsonNode parameter : op.path("parameters")) {
                out.writeByteArray(8, parametersItem(parameter));
            }
            if (op.has("responses")) {
                out.writeByteArray(9, message(responses -> {
                    for (var response : fields(op.get("responses"))) {
                        responses.writeByteArray(1, named(response.getKey(), message(value ->
                                value.writeByteArray(1, message(r -> {
                                    string(r, 1, response.getValue().path("description"));
                                    if (response.getValue().has("schema")) {
                                        r.writeByteArray(2, message(item -> item.writeByteArray(1, schema(response.getValue().get("schema")))));
                                    }
                                })))));
                    }
                }));
            }
            strings(out, 10, op.path("schemes"));
            extensions(out, 13, op);
        });
    }

    /** ParametersItem{parameter=1: Parameter{body_parameter=1 | non_body_parameter=2}}. */
    private static byte[] parametersItem(JsonNode p) {
        String in = p.path("in").asText();
        byte[] parameter = in.equals("body")
                ? message(out -> out.writeByteArray(1, message(body -> {
                    string(body, 1, p.path("description"));
                    string(body, 2, p.path("name"));
                    string(body, 3, p.path("in"));
                    bool(body, 4, p.path("required"));
                    body.writeByteArray(5, schema(p.get("schema")));
                })))
                : message(out -> out.writeByteArray(2, message(nonBody -> {
                    // NonBodyParameter: query_parameter_sub_schema = 3, path_parameter_sub_schema = 4
                    boolean query = in.equals("query");
                    if (!query && !in.equals("path")) {
                        throw new IllegalArgumentException("parameter in " + in);
                    }
                    nonBody.writeByteArray(query ? 3 : 4, message(sub -> {
                        bool(sub, 1, p.path("required"));
                        string(sub, 2, p.path("in"));
                        string(sub, 3, p.path("description"));
                        string(sub, 4, p.path("name"));
                        // type and unique_items sit one field later in the query sub-schema (allow_empty_value is 5 there)
                        string(sub, query ? 6 : 5, p.path("type"));
                        bool(sub, query ? 20 : 19, p.path("uniqueItems"));
                    }));
                })));
        return message(out -> out.writeByteArray(1, parameter));
    }

    static byte[] schema(JsonNode schema) {
        return message(out -> {
            string(out, 1, schema.path("$ref"));
            string(out, 2, schema.path("format"));
            string(out, 4, schema.path("description"));
            strings(out, 19, schema.path("required"));
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
                out.writeByteArray(22, message(type -> type.writeString(1, schema.get("type").asText())));
            }
            if (schema.has("items")) {
                out.writeByteArray(23, message(items -> items.writeByteArray(1, schema(schema.get("items")))));
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
                String yaml = new String(Json.write(field.getValue()), StandardCharsets.UTF_8);
                out.writeByteArray(number, named(field.getKey(), message(any -> any.writeString(2, yaml))));
            }
        }
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
