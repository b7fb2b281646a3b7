package dev.skiff.apiserver.request;

import java.util.Set;

/**
 * What a request is about, as upstream's request.RequestInfo: for resource requests
 * ({@code /api/v1/...}, {@code /apis/<group>/<version>/...}) the verb in API terms (get, list,
 * watch, create, update, patch, delete, deletecollection) and the resource it names; otherwise
 * the path and the lowercase HTTP method.
 */
public record RequestInfo(boolean resourceRequest, String path, String verb, String apiPrefix, String apiGroup,
                          String apiVersion, String namespace, String resource, String subresource, String name) {
    private static final Set<String> READ_ONLY_VERBS = Set.of("get", "list", "watch");
    private static final Set<String> LONG_RUNNING_VERBS = Set.of("watch", "proxy");
    private static final Set<String> LONG_RUNNING_SUBRESOURCES = Set.of("attach", "exec", "proxy", "log", "portforward");

    public static RequestInfo nonResource(String path, String verb) {
        return new RequestInfo(false, path, verb, "", "", "", "", "", "", "");
    }

    /** Counts against --max-mutating-requests-inflight rather than --max-requests-inflight. */
    public boolean mutating() {
        return !READ_ONLY_VERBS.contains(verb);
    }

    /** Watches, proxies and streams (exec, attach, logs, port-forward): not bounded by the in-flight limits, as upstream. */
    public boolean longRunning() {
        return resourceRequest && (LONG_RUNNING_VERBS.contains(verb) || LONG_RUNNING_SUBRESOURCES.contains(subresource));
    }
}
