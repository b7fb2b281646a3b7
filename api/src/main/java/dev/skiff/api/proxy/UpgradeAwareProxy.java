package dev.skiff.api.proxy;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Forwards one request to another server (upstream: apimachinery's proxy.UpgradeAwareHandler). A
 * request asking for a protocol upgrade (SPDY/3.1 or WebSocket, as kubectl exec, attach and
 * port-forward send) is passed on with its upgrade headers; when the backend answers 101 the
 * client gets that answer with the backend's headers and the two connections are joined byte for
 * byte until either side closes. Any other answer - a refused upgrade included (403 from a
 * runtime without WebSocket v5) - is relayed as it came. {@link #dialUpgrade} is the raw dial for
 * callers that speak the upgraded protocol themselves (the API server's stream translator and tunnel).
 */
public final class UpgradeAwareProxy {
    /** Request headers not passed on: the backend authenticates the proxy itself, and sizes are the client's business. */
    private static final Set<String> DROPPED_REQUEST_HEADERS = Set.of("host", "authorization", "content-length", "transfer-encoding");
    /** Response headers Vert.x sets for the relayed body itself. */
    private static final Set<String> DROPPED_RESPONSE_HEADERS = Set.of("content-length", "transfer-encoding", "connection");

    /** Answers the client in place of a backend's error answer (its status outside 2xx, its body as text). */
    @FunctionalInterface
    public interface ErrorResponder {
        void respond(io.vertx.core.http.HttpServerResponse response, int status, String body);
    }

    private final HttpClient client;
    private final io.vertx.core.net.NetClient plainSockets;
    private final io.vertx.core.net.NetClient tlsSockets;

    /**
     * @param vertx             the Vert.x the proxied requests arrive on
     * @param clientCertificate what https backends are shown (their own certificates are not verified, as upstream's API
     *                          server does not verify kubelets without --kubelet-certificate-authority); null: plain HTTP only
     */
    public UpgradeAwareProxy(io.vertx.core.Vertx vertx, io.vertx.core.net.KeyCertOptions clientCertificate) {
        var http = new io.vertx.core.http.HttpClientOptions();
        var plain = new io.vertx.core.net.NetClientOptions();
        var secure = new io.vertx.core.net.NetClientOptions();
        if (clientCertificate != null) {
            http.setSsl(true).setTrustAll(true).setVerifyHost(false).setKeyCertOptions(clientCertificate);
            secure.setSsl(true).setTrustAll(true).setHostnameVerificationAlgorithm("").setKeyCertOptions(clientCertificate);
        }
        this.client = vertx.createHttpClient(http);
        this.plainSockets = vertx.createNetClient(plain);
        this.tlsSockets = vertx.createNetClient(secure);
    }

    /** Whether a request asks for a protocol upgrade (Connection: Upgrade with an Upgrade header). */
    public static boolean isUpgrade(MultiMap headers) {
        String connection = headers.get(HttpHeaders.CONNECTION);
        return headers.contains(HttpHeaders.UPGRADE) && connection != null
                && connection.toLowerCase(Locale.ROOT).contains("upgrade");
    }

    /**
     * Forwards {@code request} (its body already read into {@code body}) to {@code location}. Call on
     * the request's context. The future completes once the answer has started to flow to the client
     * (the tunnel is up, or the backend's status and headers are sent), and fails - with nothing sent
     * yet, so the caller can answer with an error - when the backend cannot be reached.
     */
    public Future<Void> proxy(HttpServerRequest request, URI location, Buffer body) {
        return proxy(request, location, body, null);
    }

    /** As {@link #proxy(HttpServerRequest, URI, Buffer)}; a plain (not upgraded) answer outside 2xx goes to {@code errors} when given. */
    public Future<Void> proxy(HttpServerRequest request, URI location, Buffer body, ErrorResponder errors) {
        var options = new RequestOptions().setMethod(request.method()).setAbsoluteURI(location.toString());
        request.headers().forEach(h -> {
            if (!DROPPED_REQUEST_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                options.addHeader(h.getKey(), h.getValue());
            }
        });
        boolean upgrade = isUpgrade(request.headers());
        if (upgrade) {
            return upgrade(request, location);
        }
        return client.request(options).compose(backend -> backend.send(body).compose(response -> relay(request, response, errors)));
    }

    /**
     * An upgrade request goes over a raw connection, written and read here byte for byte as upstream's
     * handler dials the backend: the request head as the client sent it (target path and host
     * replaced), then the backend's answer head parsed; a 101 joins the two connections.
     */
    private Future<Void> upgrade(HttpServerRequest request, URI location) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        request.headers().forEach(h -> headers.add(h.getKey(), h.getValue()));
        return dialUpgrade(location, request.method().name(), headers).compose(answer -> {
            if (answer.code() != 101) {
                relayRefused(request, answer);
                return Future.succeededFuture();
            }
            answer.headers().forEach(h -> request.response().headers().add(h.getKey(), h.getValue()));
            NetSocket backend = answer.connection();
            return switchProtocols(request).onSuccess(front -> {
                if (answer.rest().length() > 0) {
                    front.write(answer.rest());
                }
                front.pipe().endOnComplete(false).to(backend);
                backend.pipe().endOnComplete(false).to(front);
                front.closeHandler(v -> backend.close());
                backend.closeHandler(v -> front.close());
            }).onFailure(e -> backend.close()).mapEmpty();
        });
    }

    /** A backend's answer to an upgrade request: its status and headers, the (paused) connection, and what it sent past the head. */
    public record UpgradeAnswer(int code, MultiMap headers, NetSocket connection, Buffer rest) {
    }

    /**
     * Sends an upgrade request ({@code method} to {@code location} with {@code headers}, minus those a
     * proxy drops) over a new connection and reads the answer's head. Call on a Vert.x context; the
     * answer's connection is paused with no handler set, for the caller to take over. Fails when the
     * backend cannot be reached or closes before answering.
     */
    public Future<UpgradeAnswer> dialUpgrade(URI location, String method, MultiMap headers) {
        boolean tls = "https".equals(location.getScheme());
        int port = location.getPort() > 0 ? location.getPort() : tls ? 443 : 80;
        var head = new StringBuilder();
        head.append(method).append(' ').append(location.getRawPath())
                .append(location.getRawQuery() == null ? "" : "?" + location.getRawQuery()).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(location.getHost()).append(':').append(port).append("\r\n");
        headers.forEach(h -> {
            if (!DROPPED_REQUEST_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            }
        });
        head.append("Content-Length: 0\r\n\r\n");
        return (tls ? tlsSockets : plainSockets).connect(port, location.getHost()).compose(backend -> {
            backend.pause();
            var answer = io.vertx.core.Promise.<UpgradeAnswer>promise();
            var received = Buffer.buffer();
            backend.handler(chunk -> {
                received.appendBuffer(chunk);
                int end = indexOf(received, "\r\n\r\n");
                if (end < 0 || answer.future().isComplete()) {
                    return;
                }
                backend.handler(null);
                backend.pause();
                backend.exceptionHandler(null);
                backend.closeHandler(null);
                try {
                    var status = ResponseHead.parse(received.getString(0, end, "ISO-8859-1"));
                    answer.tryComplete(new UpgradeAnswer(status.code(), status.headers(), backend, received.getBuffer(end + 4, received.length())));
                } catch (RuntimeException e) {
                    backend.close();
                    answer.tryFail(e);
                }
            });
            backend.exceptionHandler(answer::tryFail);
            backend.closeHandler(v -> answer.tryFail("the backend closed the connection before answering"));
            backend.write(head.toString());
            backend.resume();
            return answer.future();
        });
    }

    /** A refused upgrade relayed to the client: the backend's status, headers and body (up to its Content-Length, or until it closes). */
    public static void relayRefused(HttpServerRequest request, UpgradeAnswer status) {
        NetSocket backend = status.connection();
        Buffer rest = status.rest();
        var out = request.response();
        out.setStatusCode(status.code());
        status.headers().forEach(h -> {
            if (!DROPPED_RESPONSE_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                out.headers().add(h.getKey(), h.getValue());
            }
        });
        String length = status.headers().get(HttpHeaders.CONTENT_LENGTH);
        long expected = length == null ? Long.MAX_VALUE : Long.parseLong(length.strip());
        var body = Buffer.buffer().appendBuffer(rest);
        if (body.length() >= expected) {
            out.end(body.getBuffer(0, (int) expected));
            backend.close();
            return;
        }
        backend.handler(chunk -> {
            body.appendBuffer(chunk);
            if (body.length() >= expected) {
                backend.handler(null);
                out.end(body.getBuffer(0, (int) expected));
                backend.close();
            }
        });
        backend.closeHandler(v -> {
            if (!out.ended()) {
                out.end(body);
            }
        });
        backend.resume();
    }

    private static int indexOf(Buffer buffer, String text) {
        byte[] needle = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        outer:
        for (int i = 0; i + needle.length <= buffer.length(); i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buffer.getByte(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** A response's status line and headers. */
    record ResponseHead(int code, MultiMap headers) {
        static ResponseHead parse(String head) {
            String[] lines = head.split("\r\n");
            String[] status = lines[0].split(" ", 3);
            if (status.length < 2 || !status[0].startsWith("HTTP/")) {
                throw new IllegalArgumentException("not an HTTP response: " + lines[0]);
            }
            MultiMap headers = MultiMap.caseInsensitiveMultiMap();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.add(lines[i].substring(0, colon).strip(), lines[i].substring(colon + 1).strip());
                }
            }
            return new ResponseHead(Integer.parseInt(status[1]), headers);
        }
    }

    /**
     * Sends the 101 and hands over the client's connection. Vert.x's {@code toNetSocket} switches GET
     * requests only, but kubectl's SPDY exec, attach and port-forward are POSTs; the HTTP/1 response's
     * own {@code netSocket(method, headers)}, which {@code toNetSocket} calls, does the same switch
     * for any request when named as GET, so a POST goes through it directly.
     */
    @SuppressWarnings("unchecked")
    static Future<NetSocket> switchProtocols(HttpServerRequest request) {
        if (request.method() == io.vertx.core.http.HttpMethod.GET) {
            return request.toNetSocket();
        }
        try {
            var netSocket = request.response().getClass().getDeclaredMethod("netSocket", io.vertx.core.http.HttpMethod.class,
                    MultiMap.class);
            netSocket.setAccessible(true);
            return (Future<NetSocket>) netSocket.invoke(request.response(), io.vertx.core.http.HttpMethod.GET, request.headers());
        } catch (ReflectiveOperationException e) {
            return Future.failedFuture(new IllegalStateException("cannot switch protocols for a " + request.method() + " request", e));
        }
    }

    /** An ordinary answer: its status, headers and body as the backend sent them, streamed. */
    private static Future<Void> relay(HttpServerRequest request, HttpClientResponse response, ErrorResponder errors) {
        var out = request.response();
        if (errors != null && (response.statusCode() < 200 || response.statusCode() > 206)) {
            return response.body().map(text -> {
                errors.respond(out, response.statusCode(), text.toString(java.nio.charset.StandardCharsets.UTF_8));
                return null;
            });
        }
        out.setStatusCode(response.statusCode());
        if (response.statusMessage() != null) {
            out.setStatusMessage(response.statusMessage());
        }
        response.headers().forEach(h -> {
            if (!DROPPED_RESPONSE_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                out.headers().add(h.getKey(), h.getValue());
            }
        });
        out.setChunked(true);
        response.pipeTo(out);
        return Future.succeededFuture();
    }
}
