package dev.skiff.apiserver.openapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.endpoints.ApiHandler;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import dev.skiff.apiserver.endpoints.Json;
import dev.skiff.apiserver.handlers.ServedResource;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /openapi/v2}: the Swagger 2.0 document of every served resource, as JSON or, when the
 * Accept header asks for it (kubectl does), as gnostic's protobuf {@code openapi.v2.Document}.
 * Built on the first request, not at server start, and kept: the served resources do not change
 * while the server runs. The paths and definitions of extension API servers ({@link #aggregate})
 * are merged in ({@link SwaggerMerge}); the encodings are rebuilt when the aggregator publishes a
 * new list of their specs, and only then.
 */
public final class OpenApiV2 implements ApiHandler {
    /**
     * The protobuf media type as kube-openapi answers it. Clients ask with an {@code @} before the
     * version ({@code ...spec.v2@v1.0+protobuf}, the deprecated spelling) or a dot; the answer uses
     * the dot because Go's media type parser, which client-go runs on the response, rejects the {@code @}.
     */
    static final String PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    private final List<ServedResource<?>> served;
    private final String version;
    private final RebuiltOnChange<Encoded> encoded = new RebuiltOnChange<>(this::encode);

    private record Encoded(CachedDocument json, CachedDocument protobuf) {
    }

    public OpenApiV2(List<ServedResource<?>> served, String version) {
        this.served = List.copyOf(served);
        this.version = version;
    }

    /**
     * Merges in the specs of extension API servers from now on; {@code remote} must answer the same
     * list instance until one of them changes.
     */
    public void aggregate(Supplier<List<AggregatedSpec>> remote) {
        encoded.source(remote);
    }

    /** The document of the served resources as JSON tree, without extension specs (built afresh; tests and benchmarks read it). */
    public ObjectNode document() {
        return SwaggerDocument.build(Operations.of(served), version);
    }

    @Override
    public void handle(ApiRequest request, ApiResponse response) {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            throw ApiException.methodNotSupported("", request.method());
        }
        if (!request.path().equals("/openapi/v2")) {
            throw ApiException.notFoundPath();
        }
        Encoded documents = encoded.get();
        String accept = request.header("Accept");
        boolean protobuf = accept != null && accept.contains("com.github.proto-openapi.spec.v2");
        (protobuf ? documents.protobuf() : documents.json()).send(request, response, Map.of());
    }

    private Encoded encode(List<AggregatedSpec> remote) {
        // the local tree is built again rather than kept: extension specs change rarely, the tree is large
        ObjectNode doc = SwaggerMerge.merge(document(), remote);
        return new Encoded(CachedDocument.of(Json.write(doc), ApiResponse.JSON), CachedDocument.of(GnosticV2.encode(doc), PROTOBUF));
    }
}
