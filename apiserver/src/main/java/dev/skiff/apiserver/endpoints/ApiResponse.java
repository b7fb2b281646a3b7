package dev.skiff.apiserver.endpoints;

import dev.skiff.api.errors.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** How a handler answers: one whole response, or a stream (watch, logs). */
public interface ApiResponse {
    String JSON = "application/json";
    String TEXT = "text/plain; charset=utf-8";

    void send(int status, String contentType, Map<String, String> headers, byte[] body);

    /** Starts a chunked response; the handler writes to it until done or the client leaves. */
    ResponseStream stream(int status, String contentType, Map<String, String> headers);

    /**
     * Answers an {@code Upgrade: websocket} request by switching protocols (upstream serves watches
     * so when asked, fabric8's client by default): each {@link ResponseStream#writeMessages} piece
     * becomes one text message; what the client sends is read and dropped.
     */
    default ResponseStream webSocket() {
        throw ApiException.badRequest("this transport cannot upgrade to WebSocket");
    }

    /**
     * Hands the request on to {@code location} (upstream: UpgradeAwareHandler): an upgrade the backend
     * accepts becomes a tunnel between client and backend, any other answer is relayed - except, when
     * {@code errors} is given, an answer outside 2xx, which becomes the Status {@code errors} makes of
     * its code and text (as upstream's response checker does for pods/log).
     */
    default void proxy(java.net.URI location, byte[] body, java.util.function.BiFunction<Integer, String, ApiException> errors) {
        throw new UnsupportedOperationException("this transport cannot proxy");
    }

    /**
     * exec or attach asked for over WebSocket v5: the client's WebSocket ends here and the kubelet at
     * {@code location} is spoken to over SPDY (upstream: StreamTranslatorProxy).
     */
    default void translateStreams(java.net.URI location, dev.skiff.apiserver.proxy.StreamOptions options) {
        throw new UnsupportedOperationException("this transport cannot translate streams");
    }

    /** port-forward's SPDY tunnelled in a WebSocket: unwrapped for the kubelet at {@code location} (upstream: the stream tunnel). */
    default void tunnelStreams(java.net.URI location) {
        throw new UnsupportedOperationException("this transport cannot tunnel streams");
    }

    default void json(int status, Object value) {
        json(status, JSON, Map.of(), value);
    }

    /**
     * Answers with {@code value} encoded as JSON ({@code contentType} is one of JSON's, e.g. a Table's). A
     * transport may send a large encoding in pieces as it is written rather than hold it whole.
     */
    default void json(int status, String contentType, Map<String, String> headers, Object value) {
        send(status, contentType, headers, Json.write(value));
    }

    default void text(int status, String body) {
        send(status, TEXT, Map.of("X-Content-Type-Options", "nosniff"), body.getBytes(StandardCharsets.UTF_8));
    }

    default void error(ApiException e) {
        json(e.code(), e.status());
    }
}
