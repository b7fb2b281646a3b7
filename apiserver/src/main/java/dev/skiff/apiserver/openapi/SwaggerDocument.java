package dev.skiff.apiserver.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.openapi.SchemaGenerator;
import dev.skiff.api.resource.ResourceInfo;
import java.util.List;

/**
 * The Swagger 2.0 document of {@code /openapi/v2}: every served operation (with
 * {@code x-kubernetes-action} and {@code x-kubernetes-group-version-kind}, as kubectl looks them
 * up) and the definitions of every kind they reach.
 */
final class SwaggerDocument {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final List<String> PRODUCES = List.of("application/json", "application/yaml", "application/vnd.kubernetes.protobuf");
    static final List<String> CONSUMES_PATCH = List.of("application/json-patch+json", "application/merge-patch+json",
            "application/strategic-merge-patch+json");

    private SwaggerDocument() {
    }

    static ObjectNode build(Operations operations, String version) {
        SchemaGenerator schemas = new SchemaGenerator("#/definitions/");
        ObjectNode doc = JSON.objectNode().put("swagger", "2.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", version);
        operations.writePaths(doc.putObject("paths"), schemas, SwaggerDocument::parameter, SwaggerDocument::operation);
        ObjectNode definitions = doc.putObject("definitions");
        schemas.definitions().forEach(definitions::set);
        return doc;
    }

    private static ObjectNode operation(Operations.Operation op, SchemaGenerator schemas) {
        ObjectNode node = JSON.objectNode();
        ArrayNode consumes = node.putArray("consumes");
        (op.method().equals("patch") ? CONSUMES_PATCH : List.of("*/*")).forEach(consumes::add);
        node.put("operationId", op.operationId());
        ArrayNode produces = node.putArray("produces");
        PRODUCES.forEach(produces::add);
        ArrayNode parameters = node.putArray("parameters");
        if (op.body() != null) {
            ObjectNode body = parameters.addObject().put("in", "body").put("name", "body").put("required", !op.method().equals("delete"));
            body.set("schema", schemas.ref(schemas.add(op.body())));
        }
        op.query().forEach(p -> parameters.add(parameter(p)));
        ObjectNode responses = node.putObject("responses");
        for (String code : op.responseCodes()) {
            ObjectNode response = responses.putObject(code).put("description", description(code));
            response.set("schema", schemas.ref(schemas.add(op.response())));
        }
        responses.putObject("401").put("description", "Unauthorized");
        node.putArray("schemes").add("https");
        node.putArray("tags").add(tag(op.resource()));
        node.put("x-kubernetes-action", op.action());
        ResourceInfo info = op.resource();
        node.putObject("x-kubernetes-group-version-kind").put("group", info.group()).put("kind", info.kind())
                .put("version", info.version());
        return node;
    }

    static ObjectNode parameter(Operations.Parameter p) {
        ObjectNode node = JSON.objectNode().put("in", p.in()).put("name", p.name()).put("type", p.type());
        if (p.required()) {
            node.put("required", true);
        }
        node.put("uniqueItems", true);
        return node;
    }

    /** "core_v1", "apps_v1", "rbacAuthorization_v1": upstream's tag of a group-version. */
    static String tag(ResourceInfo info) {
        String id = Operations.groupVersionId(info);
        String group = id.substring(0, id.length() - info.version().length());
        return Character.toLowerCase(group.charAt(0)) + group.substring(1) + "_" + info.version();
    }

    static String description(String code) {
        return switch (code) {
            case "200" -> "OK";
            case "201" -> "Created";
            case "202" -> "Accepted";
            default -> throw new IllegalArgumentException(code);
        };
    }
}
