package dev.skiff.apiserver.http;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.endpoints.ResponseStream;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.ServerWebSocket;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * An exchange over a Vert.x request. Created on the event loop with the request paused; the
 * chain runs on a virtual thread, and every touch of the request or response is handed back to
 * the connection's context, so the event loop never waits and Vert.x objects stay on their thread.
 */
final class VertxExchange implements Exchange {
    /** The most of an unwanted request body read and dropped before giving up on the connection. */
    static final long DRAIN_LIMIT = 8L * 1024 * 1024;
    private static final long CANCEL = 0x8;
    /** The most of an encoded JSON answer held before it is sent in pieces; below G1's humongous size for small heaps. */
    static final int CHUNK = 256 * 1024;
    private static final int INITIAL_BUFFER = 4096;
    /** How long a streamed answer waits for the client to take a piece: kube-apiserver's default --request-timeout (tests shorten it). */
    static volatile int stalledClientSeconds = 60;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(VertxExchange.class);

    private final HttpServerRequest request;
    private final Context context;
    private final dev.skiff.api.proxy.UpgradeAwareProxy proxy;
    private final String path;
    private final Map<String, List<String>> query;
    private final Map<String, List<String>> headers;
    private final List<X509Certificate> peerCertificates;
    private final String remoteAddress;
    private final AtomicBoolean responded = new AtomicBoolean();
    private volatile boolean bodyRead;
    private volatile boolean bodyTooLarge;
    private volatile boolean clientGone;

    /** On the event loop. */
    VertxExchange(HttpServerRequest request, Context context, dev.skiff.api.proxy.UpgradeAwareProxy proxy) {
        this.request = request;
        this.context = context;
        this.proxy = proxy;
        request.pause();
        var decoder = new QueryStringDecoder(request.uri());
        this.path = decoder.rawPath();
        this.query = Map.copyOf(decoder.parameters());
        var h = new LinkedHashMap<String, List<String>>();
        request.headers().forEach(e -> h.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(e.getValue()));
        h.replaceAll((k, v) -> List.copyOf(v));
        this.headers = Map.copyOf(h);
        this.peerCertificates = peers(request);
        var remote = request.remoteAddress();
        this.remoteAddress = remote == null || remote.hostAddress() == null ? "" : remote.hostAddress();
        request.response().closeHandler(v -> clientGone = true);
    }

