package dev.skiff.apiserver.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.openapi.SchemaGenerator;
import dev.skiff.api.resource.GroupVersion;
import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.apiserver.endpoints.ApiHandler;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import dev.skiff.apiserver.endpoints.Json;
import dev.skiff.apiserver.handlers.ServedResource;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * OpenAPI v3 as kube-apiserver serves it: {@code /openapi/v3} is an index naming one document per
 * group-version with a {@code serverRelativeURL} that carries the document's hash; each document
 * ({@code /openapi/v3/api/v1}, {@code /openapi/v3/apis/<group>/<version>}) holds the operations of
 * that group-version's served resources and the component schemas they reach. A request with the
 * current hash is cached by clients as immutable; one with a stale hash is redirected to the
 * current one. Documents are built on the first request and kept.
 *
 * <p>Extension API servers ({@link #aggregate}) add their group-version's document as they serve it
 * (kube-aggregator's openapiv3 controller): listed in the index under {@code apis/<group>/<version>},
 * hashed here like a local one, replacing a local document of that group-version. The index and the
 * documents are rebuilt when the aggregator publishes a new list of specs, and only then; the local
 * documents' encodings are kept across rebuilds.
 */
public final class OpenApiV3 implements ApiHandler {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String PREFIX = "/openapi/v3";

    private final List<ServedResource<?>> served;
    private final String version;
    private final Clock clock;
    private final RebuiltOnChange<Built> built = new RebuiltOnChange<>(this::build);
    /** The local documents' encodings, built with the first index and kept. */
    private Map<String, CachedDocument> local;

    private record Built(CachedDocument index, Map<String, CachedDocument> documents) {
    }

    public OpenApiV3(List<ServedResource<?>> served, String version, Clock clock) {
        this.served = List.copyOf(served);
        this.version = version;
        this.clock = clock;
    }

    /**
     * Serves the documents of extension API servers from now on; {@code remote} must answer the same
     * list instance until one of them changes.
     */
    public void aggregate(Supplier<List<AggregatedSpec>> remote) {
        built.source(remote);
    }

    /** The documents of the served resources by group-version path ("api/v1", "apis/apps/v1"), built afresh. */
    public Map<String, ObjectNode> documents() {
        Map<GroupVersion, java.util.List<Operations.Operation>> byGroupVersion = new LinkedHashMap<>();
        for (Operations.Operation op : Operations.of(served).operations()) {
            byGroupVersion.computeIfAbsent(op.resource().groupVersion(), gv -> new java.util.ArrayList<>()).add(op);
        }
        Map<String, ObjectNode> documents = new LinkedHashMap<>();
        byGroupVersion.forEach((gv, ops) -> documents.put(gv.path().substring(1), document(ops)));
        return documents;
    }

    @Override
    public void handle(ApiRequest request, ApiResponse response) {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            throw ApiException.methodNotSupported("", request.method());
        }
        Built documents = built.get();
        String rest = request.path().substring(PREFIX.length());
        if (rest.isEmpty() || rest.equals("/")) {
            documents.index().send(request, response, Map.of("Cache-Control", "no-cache, private"));
            return;
        }
        CachedDocument doc = documents.documents().get(rest.substring(1));
        if (doc == null) {
            throw ApiException.notFoundPath();
        }
        String hash = request.queryParam("hash");
        if (hash == null) {
            doc.send(request, response, Map.of("Cache-Control", "no-cache, private"));
        } else if (hash.equals(doc.hash())) {
            String expires = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(clock).plusYears(1));
            doc.send(request, response, Map.of("Cache-Control", "public, immutable", "Expires", expires));
        } else {
            response.send(301, ApiResponse.TEXT, Map.of("Location", serverRelativeUrl(rest.substring(1), doc)), new byte[0]);
        }
    }

    private static String serverRelativeUrl(String key, CachedDocument doc) {
        return PREFIX + "/" + key + "?hash=" + doc.hash();
    }

    /** Called under the {@link RebuiltOnChange}'s lock, which also guards {@link #local}. */
    private Built build(List<AggregatedSpec> remote) {
        if (local == null) {
            Map<String, CachedDocument> documents = new LinkedHashMap<>();
            documents().forEach((key, doc) -> documents.put(key, CachedDocument.of(Json.write(doc), ApiResponse.JSON)));
            local = documents;
        }
        Map<String, CachedDocument> documents = new LinkedHashMap<>(local);
        for (AggregatedSpec spec : remote) {
            String key = spec.groupVersion().path().substring(1);
            documents.remove(key); // proxied, even when the extension publishes no document of it
            if (spec.v3() != null) {
                documents.put(key, CachedDocument.of(spec.v3(), ApiResponse.JSON));
            }
        }
        ObjectNode index = JSON.objectNode();
        ObjectNode paths = index.putObject("paths");
        documents.forEach((key, cached) -> paths.putObject(key).put("serverRelativeURL", serverRelativeUrl(key, cached)));
        return new Built(CachedDocument.of(Json.write(index), ApiResponse.JSON), Map.copyOf(documents));
    }

    private ObjectNode document(List<Operations.Operation> operations) {
        SchemaGenerator schemas = new SchemaGenerator("#/components/schemas/");
        ObjectNode doc = JSON.objectNode().put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", version);
        new Operations(operations).writePaths(doc.putObject("paths"), schemas, OpenApiV3::parameter, OpenApiV3::operation);
        ObjectNode components = doc.putObject("components").putObject("schemas");
        schemas.definitions().forEach(components::set);
        return doc;
    }

    private static ObjectNode operation(Operations.Operation op, SchemaGenerator schemas) {
        ObjectNode node = JSON.objectNode();
        node.putArray("tags").add(SwaggerDocument.tag(op.resource()));
        node.put("operationId", op.operationId());
        ArrayNode parameters = node.putArray("parameters");
        op.query().forEach(p -> parameters.add(parameter(p)));
        if (op.body() != null) {
            ObjectNode body = node.putObject("requestBody");
            ObjectNode content = body.putObject("content");
            List<String> types = op.method().equals("patch") ? SwaggerDocument.CONSUMES_PATCH : List.of("*/*");
            String ref = schemas.add(op.body());
            types.forEach(type -> content.putObject(type).set("schema", schemas.ref(ref)));
            body.put("required", !op.method().equals("delete"));
        }
        ObjectNode responses = node.putObject("responses");
        String ref = schemas.add(op.response());
        for (String code : op.responseCodes()) {
            ObjectNode content = responses.putObject(code).put("description", SwaggerDocument.description(code)).putObject("content");
            SwaggerDocument.PRODUCES.forEach(type -> content.putObject(type).set("schema", schemas.ref(ref)));
        }
        responses.putObject("401").put("description", "Unauthorized");
        node.put("x-kubernetes-action", op.action());
        ResourceInfo info = op.resource();
        node.putObject("x-kubernetes-group-version-kind").put("group", info.group()).put("kind", info.kind())
                .put("version", info.version());
        return node;
    }

    private static ObjectNode parameter(Operations.Parameter p) {
        ObjectNode node = JSON.objectNode().put("name", p.name()).put("in", p.in());
        if (p.required()) {
            node.put("required", true);
        }
        node.putObject("schema").put("type", p.type()).put("uniqueItems", true);
        return node;
    }
}
