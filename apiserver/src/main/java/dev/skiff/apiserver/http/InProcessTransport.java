package dev.skiff.apiserver.http;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.StandardHttpClient;
import io.fabric8.kubernetes.client.http.StandardHttpClientBuilder;
import io.fabric8.kubernetes.client.http.StandardHttpRequest;
import io.fabric8.kubernetes.client.http.StandardWebSocketBuilder;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.fabric8.kubernetes.client.http.WebSocketResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * The API server's request chain offered to clients in the same process - the scheduler, the
 * controllers, the agent and DNS inside {@code skiff server} - without TLS, HTTP framing or sockets: a
 * fabric8 HTTP client whose requests become {@link Exchange}s served on a virtual thread each, as the
 * network's are, through every stage of the chain (authentication by the client certificate the client
 * was configured with, authorization, limits, admission, audit). Requests and answers keep their
 * encoding (JSON), so clients and server see exactly what they would over the network. Upstream's API
 * server talks to itself over a loopback connection instead; here that cost is what the components
 * inside the server paid for every call and watch event (see docs/architecture.md).
 *
 * <p>What the chain hands on to another server (a kubelet's logs, exec and port-forward; aggregated APIs are not: the
 * aggregator fetches those itself, in this process too)
 * and WebSockets go over the network, through a client of {@code network}'s making with the same TLS settings.
 */
