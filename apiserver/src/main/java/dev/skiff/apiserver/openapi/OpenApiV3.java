package dev.skiff.apiserver.openapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.GroupVersion;
import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.apiserver.endpoints.ApiHandler;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import dev.skiff.apiserver.endpoints.Json;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately small OpenAPI v3 ({@code /openapi/v3}, {@code /openapi/v3/<api|apis/g>/<v>}):
 * for each served resource only its PATCH operations with the GVK extension and the
 * {@code fieldValidation} query parameter. That is what kubectl's query-parameter verifier reads
 * to learn that the server validates fields itself, so {@code kubectl create -f} sends
 * {@code fieldValidation=Strict} instead of fetching schemas for client-side validation. There
 * are no schemas: {@code kubectl apply} and {@code kubectl explain} are not supported.
 */
public final class OpenApiV3 implements ApiHandler {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Map<String, byte[]> documents = new LinkedHashMap<>();
    private final byte[] root;

    public OpenApiV3(List<ResourceInfo> served, String version) {
        Map<GroupVersion, ObjectNode> byGroupVersion = new LinkedHashMap<>();
        for (ResourceInfo info : served) {
            ObjectNode doc = byGroupVersion.computeIfAbsent(info.groupVersion(), gv -> {
                ObjectNode d = MAPPER.createObjectNode().put("openapi", "3.0.0");
                d.putObject("info").put("title", "Kubernetes").put("version", version);
                d.putObject("paths");
                d.putObject("components").putObject("schemas");
                return d;
            });
            String base = info.groupVersion().path() + (info.namespaced() ? "/namespaces/{namespace}/" : "/") + info.resource() + "/{name}";
            ObjectNode patch = ((ObjectNode) doc.get("paths")).putObject(base).putObject("patch");
            patch.put("operationId", "patch" + info.kind());
            patch.putObject("x-kubernetes-group-version-kind").put("group", info.group()).put("version", info.version())
                    .put("kind", info.kind());
            patch.putArray("parameters").addObject().put("name", "fieldValidation").put("in", "query")
                    .put("description", "fieldValidation instructs the server on how to handle objects in the request "
                            + "containing unknown or duplicate fields.").putObject("schema").put("type", "string")
                    .put("uniqueItems", true);
            patch.putObject("responses").putObject("200").put("description", "OK");
        }
        ObjectNode rootDoc = MAPPER.createObjectNode();
        ObjectNode paths = rootDoc.putObject("paths");
        byGroupVersion.forEach((gv, doc) -> {
            byte[] bytes = Json.write(doc);
            String key = gv.path().substring(1);
            documents.put(key, bytes);
            paths.putObject(key).put("serverRelativeURL", "/openapi/v3/" + key + "?hash=" + hash(bytes));
        });
        root = Json.write(rootDoc);
    }

    @Override
    public void handle(ApiRequest request, ApiResponse response) {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            throw ApiException.methodNotSupported("", request.method());
        }
        String rest = request.path().substring("/openapi/v3".length());
        if (rest.isEmpty() || rest.equals("/")) {
            response.send(200, ApiResponse.JSON, Map.of(), root);
            return;
        }
        byte[] doc = documents.get(rest.substring(1));
        if (doc == null) {
            throw ApiException.notFoundPath();
        }
        response.send(200, ApiResponse.JSON, Map.of(), doc);
    }

    private static String hash(byte[] bytes) {
        try {
            return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-512").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
