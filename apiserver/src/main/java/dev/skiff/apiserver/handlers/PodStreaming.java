package dev.skiff.apiserver.handlers;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import dev.skiff.registry.core.pod.StreamLocations;
import java.net.URI;
import java.util.Locale;
import java.util.Map;

/**
 * pods/log, exec, attach and portforward (upstream: the pod REST's LogREST, ExecREST, AttachREST
 * and PortForwardREST): the kubelet location from {@link StreamLocations}, then the request handed
 * to the node's kubelet. Logs stream the kubelet's answer back, its errors as Status (upstream's
 * GenericHttpResponseChecker); the others need an upgrade (SPDY or WebSocket), which is proxied.
 */
public final class PodStreaming {
    private PodStreaming() {
    }

    public static Connecter log(StreamLocations locations) {
        return (namespace, name, request, response) -> {
            if (!request.method().equals("GET")) {
                throw ApiException.methodNotSupported("pods/log", request.method());
            }
            URI location = locations.logLocation(namespace, name, request.query());
            if (location == null) {
                response.send(200, ApiResponse.TEXT, Map.of(), new byte[0]); // not on a node yet: no logs, as upstream
                return;
            }
            response.proxy(location, request.body(), (status, text) -> checked(status, text, name));
        };
    }

    /** exec or attach. */
    public static Connecter stream(String kind, StreamLocations locations) {
        return (namespace, name, request, response) -> {
            URI location = locations.streamLocation(kind, namespace, name, request.query());
            upgrade(request, response, location);
        };
    }

    public static Connecter portForward(StreamLocations locations) {
        return (namespace, name, request, response) -> upgrade(request, response, locations.portForwardLocation(namespace, name,
                request.query()));
    }

    private static void upgrade(ApiRequest request, ApiResponse response, URI location) {
        String connection = request.header("connection");
        if (request.header("upgrade") == null || connection == null || !connection.toLowerCase(Locale.ROOT).contains("upgrade")) {
            throw ApiException.badRequest("Upgrade request required");
        }
        response.proxy(location, request.body(), null);
    }

    /** A kubelet's error answer as upstream's response checker turns it into a Status. */
    static ApiException checked(int status, String text, String name) {
        return switch (status) {
            case 400 -> ApiException.badRequest(text);
            case 500 -> ApiException.internal(text);
            case 404 -> ApiException.notFound("", "pods/log", name);
            default -> ApiException.unknownServerError("the server responded with the status code " + status + ": " + text);
        };
    }
}
