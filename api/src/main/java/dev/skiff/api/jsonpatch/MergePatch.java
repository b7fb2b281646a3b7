package dev.skiff.api.jsonpatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * JSON merge patch (RFC 7386), as evanphx/json-patch's MergePatch that kube-apiserver uses for
 * {@code application/merge-patch+json}: objects merge recursively, null deletes a key, anything
 * else (lists included) replaces the target value; nulls inside added objects are dropped.
 */
public final class MergePatch {
    private MergePatch() {
    }

    /** The patched document; neither argument is modified. */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : JsonNodeFactory.instance.objectNode();
        patch.properties().forEach(e -> {
            if (e.getValue().isNull()) {
                result.remove(e.getKey());
            } else {
                result.set(e.getKey(), apply(result.get(e.getKey()), e.getValue()));
            }
        });
        return result;
    }
}
