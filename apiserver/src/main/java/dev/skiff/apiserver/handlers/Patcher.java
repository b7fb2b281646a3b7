package dev.skiff.apiserver.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.jsonpatch.JsonPatch;
import dev.skiff.api.jsonpatch.JsonPatchException;
import dev.skiff.api.jsonpatch.MergePatch;
import dev.skiff.api.patch.PatchMeta;
import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.api.strategicpatch.StrategicMergePatch;
import dev.skiff.apiserver.endpoints.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * The patch mechanisms of kube-apiserver's endpoints/handlers/patch.go: picks one by the request's
 * Content-Type and applies the body to the current object's JSON, with upstream's error codes:
 * a body that does not decode is 400, a JSON patch operation that does not apply is the generic
 * 422, and an unsupported type is 415. Server-side apply is the handler's own path (it creates).
 */
final class Patcher {
    static final String JSON_PATCH = "application/json-patch+json";
    static final String MERGE_PATCH = "application/merge-patch+json";
    static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
    static final String APPLY_PATCH = "application/apply-patch+yaml";
    static final List<String> ACCEPTED = List.of(JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH);

    private Patcher() {
    }

    /** The patch type named by a Content-Type header (parameters dropped), or 415 when it is not one skiff applies. */
    static String patchType(String contentType) {
        String type = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (!ACCEPTED.contains(type)) {
            throw ApiException.unsupportedMediaType(ACCEPTED);
        }
        return type;
    }

    /** The patched object JSON; {@code current} is not modified. {@code type} is the fabric8 class, for strategic merge metadata. */
    static JsonNode apply(String patchType, JsonNode current, byte[] body, Class<?> type, String fieldValidation) {
        boolean strict = !"Ignore".equals(fieldValidation);
        return switch (patchType) {
            case JSON_PATCH -> {
                JsonPatch patch = JsonPatch.decode(parse(body, strict ? "error decoding patch: " : ""), strict);
                try {
                    yield patch.apply(current);
                } catch (JsonPatchException e) {
                    throw ApiException.unprocessableEntity();
                }
            }
            case MERGE_PATCH -> MergePatch.apply(current, object(body, strict ? "error decoding patch: " : ""));
            case STRATEGIC_MERGE_PATCH -> {
                if (!current.isObject()) {
                    throw ApiException.badRequest("invalid JSON document");
                }
                yield StrategicMergePatch.apply((ObjectNode) current, object(body, ""), PatchMeta.forType(type));
            }
            default -> throw ApiException.unsupportedMediaType(ACCEPTED);
        };
    }

    /**
     * Decodes the patched object as the resource's type. Unknown fields under Strict fail as
     * upstream's patch handler fails them: 422 with one {@code patch} cause showing the patch (a
     * strategic merge patch as Go prints the patch map, the others as the patched JSON).
     */
    static <T extends HasMetadata> BodyDecoder.Decoded<T> decode(String patchType, JsonNode patched, byte[] body, ResourceInfo info,
                                                                   Class<T> type, String fieldValidation) {
        boolean strict = "Strict".equals(fieldValidation);
        var decoded = BodyDecoder.decode(Json.write(patched), "application/json", info, type, strict ? "Warn" : fieldValidation);
        if (!strict || decoded.warnings().isEmpty()) {
            return decoded;
        }
        String shown = patchType.equals(STRATEGIC_MERGE_PATCH) ? StrategicMergePatch.format(object(body, "")) : new String(Json.write(patched), java.nio.charset.StandardCharsets.UTF_8);
        throw ApiException.invalid("", "", "", List.of(ApiException.Cause.invalid("patch", shown,
                "strict decoding error: " + String.join(", ", decoded.warnings()))));
    }

    private static ObjectNode object(byte[] body, String prefix) {
        JsonNode patch = parse(body, prefix);
        if (!(patch instanceof ObjectNode object)) {
            throw ApiException.badRequest(prefix + "json: cannot unmarshal " + goKind(patch) + " into Go value of type map[string]interface {}");
        }
        return object;
    }

    private static JsonNode parse(byte[] body, String prefix) {
        try {
            JsonNode node = body == null || body.length == 0 ? null : BodyDecoder.JSON.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ApiException.badRequest(prefix + "unexpected end of JSON input");
            }
            return node;
        } catch (IOException e) {
            String message = e.getMessage() == null ? "malformed JSON" : e.getMessage().split("\n")[0];
            throw ApiException.badRequest(prefix + message);
        }
    }

    private static String goKind(JsonNode v) {
        return v.isArray() ? "array" : v.isTextual() ? "string" : v.isNumber() ? "number" : v.isBoolean() ? "bool" : "null";
    }
}
