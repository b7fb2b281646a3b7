package dev.skiff.apiserver.http;

import dev.skiff.apiserver.pki.ClusterPki;
import dev.skiff.apiserver.pki.PemFiles;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTPS on Vert.x: TLS with the serving certificate, client certificates requested (and, when
 * sent, verified against the cluster CA during the handshake, as kube-apiserver's
 * VerifyClientCertIfGiven), HTTP/2 by ALPN with HTTP/1.1 beside it, TLS 1.2 clients without
 * signature_algorithms and with one message per handshake record served as Go serves them
 * ({@link HandshakeSignatures}, {@link HandshakeRecords}). The event loop only accepts
 * and does I/O; each request's chain runs on its own virtual thread.
 */
public final class HttpsTransport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpsTransport.class);
    /** kube-apiserver's --http2-max-streams-per-connection default in use by most distributions. */
    private static final int HTTP2_MAX_STREAMS = 1000;

    private final Vertx vertx;
    private final HttpServer server;
    private final ExecutorService requests;

    private HttpsTransport(Vertx vertx, HttpServer server, ExecutorService requests) {
        this.vertx = vertx;
        this.server = server;
        this.requests = requests;
    }

    public static HttpsTransport listen(String host, int port, ClusterPki pki, RequestChain chain) {
        HandshakeSignatures.allowSha1ForClientsWithoutSignatureAlgorithms(); // busybox wget's TLS, as Go's crypto/tls serves it
        var options = new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setSsl(true)
                .setSslEngineOptions(HandshakeRecords.engineOptions())
                .setUseAlpn(true)
                .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setCertValue(Buffer.buffer(PemFiles.encode(pki.serving().certificate())))
                        .setKeyValue(Buffer.buffer(PemFiles.encode(pki.serving().key()))))
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(PemFiles.encode(pki.ca().certificate()))))
                .setClientAuth(ClientAuth.REQUEST)
                // the WebSocket subprotocols the API server ends itself (exec/attach translated to SPDY, port-forward's tunnel)
                .setWebSocketSubProtocols(List.of(dev.skiff.apiserver.httpstream.wsstream.RemoteCommandChannels.V5,
                        dev.skiff.apiserver.httpstream.wsstream.RemoteCommandChannels.PORT_FORWARD_TUNNELING))
                .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(HTTP2_MAX_STREAMS));
        var vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors())));
        var requests = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("apiserver-request-", 0).factory());
        // kubelets are reached with the kubelet client certificate; their self-signed serving certificates are not
        // verified, as upstream's API server does without --kubelet-certificate-authority
        var kubelets = new dev.skiff.api.proxy.UpgradeAwareProxy(vertx, new PemKeyCertOptions()
                .setCertValue(Buffer.buffer(PemFiles.encode(pki.kubeletClient().certificate())))
                .setKeyValue(Buffer.buffer(PemFiles.encode(pki.kubeletClient().key()))));
        var server = vertx.createHttpServer(options).requestHandler(request -> {
            var exchange = new VertxExchange(request, vertx.getOrCreateContext(), kubelets);
            requests.execute(() -> chain.serve(exchange));
        });
        try {
            server.listen().await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            requests.shutdownNow();
            vertx.close();
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        return new HttpsTransport(vertx, server, requests);
    }

    public int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        try {
            server.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("closing the HTTPS server failed: {}", e.toString());
        }
        requests.shutdownNow();
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("closing Vert.x failed: {}", e.toString());
        }
    }
}
