package dev.skiff.apiserver.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.resource.GroupVersion;

/**
 * What an extension API server publishes of the group-version its APIService names: its Swagger
 * 2.0 document ({@code /openapi/v2}; null when it serves none) and its OpenAPI v3 document of that
 * group-version (the bytes it answered for {@code /openapi/v3/apis/<group>/<version>}; null when its
 * {@code /openapi/v3} index does not list it).
 *
 * <p>The aggregator hands the OpenAPI handlers a new list only when something in it changed, so the
 * handlers compare lists by identity to know when to rebuild their encodings.
 */
public record AggregatedSpec(GroupVersion groupVersion, JsonNode v2, byte[] v3) {
}
