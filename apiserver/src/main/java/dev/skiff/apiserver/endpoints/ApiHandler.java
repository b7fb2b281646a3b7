package dev.skiff.apiserver.endpoints;

/**
 * Serves the requests of one route, after authentication, the in-flight limits, authorization and
 * (for mutating resource requests) admission. Runs on a virtual thread: it may block. Failures
 * are thrown as {@link dev.skiff.api.errors.ApiException} and sent as a Status.
 */
@FunctionalInterface
public interface ApiHandler {
    void handle(ApiRequest request, ApiResponse response) throws Exception;
}
