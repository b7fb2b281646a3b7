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

    default void json(int status, Object value) {
        send(status, JSON, Map.of(), Json.write(value));
    }

    default void text(int status, String body) {
        send(status, TEXT, Map.of("X-Content-Type-Options", "nosniff"), body.getBytes(StandardCharsets.UTF_8));
    }

    default void error(ApiException e) {
        json(e.code(), e.status());
    }
}