    private static List<X509Certificate> peers(HttpServerRequest request) {
        if (!request.isSSL()) {
            return List.of();
        }
        try {
            return request.connection().peerCertificates().stream()
                    .filter(X509Certificate.class::isInstance).map(X509Certificate.class::cast).toList();
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
    }

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public void responseHeader(String name, String value) {
        // queued on the connection's context before any answer, which is queued there too
        context.runOnContext(v -> request.response().putHeader(name, value));
    }

    @Override
    public int responseStatus() {
        var response = request.response();
        return response.headWritten() ? response.getStatusCode() : 0;
    }

    @Override
    public String requestUri() {
        return request.uri();
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
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
        return peerCertificates;
    }

    @Override
    public byte[] readBody(long limit) {
        String length = header("content-length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid Content-Length: " + length);
            }
            if (declared > limit) {
                bodyTooLarge = true;
                throw Exchange.tooLarge(limit);
            }
        }
        var done = new CompletableFuture<byte[]>();
        context.runOnContext(v -> {
            var body = Buffer.buffer();
            request.handler(chunk -> {
                if (bodyTooLarge) {
                    return;
                }
                if (body.length() + chunk.length() > limit) {
                    bodyTooLarge = true;
                    done.completeExceptionally(Exchange.tooLarge(limit));
                    return;
                }
                body.appendBuffer(chunk);
            });
            request.exceptionHandler(done::completeExceptionally);
            request.endHandler(end -> done.complete(body.getBytes()));
            request.resume();
        });
        try {
            byte[] body = done.get();
            bodyRead = true;
            return body;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException api) {
                throw api;
            }
            throw ApiException.badRequest("reading the request body failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.internal("interrupted while reading the request body");
        }
    }

    @Override
    public boolean responded() {
        return responded.get();
    }

    /** Marks the response as this caller's to send; a second answer to one request is a programming error. */
    private void claimResponse() {
        if (!responded.compareAndSet(false, true)) {
            throw new IllegalStateException("response already sent for " + method() + " " + path);
        }
    }

    @Override
    public void send(int status, String contentType, Map<String, String> extraHeaders, byte[] body) {
        claimResponse();
        context.runOnContext(v -> end(head(status, contentType, extraHeaders), Buffer.buffer(body)));
    }

    /**
     * Encodes {@code value} into buffers of up to {@link #CHUNK} bytes: one that holds it all is sent whole,
     * with its length; a larger encoding goes out chunk by chunk as it is written, each chunk waiting for
     * the one before to be written (the client's pace), as upstream streams large lists. A 10k-pod list
     * (27 MiB) so never exists as one array, let alone the three copies a byte[] answer took.
     */
    @Override
    public void json(int status, String contentType, Map<String, String> extraHeaders, Object value) {
        var body = new StreamedBody(status, contentType, extraHeaders);
        try {
            dev.skiff.apiserver.endpoints.Json.write(value, body);
        } catch (Throwable e) {
            if (body.started) {
                brokeOff(body, e); // the request chain cannot answer with a Status any more
                if (e instanceof Error error) {
                    throw error;
                }
                return;
            }
            if (clientGone) {
                return; // nobody to answer
            }
            if (e instanceof Error error) {
                throw error;
            }
            throw e instanceof RuntimeException re ? re : new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
        }
        body.finish();
    }

    /** A streamed answer that cannot go on: ended so that the client cannot take the part it got for the whole. */
    private void brokeOff(StreamedBody body, Throwable e) {
        if (clientGone) {
            return;
        }
        body.abort();
        if (e instanceof StalledClient || e instanceof java.io.InterruptedIOException) {
            log.warn("a streamed answer was broken off path={}: {}", path, e.getMessage());
        } else {
            log.error("encoding an answer failed after it started; broken off path={}", path, e);
        }
    }

    /** The client took nothing of a streamed answer for {@link #stalledClientSeconds}. */
    private static final class StalledClient extends java.io.IOException {
        StalledClient(int seconds) {
            super("the client read nothing for " + seconds + " s");
        }
    }

    /** The response's status and headers set, on the context. */
    private io.vertx.core.http.HttpServerResponse head(int status, String contentType, Map<String, String> extraHeaders) {
        var response = request.response();
        response.setStatusCode(status);
        response.putHeader("Content-Type", contentType);
        response.putHeader("Cache-Control", "no-cache, private");
        extraHeaders.forEach(response::putHeader);
        return response;
    }

    /** Ends the response with {@code last}, on the context; then deals with a request body nobody read. */
    private void end(io.vertx.core.http.HttpServerResponse response, Buffer last) {
        boolean closeAfter = !bodyRead && declaredLength() > DRAIN_LIMIT && request.version() != HttpVersion.HTTP_2;
        if (closeAfter && !response.headWritten()) {
            response.putHeader("Connection", "close");
        }
        afterResponse(response.end(last), closeAfter);
    }

    /** The body of {@link #json}: fills a buffer, and sends each full one once the one before has been written. */
    private final class StreamedBody extends java.io.OutputStream {
        private final int status;
        private final String contentType;
        private final Map<String, String> headers;
        private Buffer current = Buffer.buffer(INITIAL_BUFFER);
        private CompletableFuture<Void> inFlight;
        boolean started;

        StreamedBody(int status, String contentType, Map<String, String> headers) {
            this.status = status;
            this.contentType = contentType;
            this.headers = headers;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            current.appendByte((byte) b);
            if (current.length() >= CHUNK) {
                sendChunk();
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
            while (length > 0) {
                int n = Math.min(length, CHUNK - current.length());
                current.appendBytes(bytes, offset, n);
                offset += n;
                length -= n;
                if (current.length() >= CHUNK) {
                    sendChunk();
                }
            }
        }

        private void sendChunk() throws java.io.IOException {
            awaitInFlight();
            Buffer chunk = current;
            current = Buffer.buffer(CHUNK);
            boolean first = !started;
            if (first) {
                claimResponse();
            }
            started = true;
            var written = new CompletableFuture<Void>();
            context.runOnContext(v -> {
                var response = first ? head(status, contentType, headers).setChunked(true) : request.response();
                response.write(chunk).onComplete(r -> {
                    if (r.succeeded()) {
                        written.complete(null);
                    } else {
                        written.completeExceptionally(r.cause());
                    }
                });
            });
            inFlight = written;
        }

        /** Waits until the last piece was written; a client that takes nothing for a minute is given up on. */
        private void awaitInFlight() throws java.io.IOException {
            if (inFlight != null) {
                int seconds = stalledClientSeconds;
                try {
                    inFlight.get(seconds, java.util.concurrent.TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    clientGone = true; // the write failed: the connection or stream is gone
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new StalledClient(seconds);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while the client read");
                }
            }
            if (clientGone) {
                throw new java.io.IOException("the client went away");
            }
        }

        void finish() {
            if (!started) {
                sendWhole(current);
                return;
            }
            try {
                awaitInFlight();
            } catch (java.io.IOException e) {
                brokeOff(this, e);
                return;
            }
            Buffer last = current;
            context.runOnContext(v -> end(request.response(), last));
        }

        private void sendWhole(Buffer whole) {
            claimResponse();
            context.runOnContext(v -> end(head(status, contentType, headers), whole));
        }

        /** Part of the body went out and the rest cannot: the client must not take the part for the whole. */
        void abort() {
            context.runOnContext(v -> {
                if (request.version() == HttpVersion.HTTP_2) {
                    request.response().reset(CANCEL);
                } else {
                    request.connection().close();
                }
            });
        }
    }

    private long declaredLength() {
        try {
            String length = header("content-length");
            return length == null ? 0 : Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * A body the chain did not read (refused for size, or never looked at after a 401): drained
     * and dropped, up to {@link #DRAIN_LIMIT}, so the client - which may still be sending - reads
     * our response instead of a broken pipe, and the connection serves the next request. Past the
     * limit the HTTP/1 connection is closed or the HTTP/2 stream reset, as Go's server gives up on
     * draining, rather than take in gigabytes nobody wants.
     */
    private void afterResponse(Future<Void> ended, boolean closeNow) {
        if (bodyRead || request.isEnded()) {
            return;
        }
        if (closeNow) {
            ended.onComplete(r -> request.connection().close());
            return;
        }
        var drained = new long[1];
        request.handler(chunk -> {
            drained[0] += chunk.length();
            if (drained[0] > DRAIN_LIMIT) {
                request.handler(null);
                if (request.version() == HttpVersion.HTTP_2) {
                    request.response().reset(CANCEL);
                } else {
                    request.connection().close();
                }
            }
        });
        request.exceptionHandler(e -> { });
        request.endHandler(end -> { });
        request.resume();
    }

    @Override
    public void proxy(java.net.URI location, byte[] body, java.util.function.BiFunction<Integer, String, ApiException> errors) {
        dev.skiff.api.proxy.UpgradeAwareProxy.ErrorResponder responder = errors == null ? null : (out, status, text) -> {
            ApiException e = errors.apply(status, text);
            out.setStatusCode(e.code()).putHeader("Content-Type", dev.skiff.apiserver.endpoints.ApiResponse.JSON)
                    .end(Buffer.buffer(dev.skiff.apiserver.endpoints.Json.write(e.status())));
        };
        toBackend(() -> proxy.proxy(request, location, Buffer.buffer(body), responder));
    }

    @Override
    public void translateStreams(java.net.URI location, dev.skiff.apiserver.proxy.StreamOptions options) {
        toBackend(() -> dev.skiff.apiserver.proxy.StreamTranslatorProxy.serve(proxy, request, location, options));
    }

    @Override
    public void tunnelStreams(java.net.URI location) {
        toBackend(() -> dev.skiff.apiserver.proxy.StreamTunnelProxy.serve(proxy, request, location));
    }

    /** Runs a proxying operation on the context; when it failed with nothing sent yet, the chain answers with the error. */
    private void toBackend(Supplier<Future<Void>> operation) {
        claimResponse();
        if (request.version() == HttpVersion.HTTP_2 && dev.skiff.api.proxy.UpgradeAwareProxy.isUpgrade(request.headers())) {
            responded.set(false);
            throw ApiException.badRequest("an upgrade needs HTTP/1.1");
        }
        Throwable failed = dev.skiff.api.proxy.ContextCalls.await(context, operation);
        if (failed != null && !request.response().headWritten()) {
            responded.set(false); // nothing was sent: the chain answers with the error
            throw ApiException.internal("error dialing backend: " + failed.getMessage());
        }
        if (failed != null) {
            log.warn("proxying to the backend failed after the answer started path={}: {}", path, failed.toString());
        }
    }

    @Override
    public ResponseStream stream(int status, String contentType, Map<String, String> extraHeaders) {
        claimResponse();
        await(() -> head(status, contentType, extraHeaders).setChunked(true).writeHead());
        return new Stream(chunk -> request.response().write(Buffer.buffer(chunk)), () -> request.response().end());
    }

    @Override
    public ResponseStream webSocket() {
        claimResponse();
        if (request.version() == HttpVersion.HTTP_2) {
            responded.set(false);
            throw ApiException.badRequest("an upgrade needs HTTP/1.1");
        }
        var accepted = new CompletableFuture<ServerWebSocket>();
        context.runOnContext(v -> request.toWebSocket().onComplete(done -> {
            if (done.failed()) {
                accepted.completeExceptionally(done.cause());
                return;
            }
            ServerWebSocket socket = done.result();
            socket.handler(ignored -> { }); // a watch's client has nothing to say; read and drop it
            socket.exceptionHandler(e -> clientGone = true);
            socket.closeHandler(closed -> clientGone = true);
            accepted.complete(socket);
        }));
        ServerWebSocket socket;
        try {
            socket = accepted.get();
        } catch (ExecutionException e) {
            responded.set(false);
            throw ApiException.badRequest("the WebSocket handshake failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.internal("interrupted during the WebSocket handshake");
        }
        java.util.function.Function<byte[], Future<Void>> text =
                message -> socket.writeTextMessage(new String(message, java.nio.charset.StandardCharsets.UTF_8));
        return new Stream(text, socket::close) {
            @Override
            public boolean writeMessages(List<byte[]> messages) {
                return send(() -> {
                    Future<Void> last = Future.succeededFuture();
                    for (byte[] message : messages) {
                        last = text.apply(message);
                    }
                    return last;
                });
            }
        };
    }

    /** A response stream over the connection's context: one write at a time, each waited for, so the producer runs at the client's pace. */
    private class Stream implements ResponseStream {
        private final java.util.function.Function<byte[], Future<Void>> write;
        private final Supplier<Future<Void>> end;

        Stream(java.util.function.Function<byte[], Future<Void>> write, Supplier<Future<Void>> end) {
            this.write = write;
            this.end = end;
        }

        @Override
        public boolean write(byte[] chunk) {
            return send(() -> write.apply(chunk));
        }

        boolean send(Supplier<Future<Void>> operation) {
            return !clientGone && await(operation) && !clientGone;
        }

        @Override
        public boolean open() {
            return !clientGone;
        }

        @Override
        public void close() {
            if (!clientGone) {
                await(end);
            }
        }
    }

    /** Runs a Vert.x operation on the context and waits for it; false when it failed (client gone). */
    private boolean await(Supplier<Future<Void>> operation) {
        if (dev.skiff.api.proxy.ContextCalls.await(context, operation) != null) {
            clientGone = true;
            return false;
        }
        return true;
    }
}
