package dev.skiff.apiserver.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Merges what extension API servers publish into skiff's own Swagger document, as kube-aggregator
 * does for {@code /openapi/v2}: of each extension's document only the paths under its APIService's
 * {@code /apis/<group>/<version>} are taken, with the definitions they reach; local paths under that
 * prefix go (requests there are proxied, even when the extension publishes no document). A definition named as one already in
 * the document keeps the one already there (skiff's own, or the first extension's): upstream renames
 * the newcomer ({@code _v2}) and rewrites its references instead, but the names that collide in
 * practice are the apimachinery meta types, whose local definitions describe the same JSON.
 * Parameters an extension shares by {@code $ref} ({@code #/parameters/...}) are inlined, so the merged
 * document needs no top-level parameters.
 */
final class SwaggerMerge {
    private static final String DEFINITIONS = "#/definitions/";
    private static final String PARAMETERS = "#/parameters/";

    private SwaggerMerge() {
    }

    /** Adds {@code remote}'s paths and definitions to {@code merged} and returns it. */
    static ObjectNode merge(ObjectNode merged, List<AggregatedSpec> remote) {
        ObjectNode paths = merged.withObject("/paths");
        ObjectNode definitions = merged.withObject("/definitions");
        for (AggregatedSpec spec : remote) {
            String prefix = spec.groupVersion().path();
            List<String> replaced = new ArrayList<>();
            paths.fieldNames().forEachRemaining(name -> {
                if (under(name, prefix)) {
                    replaced.add(name);
                }
            });
            paths.remove(replaced);
            if (spec.v2() == null) {
                continue;
            }
            Deque<String> wanted = new ArrayDeque<>();
            JsonNode shared = spec.v2().path("parameters");
            for (var path : fields(spec.v2().path("paths"))) {
                if (under(path.getKey(), prefix) && path.getValue().isObject()) {
                    ObjectNode item = path.getValue().deepCopy();
                    inlineParameters(item, shared);
                    paths.set(path.getKey(), item);
                    references(item, wanted);
                }
            }
            JsonNode theirs = spec.v2().path("definitions");
            Set<String> seen = new HashSet<>();
            while (!wanted.isEmpty()) {
                String name = wanted.pop();
                if (!seen.add(name) || definitions.has(name) || !theirs.has(name)) {
                    continue;
                }
                JsonNode definition = theirs.get(name).deepCopy();
                definitions.set(name, definition);
                references(definition, wanted);
            }
        }
        return merged;
    }

    static boolean under(String path, String prefix) {
        return path.equals(prefix) || path.startsWith(prefix + "/");
    }

    /** The parameters of the path item and of each of its operations, with {@code $ref}s to shared ones replaced by them. */
    private static void inlineParameters(ObjectNode item, JsonNode shared) {
        List<JsonNode> lists = new ArrayList<>();
        lists.add(item.path("parameters"));
        for (var field : fields(item)) {
            lists.add(field.getValue().path("parameters"));
        }
        for (JsonNode list : lists) {
            if (!(list instanceof ArrayNode parameters)) {
                continue;
            }
            for (int i = 0; i < parameters.size(); i++) {
                String ref = parameters.get(i).path("$ref").asText("");
                if (ref.startsWith(PARAMETERS) && shared.has(ref.substring(PARAMETERS.length()))) {
                    parameters.set(i, shared.get(ref.substring(PARAMETERS.length())).deepCopy());
                }
            }
        }
    }

    /** Adds the names of the definitions {@code node} refers to. */
    private static void references(JsonNode node, Deque<String> out) {
        if (node.isObject()) {
            String ref = node.path("$ref").asText("");
            if (ref.startsWith(DEFINITIONS)) {
                out.add(ref.substring(DEFINITIONS.length()).replace("~1", "/").replace("~0", "~"));
            }
        }
        if (node.isContainerNode()) {
            node.forEach(child -> references(child, out));
        }
    }

    private static Iterable<java.util.Map.Entry<String, JsonNode>> fields(JsonNode node) {
        return node::fields;
    }
}
