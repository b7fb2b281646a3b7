package dev.skiff.apiserver.proxy;

import static dev.skiff.apiserver.httpstream.wsstream.RemoteCommandChannels.CLOSE;
import static dev.skiff.apiserver.httpstream.wsstream.RemoteCommandChannels.ERROR;
import static dev.skiff.apiserver.httpstream.wsstream.RemoteCommandChannels.RESIZE;
import static dev.skiff.apiserver.httpstream.wsstream.RemoteCommandChannels.STDERR;
import static dev.skiff.apiserver.httpstream.wsstream.RemoteCommandChannels.STDIN;
import static dev.skiff.apiserver.httpstream.wsstream.RemoteCommandChannels.STDOUT;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.proxy.UpgradeAwareProxy;
import dev.skiff.apiserver.endpoints.Json;
import dev.skiff.apiserver.httpstream.spdy.SpdyFraming;
import dev.skiff.apiserver.httpstream.wsstream.RemoteCommandChannels;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetSocket;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * exec and attach asked for over WebSocket {@code v5.channel.k8s.io}, which the runtime's streaming
 * server does not speak (upstream: apiserver's StreamTranslatorHandler, KEP-4006): the client's
 * WebSocket ends here and the kubelet is spoken to as a SPDY client of remotecommand v4 - one SPDY
 * stream per channel, named by its {@code streamtype} header. stdin, resize and v5's CLOSE of stdin
 * (a FIN on the SPDY stdin stream) flow to the kubelet, stdout and stderr back; once the kubelet's
 * error stream and the output streams have ended, its Status (Success, or NonZeroExitCode with the
 * ExitCode cause) goes to the client on the error channel and the WebSocket closes. Everything runs
 * on the request's event loop, so the session's state has that one owner.
 */
public final class StreamTranslatorProxy {
    private static final Logger log = LoggerFactory.getLogger(StreamTranslatorProxy.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper STATUS_READER = new com.fasterxml.jackson.databind.ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private StreamTranslatorProxy() {
    }

    /**
     * Dials the kubelet's SPDY upgrade first, then accepts the client's WebSocket. Call on the request's
     * context; completes once the client has its answer (the WebSocket open, or the kubelet's refusal
     * relayed), fails with nothing sent when the kubelet cannot be reached.
     */
    public static Future<Void> serve(UpgradeAwareProxy kubelets, HttpServerRequest request, URI location, StreamOptions options) {
        return SpdyUpgrade.dial(kubelets, request, location, RemoteCommandChannels.V4).compose(answer -> {
            if (answer == null) {
                return Future.succeededFuture();
            }
            String agreed = answer.headers().get("X-Stream-Protocol-Version");
            if (!RemoteCommandChannels.V4.equals(agreed)) {
                answer.connection().close();
                return Future.failedFuture(new IllegalStateException("the kubelet agreed to protocol " + agreed + ", not "
                        + RemoteCommandChannels.V4));
            }
            return request.toWebSocket().onFailure(e -> answer.connection().close()).map(ws -> {
                new Session(ws, answer.connection(), options, request.path()).start(answer.rest());
                return null;
            });
        });
    }

    /** One translated exec or attach: the client's WebSocket, the kubelet's SPDY connection, and which stream is which. */
    private static final class Session {
        private final ServerWebSocket client;
        private final NetSocket kubelet;
        private final StreamOptions options;
        private final String path;
        private final SpdyFraming spdy = new SpdyFraming();
        private final Set<Integer> openOutputs = new HashSet<>();
        private final ByteArrayOutputStream errorStream = new ByteArrayOutputStream();
        private int nextStreamId = 1;
        private int errorId;
        private int stdinId = -1;
        private int stdoutId = -1;
        private int stderrId = -1;
        private int resizeId = -1;
        private boolean errorDone;
        private boolean stdinClosed;
        private boolean finished;

        Session(ServerWebSocket client, NetSocket kubelet, StreamOptions options, String path) {
            this.client = client;
            this.kubelet = kubelet;
            this.options = options;
            this.path = path;
        }

        /** Opens the SPDY streams in client-go's order (error, stdin, stdout, stderr, resize) and starts both directions. */
        void start(Buffer early) {
            errorId = open("error");
            if (options.stdin()) {
                stdinId = open("stdin");
            }
            if (options.stdout()) {
                stdoutId = open("stdout");
                openOutputs.add(stdoutId);
            }
            if (options.stderr() && !options.tty()) {
                stderrId = open("stderr");
                openOutputs.add(stderrId);
            }
            if (options.tty()) {
                resizeId = open("resize");
            }
            kubelet.handler(this::fromKubelet);
            kubelet.closeHandler(v -> finish(errorDone || errorStream.size() > 0 ? kubeletStatus()
                    : failure(ApiException.internal("error reading from error stream: the kubelet closed the connection"))));
            kubelet.exceptionHandler(e -> log.debug("stream translator: kubelet connection failed path={}: {}", path, e.toString()));
            client.binaryMessageHandler(this::fromClient);
            client.textMessageHandler(text -> { });
            client.exceptionHandler(e -> log.debug("stream translator: client connection failed path={}: {}", path, e.toString()));
            client.closeHandler(v -> {
                if (!finished) {
                    finished = true;
                    log.info("stream translator: the client left path={}", path);
                    kubelet.close();
                    spdy.close();
                }
            });
            if (early.length() > 0) {
                fromKubelet(early);
            }
            kubelet.resume();
        }

        private int open(String streamType) {
            int id = nextStreamId;
            nextStreamId += 2;
            var headers = new LinkedHashMap<String, String>();
            headers.put("streamtype", streamType);
            kubelet.write(Buffer.buffer(spdy.synStream(id, headers)));
            return id;
        }

        private void fromClient(Buffer message) {
            if (finished || message.length() == 0) {
                return;
            }
            int channel = message.getUnsignedByte(0);
            byte[] payload = message.getBytes(1, message.length());
            switch (channel) {
                case STDIN -> {
                    if (stdinId > 0 && !stdinClosed && payload.length > 0) {
                        toKubelet(spdy.data(stdinId, payload, false));
                    }
                }
                case RESIZE -> {
                    if (resizeId > 0) {
                        toKubelet(spdy.data(resizeId, payload, false));
                    }
                }
                case CLOSE -> {
                    if (payload.length > 0 && payload[0] == STDIN && stdinId > 0 && !stdinClosed) {
                        stdinClosed = true;
                        toKubelet(spdy.data(stdinId, new byte[0], true));
                    }
                }
                default -> log.debug("stream translator: ignored a message on channel {} path={}", channel, path);
            }
        }

        /** Writes to the kubelet; the client is paused while the kubelet's write queue is full. */
        private void toKubelet(byte[] frame) {
            kubelet.write(Buffer.buffer(frame));
            if (kubelet.writeQueueFull()) {
                client.pause();
                kubelet.drainHandler(v -> client.resume());
            }
        }

        private void fromKubelet(Buffer bytes) {
            if (finished) {
                return;
            }
            java.util.List<Object> frames;
            try {
                frames = spdy.decode(bytes.getBytes());
            } catch (RuntimeException e) {
                finish(failure(ApiException.internal("the kubelet's SPDY stream is broken: " + e.getMessage())));
                return;
            }
            for (Object frame : frames) {
                switch (frame) {
                    case SpdyFraming.SpdyData data -> {
                        if (data.streamId() == stdoutId) {
                            toClient(STDOUT, data.payload());
                        } else if (data.streamId() == stderrId) {
                            toClient(STDERR, data.payload());
                        } else if (data.streamId() == errorId) {
                            errorStream.writeBytes(data.payload());
                        }
                        if (data.last()) {
                            ended(data.streamId());
                        }
                    }
                    case SpdyRstStreamFrame reset -> ended(reset.streamId());
                    case SpdyPingFrame ping -> kubelet.write(Buffer.buffer(spdy.ping(ping.id())));
                    default -> { } // SYN_REPLY, SETTINGS, WINDOW_UPDATE, GOAWAY (the close follows)
                }
                if (finished) {
                    return;
                }
            }
        }

        /** Writes one channel message to the client; the kubelet is paused while the client's write queue is full. */
        private void toClient(int channel, byte[] payload) {
            client.writeBinaryMessage(Buffer.buffer(payload.length + 1).appendByte((byte) channel).appendBytes(payload));
            if (client.writeQueueFull()) {
                kubelet.pause();
                client.drainHandler(v -> kubelet.resume());
            }
        }

        private void ended(int streamId) {
            if (streamId == errorId) {
                errorDone = true;
            }
            openOutputs.remove(streamId);
            if (errorDone && openOutputs.isEmpty()) {
                finish(kubeletStatus());
            }
        }

        /** What the kubelet wrote on its error stream: a Status under v4 (Success when it wrote nothing). */
        private Outcome kubeletStatus() {
            byte[] written = errorStream.toByteArray();
            if (written.length == 0) {
                return new Outcome(Json.write(new StatusBuilder().withNewMetadata().endMetadata().withStatus("Success").build()), 200);
            }
            try {
                Status status = STATUS_READER.readValue(written, Status.class);
                boolean ran = "Success".equals(status.getStatus()) || "NonZeroExitCode".equals(status.getReason());
                return new Outcome(written, ran ? 200 : status.getCode() == null || status.getCode() == 0 ? 500 : status.getCode());
            } catch (java.io.IOException e) {
                return failure(ApiException.internal("error stream: " + new String(written, java.nio.charset.StandardCharsets.UTF_8)));
            }
        }

        private static Outcome failure(ApiException e) {
            return new Outcome(Json.write(e.status()), e.code());
        }

        /** The Status on the error channel, then a normal close; counted once (upstream's apiserver_stream_translator_requests_total). */
        private void finish(Outcome outcome) {
            if (finished) {
                return;
            }
            finished = true;
            log.info("stream translator: {} -> SPDY {} path={} code={}", RemoteCommandChannels.V5, RemoteCommandChannels.V4, path, outcome.code());
            byte[] status = outcome.status();
            client.writeBinaryMessage(Buffer.buffer(status.length + 1).appendByte((byte) ERROR).appendBytes(status))
                    .onComplete(r -> client.close());
            kubelet.close();
            spdy.close();
        }
    }

    private record Outcome(byte[] status, int code) {
    }

    /** Whether a WebSocket exec or attach should be translated: the client offers v5 (upstream translates only then). */
    public static boolean wanted(java.util.List<String> offeredProtocols) {
        return offeredProtocols.contains(RemoteCommandChannels.V5);
    }
}