public final class InProcessTransport implements AutoCloseable {
    private final RequestChain chain;
    private final ExecutorService requests = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("apiserver-in-process-", 0).factory());

    private InProcessTransport(RequestChain chain) {
        this.chain = chain;
    }

    public static InProcessTransport over(RequestChain chain) {
        return new InProcessTransport(chain);
    }

    /** fabric8 HTTP clients served by this transport; {@code network} makes the ones for what must go over the network. */
    public HttpClient.Factory httpClientFactory(HttpClient.Factory network) {
        return new ClientFactory(this, network);
    }

    /** Serves {@code request} on a virtual thread; the answer, or the failure to answer, completes the exchange's response. */
    InProcessExchange serve(StandardHttpRequest request, List<X509Certificate> peers, AsyncBody.Consumer<List<ByteBuffer>> consumer)
            throws IOException {
        var headers = new LinkedHashMap<String, List<String>>();
        request.headers().forEach((name, values) ->
                headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
        byte[] body = body(request.body());
        if (request.getContentType() != null) {
            headers.put("content-type", List.of(request.getContentType())); // as the JDK client sets it, over any header given
        }
        if (request.body() != null) {
            headers.put("content-length", List.of(String.valueOf(body.length)));
        }
        if (request.uri().getRawAuthority() != null) {
            headers.putIfAbsent("host", List.of(request.uri().getRawAuthority()));
        }
        headers.replaceAll((k, v) -> List.copyOf(v));
        var exchange = new InProcessExchange(request, Map.copyOf(headers), body, peers, consumer);
        try {
            requests.execute(() -> {
                Throwable failure = null;
                try {
                    chain.serve(exchange);
                } catch (Throwable e) {
                    failure = e;
                    throw e;
                } finally {
                    exchange.finish(failure);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IOException("the API server is shutting down");
        }
        return exchange;
    }

    private static byte[] body(StandardHttpRequest.BodyContent content) throws IOException {
        return switch (content) {
            case null -> new byte[0];
            case StandardHttpRequest.ByteArrayBodyContent bytes -> bytes.getContent();
            case StandardHttpRequest.StringBodyContent text -> text.getContent().getBytes(StandardCharsets.UTF_8);
            case StandardHttpRequest.InputStreamBodyContent stream -> {
                try (InputStream in = stream.getContent()) {
                    yield in.readAllBytes();
                }
            }
            default -> throw new IllegalArgumentException("unsupported request body " + content.getClass().getName());
        };
    }

    /** The certificate chain a client configured with {@code keyManagers} would present in a TLS handshake; empty for none. */
    static List<X509Certificate> clientCertificates(KeyManager[] keyManagers) {
        if (keyManagers == null) {
            return List.of();
        }
        for (KeyManager manager : keyManagers) {
            if (manager instanceof X509KeyManager x509) {
                for (String keyType : List.of("EC", "RSA", "Ed25519")) {
                    String[] aliases = x509.getClientAliases(keyType, null);
                    for (String alias : aliases == null ? new String[0] : aliases) {
                        X509Certificate[] certificates = x509.getCertificateChain(alias);
                        if (certificates != null && certificates.length > 0) {
                            return List.of(certificates);
                        }
                    }
                }
            }
        }
        return List.of();
    }

    /** Ends every request still being served (watches among them: their streams end, as when a server goes away). */
    @Override
    public void close() {
        requests.shutdownNow();
    }

    static final class ClientFactory implements HttpClient.Factory {
        private final InProcessTransport transport;
        private final HttpClient.Factory network;

        ClientFactory(InProcessTransport transport, HttpClient.Factory network) {
            this.transport = transport;
            this.network = network;
        }

        @Override
        public ClientBuilder newBuilder() {
            return new ClientBuilder(this);
        }
    }

    static final class ClientBuilder extends StandardHttpClientBuilder<Client, ClientFactory, ClientBuilder> {
        ClientBuilder(ClientFactory factory) {
            super(factory);
        }

        @Override
        protected ClientBuilder newInstance(ClientFactory factory) {
            return new ClientBuilder(factory);
        }

        @Override
        public Client build() {
            if (client != null) { // a derived client: the parent's closed flag and network twin (TLS cannot differ)
                return new Client(this, client.getClosed(), client.peers, client.twin);
            }
            var keys = keyManagers;
            var trust = trustManagers;
            var connect = connectTimeout;
            var http11 = preferHttp11;
            var versions = tlsVersions;
            var serverName = tlsServerName;
            var redirects = followRedirects;
            var network = clientFactory.network;
            return new Client(this, new AtomicBoolean(), clientCertificates(keyManagers), new Twin(() -> {
                var networkBuilder = network.newBuilder();
                networkBuilder.sslContext(keys, trust);
                if (connect != null) {
                    networkBuilder.connectTimeout(connect.toMillis(), TimeUnit.MILLISECONDS);
                }
                if (http11) {
                    networkBuilder.preferHttp11();
                }
                if (versions != null) {
                    networkBuilder.tlsVersions(versions);
                }
                if (serverName != null) {
                    networkBuilder.tlsServerName(serverName);
                }
                if (redirects) {
                    networkBuilder.followAllRedirects();
                }
                return (StandardHttpClient<?, ?, ?>) networkBuilder.build();
            }));
        }
    }

    /** The network client a client and its derived clients share, built on first need and closed with them. */
    static final class Twin {
        private final java.util.function.Supplier<StandardHttpClient<?, ?, ?>> make;
        private StandardHttpClient<?, ?, ?> client;

        Twin(java.util.function.Supplier<StandardHttpClient<?, ?, ?>> make) {
            this.make = make;
        }

        synchronized StandardHttpClient<?, ?, ?> get() {
            if (client == null) {
                client = make.get();
            }
            return client;
        }

        synchronized void close() {
            if (client != null) {
                client.close();
            }
        }
    }

    /** A fabric8 HTTP client over the transport. */
    static final class Client extends StandardHttpClient<Client, ClientFactory, ClientBuilder> {
        private final List<X509Certificate> peers;
        private final Twin twin;

        Client(ClientBuilder builder, AtomicBoolean closed, List<X509Certificate> peers, Twin twin) {
            super(builder, closed);
            this.peers = peers;
            this.twin = twin;
        }

        @Override
        public CompletableFuture<HttpResponse<AsyncBody>> consumeBytesDirect(StandardHttpRequest request,
                                                                             AsyncBody.Consumer<List<ByteBuffer>> consumer) {
            if (isClosed()) {
                return CompletableFuture.failedFuture(new IOException("the HTTP client is closed"));
            }
            InProcessExchange exchange;
            try {
                exchange = builder.getClientFactory().transport.serve(request, peers, consumer);
            } catch (IOException | RuntimeException e) {
                return CompletableFuture.failedFuture(e instanceof IOException ? e : new IOException(e.getMessage(), e));
            }
            CompletableFuture<HttpResponse<AsyncBody>> answer = exchange.response().exceptionallyCompose(e ->
                    e instanceof InProcessExchange.Relayed || e.getCause() instanceof InProcessExchange.Relayed
                            ? twin.get().consumeBytesDirect(request, consumer)
                            : CompletableFuture.failedFuture(e));
            Duration timeout = request.getTimeout();
            if (timeout != null && !timeout.isZero() && !timeout.isNegative() && !request.isForStreaming()) {
                // as the JDK client's request timeout: no answer begun in time is an HttpTimeoutException, an IOException
                // fabric8 retries like any other connection failure; the server goes on with the request, as it would
                // after a client hung up, and an answer that comes after all is cancelled unread
                answer = answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).exceptionallyCompose(e -> {
                    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (!(cause instanceof java.util.concurrent.TimeoutException)) {
                        return CompletableFuture.failedFuture(cause);
                    }
                    exchange.response().thenAccept(late -> late.body().cancel());
                    return CompletableFuture.failedFuture(new java.net.http.HttpTimeoutException("request timed out after " + timeout.toMillis() + " ms"));
                });
            }
            return answer;
        }

        @Override
        public CompletableFuture<WebSocketResponse> buildWebSocketDirect(StandardWebSocketBuilder webSocketBuilder, WebSocket.Listener listener) {
            return twin.get().buildWebSocketDirect(webSocketBuilder, listener);
        }

        @Override
        protected void doClose() {
            twin.close();
        }
    }
}
