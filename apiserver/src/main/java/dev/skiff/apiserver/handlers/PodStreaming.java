package dev.skiff.apiserver.handlers;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import dev.skiff.apiserver.httpstream.wsstream.RemoteCommandChannels;
import dev.skiff.apiserver.proxy.StreamOptions;
import dev.skiff.apiserver.proxy.StreamTranslatorProxy;
import dev.skiff.apiserver.proxy.StreamTunnelProxy;
import dev.skiff.registry.core.pod.StreamLocations;
import java.net.URI;
import java.util.Locale;
import java.util.Map;

/**
 * pods/log, exec, attach and portforward (upstream: the pod REST's LogREST, ExecREST, AttachREST
 * and PortForwardREST): the kubelet location from {@link StreamLocations}, then the request handed
 * to the node's kubelet. Logs stream the kubelet's answer back, its errors as Status (upstream's
 * GenericHttpResponseChecker); the others need an upgrade (SPDY or WebSocket), which is proxied -
 * except a WebSocket exec/attach offering v5.channel.k8s.io, translated to SPDY here, and a WebSocket
 * port-forward tunnelling SPDY, unwrapped here (upstream 1.30+/1.31+), as the runtime speaks neither.
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
            if (request.webSocketRequested() && StreamTranslatorProxy.wanted(offeredProtocols(request))) {
                response.translateStreams(location, StreamOptions.fromQuery(request.query()));
                return;
            }
            upgrade(request, response, location);
        };
    }

    public static Connecter portForward(StreamLocations locations) {
        return (namespace, name, request, response) -> {
            URI location = locations.portForwardLocation(namespace, name, request.query());
            if (request.webSocketRequested() && StreamTunnelProxy.wanted(offeredProtocols(request))) {
                response.tunnelStreams(location);
                return;
            }
            upgrade(request, response, location);
        };
    }

    private static java.util.List<String> offeredProtocols(ApiRequest request) {
        return RemoteCommandChannels.offered(request.headers().getOrDefault("sec-websocket-protocol", java.util.List.of()));
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
