package dev.skiff.apiserver.http;

import dev.skiff.apiserver.endpoints.ResponseStream;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.StandardHttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request of an in-process client and its answer: what a network exchange reads from the wire is
 * given, what it would write completes {@link #response()}. A request the chain would hand to another
 * server ({@link #proxy}, {@link #translateStreams}, {@link #tunnelStreams}: a kubelet's
 * logs, exec, port-forward) is not answered here: {@link #response()} completes with
 * {@link Relayed}, and the client sends it again over the network, where such a relay can stream both ways.
 */
final class InProcessExchange implements Exchange {
    /** Completes {@link #response()} instead of an answer: the request must go over the network. */
    static final class Relayed extends RuntimeException {
        Relayed() {
            super("relayed to another server: sent over the network", null, false, false);
        }
    }

    private final HttpRequest request;
    private final String method;
    private final URI uri;
    private final String path;
    private final Map<String, List<String>> query;
    private final Map<String, List<String>> headers;
    private final byte[] body;
    private final List<X509Certificate> peerCertificates;
    private final AsyncBody.Consumer<List<ByteBuffer>> consumer;
    private final Map<String, List<String>> responseHeaders = new LinkedHashMap<>();
    private final AtomicBoolean responded = new AtomicBoolean();
    private final CompletableFuture<HttpResponse<AsyncBody>> response = new CompletableFuture<>();
    private volatile int status;
    private volatile Response pending;

    /** {@code headers}' names lowercase. */
    InProcessExchange(HttpRequest request, Map<String, List<String>> headers, byte[] body, List<X509Certificate> peerCertificates,
                      AsyncBody.Consumer<List<ByteBuffer>> consumer) {
        this.request = request;
        this.method = request.method();
        this.uri = request.uri();
        this.path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        this.query = Map.copyOf(new QueryStringDecoder(requestUri()).parameters());
        this.headers = headers;
        this.body = body;
        this.peerCertificates = peerCertificates;
        this.consumer = consumer;
    }

    /** Completes with the answer once the chain starts it, or exceptionally with {@link Relayed}. */
    CompletableFuture<HttpResponse<AsyncBody>> response() {
        return response;
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
    public String requestUri() {
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    @Override
    public synchronized void responseHeader(String name, String value) {
        responseHeaders.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(value);
    }

    @Override
    public Map<String, List<String>> headers() {
        return headers;
    }

    @Override
    public List<X509Certificate> peerCertificates() {
        return peerCertificates;
    }

    @Override
    public byte[] readBody(long limit) {
        if (body.length > limit) {
            throw Exchange.tooLarge(limit);
        }
        return body;
    }

    @Override
    public boolean responded() {
        return responded.get();
    }

    @Override
    public int responseStatus() {
        return status;
    }

    /**
     * A whole answer is handed to the client once the chain has returned ({@link #finish}), not from inside the handler:
     * the client's continuations (decoding, the caller's own stages) then run after the handler has let go of its
     * locks and in-flight permit, as they would after a network answer.
     */
    @Override
    public void send(int status, String contentType, Map<String, String> extraHeaders, byte[] body) {
        pending = answer(status, contentType, extraHeaders, InProcessBody.of(consumer, body));
    }

    /** A stream is handed over at once: the handler goes on writing to it. */
    @Override
    public ResponseStream stream(int status, String contentType, Map<String, String> extraHeaders) {
        var stream = new InProcessBody(consumer);
        response.complete(answer(status, contentType, extraHeaders, stream));
        return stream;
    }

    /** After the chain has served the request: the whole answer goes to the client, or the failure when there was none. */
    void finish(Throwable failure) {
        var whole = pending;
        if (whole != null) {
            response.complete(whole);
        } else {
            response.completeExceptionally(failure != null ? failure
                    : new java.io.IOException("the API server ended the request without an answer"));
        }
    }

    private Response answer(int status, String contentType, Map<String, String> extraHeaders, InProcessBody answer) {
        if (!responded.compareAndSet(false, true)) {
            throw new IllegalStateException("response already sent for " + method + " " + path);
        }
        this.status = status;
        Map<String, List<String>> all;
        synchronized (this) {
            all = new LinkedHashMap<>(responseHeaders);
        }
        all.put("Content-Type", List.of(contentType));
        all.put("Cache-Control", List.of("no-cache, private"));
        extraHeaders.forEach((name, value) -> all.put(name, List.of(value)));
        return new Response(all, status, answer, request);
    }

    @Override
    public void proxy(URI location, byte[] body, java.util.function.BiFunction<Integer, String, dev.skiff.api.errors.ApiException> errors) {
        relay();
    }

    @Override
    public void translateStreams(URI location, dev.skiff.apiserver.proxy.StreamOptions options) {
        relay();
    }

    @Override
    public void tunnelStreams(URI location) {
        relay();
    }

    private void relay() {
        if (!responded.compareAndSet(false, true)) {
            throw new IllegalStateException("response already sent for " + method + " " + path);
        }
        response.completeExceptionally(new Relayed());
    }

    /** The answer as fabric8's client reads one. */
    private static final class Response extends StandardHttpHeaders implements HttpResponse<AsyncBody> {
        private final int code;
        private final AsyncBody body;
        private final HttpRequest request;

        Response(Map<String, List<String>> headers, int code, AsyncBody body, HttpRequest request) {
            super(headers);
            this.code = code;
            this.body = body;
            this.request = request;
        }

        @Override
        public int code() {
            return code;
        }

        @Override
        public AsyncBody body() {
            return body;
        }

        @Override
        public HttpRequest request() {
            return request;
        }

        @Override
        public Optional<HttpResponse<?>> previousResponse() {
            return Optional.empty();
        }
    }
}
