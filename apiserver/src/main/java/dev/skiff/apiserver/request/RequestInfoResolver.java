package dev.skiff.apiserver.request;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Reads a {@link RequestInfo} from a method, path and query, following upstream's RequestInfoFactory. */
public final class RequestInfoResolver {
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    private RequestInfoResolver() {
    }

    public static RequestInfo resolve(String method, String path, Map<String, List<String>> query) {
        String httpVerb = method.toLowerCase(Locale.ROOT);
        String trimmed = path.replaceAll("^/+|/+$", "");
        List<String> parts = trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("/"));
        if (parts.isEmpty() || !(parts.getFirst().equals("api") || parts.getFirst().equals("apis"))) {
            return RequestInfo.nonResource(path, httpVerb);
        }
        String prefix = parts.getFirst();
        String group = "";
        int at = 1;
        if (prefix.equals("apis")) {
            if (parts.size() < 3) {
                return RequestInfo.nonResource(path, httpVerb); // /apis, /apis/<group>: discovery
            }
            group = parts.get(at++);
        } else if (parts.size() < 2) {
            return RequestInfo.nonResource(path, httpVerb); // /api
        }
        String version = parts.get(at++);
        List<String> rest = parts.subList(at, parts.size());
        if (rest.isEmpty()) {
            return RequestInfo.nonResource(path, httpVerb); // /api/v1, /apis/<group>/<version>: discovery
        }

        String verb = switch (httpVerb) {
            case "post" -> "create";
            case "get", "head" -> "get";
            case "put" -> "update";
            case "patch" -> "patch";
            case "delete" -> "delete";
            default -> "";
        };
        // the deprecated /api/v1/watch/... form
        if (rest.getFirst().equals("watch")) {
            verb = "watch";
            rest = rest.subList(1, rest.size());
        }
        String namespace = "";
        if (rest.size() >= 2 && rest.getFirst().equals("namespaces")) {
            namespace = rest.get(1);
            // /namespaces/<name>/status and /finalize are subresources of the namespace itself
            if (rest.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(rest.get(2))) {
                rest = rest.subList(2, rest.size());
            }
        }
        String resource = rest.isEmpty() ? "" : rest.get(0);
        String name = rest.size() >= 2 ? rest.get(1) : "";
        String subresource = rest.size() >= 3 ? rest.get(2) : "";

        if (name.isEmpty() && verb.equals("get")) {
            verb = "list";
        }
        var watch = query.get("watch");
        if (verb.equals("list") && watch != null && !watch.isEmpty() && QueryBool.isTrue(watch.getFirst())) {
            verb = "watch";
        }
        if (name.isEmpty() && verb.equals("delete")) {
            verb = "deletecollection";
        }
        return new RequestInfo(true, path, verb, prefix, group, version, namespace, resource, subresource, name);
    }
}
