package dev.skiff.apiserver.http;

import dev.skiff.apiserver.endpoints.ApiResponse;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One HTTP request and its response, as the request chain sees it; the transport behind it is Vert.x (or a test fake). */
interface Exchange extends ApiResponse {
    String method();

    /** The raw path, without the query. */
    String path();

    Map<String, List<String>> query();

    /** The path with the query as the client sent it. */
    default String requestUri() {
        return path();
    }

    /** The client's address (no port); empty when unknown. */
    default String remoteAddress() {
        return "";
    }

    /** A header every later answer carries, also one {@link #proxy} relays from elsewhere. */
    default void responseHeader(String name, String value) {
    }

    /** Header names lowercase. */
    Map<String, List<String>> headers();

    /** The client certificate chain the TLS handshake verified; empty when the client sent none. */
    List<X509Certificate> peerCertificates();

    /** The whole body, blocking until it has arrived; 413 RequestEntityTooLarge past {@code limit} bytes. */
    byte[] readBody(long limit);

    /** True once a response has been started. */
    boolean responded();

    /** The status code the answer went out with (after {@link #proxy}: the backend's, as relayed); 0 before any. */
    int responseStatus();

    default String header(String name) {
        var values = headers().get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** Upstream's wording (k8s.io/apiserver handlers/rest.go limitedReadBody). */
    static dev.skiff.api.errors.ApiException tooLarge(long limit) {
        return dev.skiff.api.errors.ApiException.requestEntityTooLarge("Request entity too large: limit is " + limit);
    }

    default boolean webSocketRequested() {
        return dev.skiff.apiserver.endpoints.ApiRequest.webSocketRequested(header("upgrade"), header("connection"));
    }
}
