package dev.skiff.apiserver.proxy;

import dev.skiff.api.proxy.UpgradeAwareProxy;
import dev.skiff.apiserver.httpstream.wsstream.RemoteCommandChannels;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * port-forward asked for over WebSocket with {@code SPDY/3.1+portforward.k8s.io} (upstream: apiserver's
 * streamtunnel.go, KEP-4006): the client runs SPDY inside the WebSocket's binary messages, so the
 * kubelet is asked for a plain SPDY upgrade ({@code portforward.k8s.io}) and, once it agrees, the
 * WebSocket is accepted and the two are joined - each binary message's payload to the kubelet's
 * connection, each read from the kubelet as one binary message. Nothing of the SPDY inside is read.
 */
public final class StreamTunnelProxy {
    private static final Logger log = LoggerFactory.getLogger(StreamTunnelProxy.class);

    private StreamTunnelProxy() {
    }

    /** Whether a WebSocket port-forward should be tunnelled: the client offers the tunnelling subprotocol. */
    public static boolean wanted(java.util.List<String> offeredProtocols) {
        return offeredProtocols.contains(RemoteCommandChannels.PORT_FORWARD_TUNNELING);
    }

    /** As {@link StreamTranslatorProxy#serve}: the kubelet first, then the client's WebSocket; a refusal is relayed as it came. */
    public static Future<Void> serve(UpgradeAwareProxy kubelets, HttpServerRequest request, URI location) {
        return SpdyUpgrade.dial(kubelets, request, location, RemoteCommandChannels.PORT_FORWARD_SPDY).compose(answer -> {
            if (answer == null) {
                return Future.succeededFuture();
            }
            NetSocket kubelet = answer.connection();
            return request.toWebSocket().onFailure(e -> kubelet.close()).map(client -> {
                log.info("stream tunnel: {} -> SPDY {} path={} code=101", RemoteCommandChannels.PORT_FORWARD_TUNNELING,
                        RemoteCommandChannels.PORT_FORWARD_SPDY, request.path());
                join(client, kubelet, answer.rest());
                return null;
            });
        });
    }

    private static void join(ServerWebSocket client, NetSocket kubelet, Buffer early) {
        if (early.length() > 0) {
            client.writeBinaryMessage(early);
        }
        client.binaryMessageHandler(message -> {
            kubelet.write(message);
            if (kubelet.writeQueueFull()) {
                client.pause();
                kubelet.drainHandler(v -> client.resume());
            }
        });
        kubelet.handler(bytes -> {
            client.writeBinaryMessage(bytes);
            if (client.writeQueueFull()) {
                kubelet.pause();
                client.drainHandler(v -> kubelet.resume());
            }
        });
        client.closeHandler(v -> kubelet.close());
        kubelet.closeHandler(v -> client.close());
        client.exceptionHandler(e -> kubelet.close());
        kubelet.exceptionHandler(e -> client.close());
        kubelet.resume();
    }
}
