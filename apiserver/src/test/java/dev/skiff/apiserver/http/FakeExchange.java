package dev.skiff.apiserver.http;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.endpoints.ResponseStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** An exchange built in a test: a request to serve and the response it got. */
final class FakeExchange implements Exchange {
    private final String method;
    private final String path;
    private final Map<String, List<String>> query = new HashMap<>();
    private final Map<String, List<String>> headers = new HashMap<>();
    private List<X509Certificate> peers = List.of();
    private byte[] body = new byte[0];
    volatile int status;
    volatile Map<String, String> responseHeaders = Map.of();
    volatile byte[] responseBody;
    volatile boolean bodyRead;
    /** What {@link #proxy} relays: the backend's status and body. */
    volatile int backendStatus = 200;
    volatile byte[] backendBody = new byte[0];
    volatile java.net.URI proxiedTo;
    private final Map<String, String> extraHeaders = new java.util.concurrent.ConcurrentHashMap<>();

    FakeExchange(String method, String pathAndQuery) {
        this.method = method;
        int q = pathAndQuery.indexOf('?');
        this.path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        if (q >= 0) {
            for (String pair : pathAndQuery.substring(q + 1).split("&")) {
                String[] kv = pair.split("=", 2);
                query.computeIfAbsent(kv[0], k -> new java.util.ArrayList<>()).add(kv.length > 1 ? kv[1] : "");
            }
        }
    }

    FakeExchange header(String name, String value) {
        headers.put(name.toLowerCase(Locale.ROOT), List.of(value));
        return this;
    }

    FakeExchange bearer(String token) {
        return header("Authorization", "Bearer " + token);
    }

    FakeExchange peers(List<X509Certificate> chain) {
        this.peers = chain;
        return this;
    }

    FakeExchange body(byte[] bytes) {
        this.body = bytes;
        return this;
    }

    String responseText() {
        return new String(responseBody, StandardCharsets.UTF_8);
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public Map<String, List<String>> query() {
        return query;
    }

    @Override
    public Map<String, List<String>> headers() {
        return headers;
    }

    @Override
    public List<X509Certificate> peerCertificates() {
        return peers;
    }

    @Override
    public byte[] readBody(long limit) {
        bodyRead = true;
        if (body.length > limit) {
            throw ApiException.requestEntityTooLarge("Request entity too large: limit is " + limit);
        }
        return body;
    }

    @Override
    public boolean responded() {
        return responseBody != null;
    }

    @Override
    public void send(int status, String contentType, Map<String, String> headers, byte[] body) {
        this.status = status;
        this.responseHeaders = headers;
        this.responseBody = body;
    }

    @Override
    public int responseStatus() {
        return responseBody == null ? 0 : status;
    }

    @Override
    public void responseHeader(String name, String value) {
        extraHeaders.put(name, value);
    }

    /**
     * Relays the backend's answer as it is, with the headers set before; as the real proxy, one outside 2xx
     * becomes the Status {@code errors} makes of it (when given), written here, past the chain.
     */
    @Override
    public void proxy(java.net.URI location, byte[] requestBody, java.util.function.BiFunction<Integer, String, ApiException> errors) {
        this.proxiedTo = location;
        if (errors != null && (backendStatus < 200 || backendStatus > 299)) {
            ApiException e = errors.apply(backendStatus, new String(backendBody, StandardCharsets.UTF_8));
            send(e.code(), "application/json", Map.copyOf(extraHeaders), dev.skiff.apiserver.endpoints.Json.write(e.status()));
            return;
        }
        send(backendStatus, "text/plain", Map.copyOf(extraHeaders), backendBody);
    }

    @Override
    public ResponseStream stream(int status, String contentType, Map<String, String> headers) {
        throw new UnsupportedOperationException();
    }
}
