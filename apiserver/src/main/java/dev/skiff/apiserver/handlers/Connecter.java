package dev.skiff.apiserver.handlers;

import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;

/**
 * A subresource that is served by another server the request is handed to (upstream: rest.Connecter,
 * as pods/log, exec, attach and portforward are): GET and POST of {@code <resource>/<name>/<subresource>}.
 */
@FunctionalInterface
public interface Connecter {
    void connect(String namespace, String name, ApiRequest request, ApiResponse response);
}
