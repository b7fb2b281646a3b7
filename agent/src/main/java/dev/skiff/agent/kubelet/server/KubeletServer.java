package dev.skiff.agent.kubelet.server;

import dev.skiff.agent.cri.v1.ContainerState;
import dev.skiff.agent.kuberuntime.RunningPod;
import dev.skiff.agent.kuberuntime.logs.CriLogReader;
import dev.skiff.agent.kuberuntime.logs.LogOptions;
import dev.skiff.api.proxy.ContextCalls;
import dev.skiff.api.proxy.UpgradeAwareProxy;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.grpc.StatusRuntimeException;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's server (upstream: pkg/kubelet/server) on {@code --kubelet-port}: HTTPS with a
 * self-signed serving certificate, as the kubelet makes one when given none; callers must present
 * a client certificate the cluster CA signed (the API server's kubelet client certificate), anyone
 * else gets 401. Serves container logs from the CRI log files, and exec, attach and port-forward
 * by asking the runtime for a streaming URL and proxying the caller's upgrade (SPDY/3.1 or
 * WebSocket) to the runtime's streaming server byte for byte, and the resource metrics
 * ({@code /metrics/resource}) metrics-server and skiff's metrics API scrape.
 */
public final class KubeletServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubeletServer.class);
    public static final int DEFAULT_PORT = 10250;

    private final HostInterface host;
    private final Vertx vertx;
    private final HttpServer server;
    private final UpgradeAwareProxy proxy;
    private final SelfSignedCertificate certificate;
    private final ExecutorService requests = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("kubelet-server-", 0).factory());

    private KubeletServer(HostInterface host, Vertx vertx, HttpServer server, SelfSignedCertificate certificate) {
        this.host = host;
        this.vertx = vertx;
        this.server = server;
        this.certificate = certificate;
        this.proxy = new UpgradeAwareProxy(vertx, null); // the runtime's streaming server is plain HTTP on loopback
    }

    /**
     * @param clientCa the PEM bundle client certificates must chain to (the cluster CA the agent trusts)
     */
    public static KubeletServer start(HostInterface host, String bindAddress, int port, String hostName, byte[] clientCa) {
        var vertx = Vertx.vertx();
        var certificate = SelfSignedCertificate.create(hostName);
        var options = new HttpServerOptions().setHost(bindAddress).setPort(port).setSsl(true)
                .setKeyCertOptions(certificate.keyCertOptions())
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(clientCa)))
                .setClientAuth(ClientAuth.REQUEST);
        var server = vertx.createHttpServer(options);
        var kubeletServer = new KubeletServer(host, vertx, server, certificate);
        server.requestHandler(kubeletServer::serve);
        try {
            server.listen().await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            kubeletServer.close();
            throw new IllegalStateException("the kubelet server cannot listen on " + bindAddress + ":" + port + ": " + e.getMessage(), e);
        }
        LOG.info("kubelet server listening port={}", server.actualPort());
        return kubeletServer;
    }

    public int port() {
        return server.actualPort();
    }

    /** On the event loop: authenticate, then serve on a virtual thread (the runtime calls and log reads block). */
    private void serve(HttpServerRequest request) {
        request.pause();
        if (!authenticated(request)) {
            request.response().setStatusCode(401).putHeader("Content-Type", "text/plain; charset=utf-8").end("Unauthorized");
            return;
        }
        Context context = vertx.getOrCreateContext();
        var decoder = new QueryStringDecoder(request.uri());
        List<String> path = Arrays.stream(decoder.rawPath().split("/")).filter(s -> !s.isEmpty())
                .map(s -> QueryStringDecoder.decodeComponent(s)).toList();
        Map<String, List<String>> query = decoder.parameters();
        requests.execute(() -> {
            try {
                route(request, context, path, query);
            } catch (HttpError e) {
                respond(context, request, e.status, e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("kubelet server request failed path={}: {}", decoder.rawPath(), e.toString());
                respond(context, request, 500, e.getMessage());
            }
        });
    }

    private static boolean authenticated(HttpServerRequest request) {
        try {
            // the TLS handshake verified a presented certificate against the cluster CA; no certificate means anonymous
            return request.isSSL() && !request.connection().peerCertificates().isEmpty();
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }

    private void route(HttpServerRequest request, Context context, List<String> path, Map<String, List<String>> query) {
        String method = request.method().name();
        String root = path.isEmpty() ? "" : path.getFirst();
        boolean getOrPost = method.equals("GET") || method.equals("POST");
        switch (root) {
            case "containerLogs" -> {
                if (path.size() != 4 || !method.equals("GET")) {
                    throw new HttpError(404, "404 page not found");
                }
                containerLogs(request, context, path.get(1), path.get(2), path.get(3), query);
            }
            case "exec", "attach" -> {
                if (path.size() != 4 || !getOrPost) {
                    throw new HttpError(404, "404 page not found");
                }
                refuseUnsupportedWebSocket(request, RUNTIME_EXEC_PROTOCOLS);
                execOrAttach(request, context, root, path.get(1), path.get(2), path.get(3), query);
            }
            case "portForward" -> {
                if (path.size() != 3 || !getOrPost) {
                    throw new HttpError(404, "404 page not found");
                }
                refuseUnsupportedWebSocket(request, RUNTIME_PORT_FORWARD_PROTOCOLS);
                RunningPod running = runningPod(pod(path.get(1), path.get(2)));
                List<Integer> ports = new ArrayList<>();
                for (String port : query.getOrDefault("port", List.of())) {
                    ports.add(parsePort(port));
                }
                proxyTo(request, context, cri(() -> host.runtime().portForwardUrl(running, ports)));
            }
            case "metrics" -> {
                if (path.size() != 2 || !path.get(1).equals("resource") || !method.equals("GET")) {
                    throw new HttpError(404, "404 page not found");
                }
                var metrics = host.resourceMetrics().orElseThrow(() -> new HttpError(404, "404 page not found"));
                String body = metrics.collect();
                context.runOnContext(v -> request.response().setStatusCode(200)
                        .putHeader("Content-Type", dev.skiff.agent.kubelet.metrics.collectors.ResourceMetricsCollector.CONTENT_TYPE)
                        .end(body));
            }
            default -> throw new HttpError(404, "404 page not found");
        }
    }

    private static int parsePort(String port) {
        try {
            int value = Integer.parseInt(port);
            if (value > 0 && value <= 65535) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new HttpError(400, "invalid port \"" + port + "\"");
    }

    // -- exec, attach

    private void execOrAttach(HttpServerRequest request, Context context, String kind, String namespace, String podName, String container,
                              Map<String, List<String>> query) {
        boolean tty = flag(query, "tty");
        boolean stdin = flag(query, "input") || flag(query, "stdin");
        boolean stdout = flag(query, "output") || flag(query, "stdout");
        // upstream's remotecommand options: a TTY merges stderr into stdout
        boolean stderr = !tty && (flag(query, "error") || flag(query, "stderr"));
        if (!stdin && !stdout && !stderr) {
            throw new HttpError(400, "you must specify at least 1 of stdin, stdout, stderr");
        }
        Pod pod = pod(namespace, podName);
        RunningPod running = runningPod(pod);
        if (!running.containerIds().containsKey(container)) {
            throw new HttpError(500, "container not found (\"" + container + "\")");
        }
        String url;
        if (kind.equals("exec")) {
            List<String> command = query.getOrDefault("command", List.of());
            if (command.isEmpty()) {
                throw new HttpError(400, "you must specify a command");
            }
            url = cri(() -> host.runtime().execUrl(running, container, command, tty, stdin, stdout, stderr));
        } else {
            url = cri(() -> host.runtime().attachUrl(running, container, tty, stdin, stdout, stderr));
        }
        proxyTo(request, context, url);
    }

    private static boolean flag(Map<String, List<String>> query, String name) {
        var values = query.get(name);
        return values != null && !values.isEmpty() && (values.getFirst().equals("1") || values.getFirst().equalsIgnoreCase("true"));
    }

    /** A runtime call; its gRPC error as the HTTP status upstream's streaming.WriteError gives it. */
    private static String cri(Supplier<String> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            int status = switch (e.getStatus().getCode()) {
                case NOT_FOUND -> 404;
                case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
                case UNAVAILABLE -> 503;
                default -> 500;
            };
            throw new HttpError(status, e.getStatus().getDescription() == null ? e.getStatus().getCode().toString()
                    : e.getStatus().getDescription());
        }
    }

    /** The WebSocket subprotocols the runtime's (containerd 1.6's) legacy streaming server speaks for exec and attach. */
    static final java.util.Set<String> RUNTIME_EXEC_PROTOCOLS = java.util.Set.of("", "channel.k8s.io", "base64.channel.k8s.io",
            "v4.channel.k8s.io", "v4.base64.channel.k8s.io");
    /** ... and for port-forward. */
    static final java.util.Set<String> RUNTIME_PORT_FORWARD_PROTOCOLS = java.util.Set.of("", "v4.channel.k8s.io", "v4.base64.channel.k8s.io");

    /**
     * A WebSocket upgrade asking only for subprotocols the runtime lacks (kubectl 1.30+ asks for
     * v5.channel.k8s.io, and tunnels port-forward as SPDY/3.1+portforward.k8s.io) is refused here with
     * 403, as a legacy streaming server refuses it (kubectl never gets here: the API server translates
     * v5 and the tunnel to SPDY first; a direct caller can then fall back to SPDY). The runtime itself
     * would write its 403 and then keep the connection open, leaving the client waiting.
     */
    private static void refuseUnsupportedWebSocket(HttpServerRequest request, java.util.Set<String> supported) {
        String upgrade = request.getHeader("Upgrade");
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            return;
        }
        List<String> requested = new ArrayList<>();
        for (String header : request.headers().getAll("Sec-WebSocket-Protocol")) {
            for (String protocol : header.split(",")) {
                requested.add(protocol.strip());
            }
        }
        if (requested.isEmpty()) {
            requested.add("");
        }
        if (requested.stream().noneMatch(supported::contains)) {
            throw new HttpError(403, "requested protocol(s) are not supported: " + requested + "; supports "
                    + supported.stream().sorted().toList());
        }
    }

    private void proxyTo(HttpServerRequest request, Context context, String url) {
        Throwable failed = ContextCalls.await(context, () -> {
            var body = request.body();
            request.resume();
            return body.compose(b -> proxy.proxy(request, URI.create(url), b));
        });
        if (failed != null) {
            throw new HttpError(500, "error proxying to the container runtime's streaming server: " + failed.getMessage());
        }
    }

    // -- logs

    private void containerLogs(HttpServerRequest request, Context context, String namespace, String podName, String container,
                               Map<String, List<String>> query) {
        LogOptions options = logOptions(query);
        boolean previous = flag(query, "previous");
        Pod pod = host.podByName(namespace, podName).orElseThrow(() -> new HttpError(404, "pod \"" + podName + "\" does not exist"));
        if (pod.getSpec().getContainers().stream().map(Container::getName).noneMatch(container::equals)) {
            throw new HttpError(404, "container \"" + container + "\" not found in pod \"" + podName + "\"");
        }
        validateLogStatus(pod, container, previous);
        RunningPod running = runningPod(pod);
        var status = host.runtime().runtimeStatus(running, container);
        if (status == null) {
            throw new HttpError(400, "container \"" + container + "\" in pod \"" + podName + "\" is waiting to start - no logs yet");
        }
        boolean isRunning = status.getState() == ContainerState.CONTAINER_RUNNING;
        int attempt = (int) status.getMetadata().getAttempt() - (previous && isRunning ? 1 : 0);
        var file = host.runtime().logFile(running, container, attempt);
        if (!java.nio.file.Files.exists(file)) {
            throw new HttpError(400, "previous terminated container \"" + container + "\" in pod \"" + podName + "\" not found");
        }
        var out = request.response();
        await(context, () -> {
            out.setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/plain");
            return out.writeHead();
        });
        boolean follow = options.follow() && !previous && isRunning;
        var sink = new CriLogReader.Sink() {
            @Override
            public boolean write(byte[] bytes) {
                return await(context, () -> out.write(Buffer.buffer(bytes)));
            }

            @Override
            public boolean open() {
                return !out.closed();
            }
        };
        try {
            CriLogReader.readLogs(file, new LogOptions(options.tail(), options.since(), options.limitBytes(), follow,
                    options.timestamps()), sink, () -> stillRunning(running, container, status.getId()));
        } catch (java.io.IOException e) {
            LOG.warn("reading the log of {}/{}/{} failed: {}", namespace, podName, container, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        await(context, out::end);
    }

    private boolean stillRunning(RunningPod running, String container, String id) {
        var now = host.runtime().runtimeStatus(running, container);
        return now != null && now.getId().equals(id) && now.getState() == ContainerState.CONTAINER_RUNNING;
    }

    /** The PodLogOptions query as the kubelet decodes it; bad values are 400s, as the kubelet's decoding errors are. */
    static LogOptions logOptions(Map<String, List<String>> query) {
        long tail = number(query, "tailLines", -1);
        long limitBytes = number(query, "limitBytes", -1);
        long sinceSeconds = number(query, "sinceSeconds", -1);
        Instant since = null;
        var sinceTime = query.get("sinceTime");
        if (sinceTime != null && !sinceTime.isEmpty()) {
            try {
                since = Instant.parse(sinceTime.getFirst());
            } catch (DateTimeParseException e) {
                throw new HttpError(400, "{\"message\": \"Unable to decode query.\"}");
            }
        } else if (sinceSeconds > 0) {
            since = Instant.now().minus(Duration.ofSeconds(sinceSeconds));
        }
        return new LogOptions(tail, since, limitBytes, flag(query, "follow"), flag(query, "timestamps"));
    }

    private static long number(Map<String, List<String>> query, String name, long absent) {
        var values = query.get(name);
        if (values == null || values.isEmpty()) {
            return absent;
        }
        try {
            return Long.parseLong(values.getFirst());
        } catch (NumberFormatException e) {
            throw new HttpError(400, "{\"message\": \"Unable to decode query.\"}");
        }
    }

    /** Upstream's validateContainerLogStatus over the pod's reported status: which states have logs to show. */
    private static void validateLogStatus(Pod pod, String container, boolean previous) {
        String podName = pod.getMetadata().getName();
        ContainerStatus status = pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null ? null
                : pod.getStatus().getContainerStatuses().stream().filter(s -> container.equals(s.getName())).findFirst().orElse(null);
        String quoted = "container \"" + container + "\" in pod \"" + podName + "\"";
        if (status == null) {
            throw new HttpError(400, quoted + " is not available");
        }
        var last = status.getLastState() == null ? null : status.getLastState().getTerminated();
        var state = status.getState();
        if (previous) {
            if (last == null) {
                throw new HttpError(400, "previous terminated " + quoted + " not found");
            }
            return;
        }
        if (state != null && (state.getRunning() != null || state.getTerminated() != null) || last != null) {
            return;
        }
        String reason = state == null || state.getWaiting() == null ? null : state.getWaiting().getReason();
        if (reason == null) {
            throw new HttpError(400, quoted + " is waiting to start - no logs yet");
        }
        throw new HttpError(400, quoted + " is waiting to start: " + switch (reason) {
            case "ErrImagePull" -> "image can't be pulled";
            case "ImagePullBackOff" -> "trying and failing to pull image";
            default -> reason;
        });
    }

    // -- shared

    private Pod pod(String namespace, String name) {
        return host.podByName(namespace, name).orElseThrow(() -> new HttpError(404, "pod does not exist"));
    }

    private RunningPod runningPod(Pod pod) {
        return host.runningPod(pod.getMetadata().getUid()).orElseThrow(() -> new HttpError(500,
                "pod \"" + pod.getMetadata().getName() + "\" is not running on this node"));
    }

    private static void respond(Context context, HttpServerRequest request, int status, String message) {
        context.runOnContext(v -> {
            if (request.response().headWritten()) {
                request.response().end();
                return;
            }
            request.response().setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8")
                    .end(Buffer.buffer(String.valueOf(message).getBytes(StandardCharsets.UTF_8)));
        });
    }

    /** Runs a Vert.x operation on the context and waits for it; false when it failed (the caller has gone). */
    private static boolean await(Context context, Supplier<Future<Void>> operation) {
        return ContextCalls.await(context, operation) == null;
    }

    /** A failure answered with this status and the message as plain text, as the kubelet's WriteError does. */
    private static final class HttpError extends RuntimeException {
        final int status;

        HttpError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    @Override
    public void close() {
        try {
            server.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("closing the kubelet server failed: {}", e.toString());
        }
        requests.shutdownNow();
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("closing Vert.x failed: {}", e.toString());
        }
        certificate.delete();
    }
}
