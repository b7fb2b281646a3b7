package dev.skiff.apiserver;

import dev.skiff.apiserver.admission.AdmissionChain;
import dev.skiff.apiserver.admission.AdmissionPlugin;
import dev.skiff.apiserver.audit.Auditor;
import dev.skiff.apiserver.authn.Authenticator;
import dev.skiff.apiserver.authn.RequestAuthenticator;
import dev.skiff.apiserver.authn.TokenAuthenticator;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.authn.X509Authenticator;
import dev.skiff.apiserver.authz.AlwaysAllowAuthorizer;
import dev.skiff.apiserver.authz.RequestAuthorizer;
import dev.skiff.apiserver.endpoints.HealthCheck;
import dev.skiff.apiserver.endpoints.HealthHandler;
import dev.skiff.apiserver.endpoints.Routes;
import dev.skiff.apiserver.endpoints.VersionHandler;
import dev.skiff.apiserver.http.HttpsTransport;
import dev.skiff.apiserver.http.RequestChain;
import dev.skiff.apiserver.kubeconfig.KubeconfigWriter;
import dev.skiff.apiserver.pki.ClusterPki;
import dev.skiff.apiserver.pki.ServerToken;
import dev.skiff.apiserver.pki.SubjectAltNames;
import dev.skiff.apiserver.request.MaxInFlightLimit;
import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kube-apiserver's front: the cluster PKI, HTTPS (HTTP/1.1 and HTTP/2) with client certificates,
 * the request chain, {@code /version} and the health endpoints, and whatever routes the caller
 * registers (the generic registry's {@code /api} and {@code /apis}). Writes the admin kubeconfig
 * once listening.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    private static final Duration HEALTH_CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final ClusterPki pki;
    private final String token;
    private final RequestAuthenticator authenticator;
    private final HttpsTransport transport;
    private final dev.skiff.apiserver.http.InProcessTransport inProcess;
    private final Auditor auditor;
    private final URI url;
    private final AtomicBoolean shuttingDown = new AtomicBoolean();

    private ApiServer(ApiServerConfig config, Routes routes, List<HealthCheck> checks, List<AdmissionPlugin> admission,
                      List<Authenticator> extraAuthenticators, Clock clock) {
        var sans = SubjectAltNames.forApiServer(SubjectAltNames.hostAddresses(), config.serviceIp(),
                ApiServerConfig.CLUSTER_DOMAIN, config.tlsSans());
        pki = ClusterPki.loadOrCreate(config.tlsDir(), sans, clock);
        token = ServerToken.loadOrCreate(config.tokenFile(), pki.ca().certificate());

        var authenticators = new ArrayList<Authenticator>(List.of(
                new X509Authenticator(pki.ca().certificate(), clock),
                new TokenAuthenticator(Map.of(token, new UserInfo(ClusterPki.ADMIN_USER, List.of(ClusterPki.MASTERS_GROUP))))));
        authenticators.addAll(extraAuthenticators);
        authenticator = new RequestAuthenticator(authenticators);
        auditor = Auditor.start(config.audit(), clock);
        var chain = new RequestChain(authenticator,
                new MaxInFlightLimit(config.maxRequestsInflight(), config.maxMutatingRequestsInflight()),
                new RequestAuthorizer(new AlwaysAllowAuthorizer()), new AdmissionChain(admission),
                withOwnRoutes(routes, config, checks), config.maxRequestBodyBytes(),
                dev.skiff.apiserver.pki.PemFiles.encode(pki.ca().certificate()).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                auditor, clock);
        try {
            transport = HttpsTransport.listen(config.bindAddress(), config.port(), pki, chain);
        } catch (RuntimeException e) {
            if (auditor != null) {
                auditor.close();
            }
            throw e;
        }
        inProcess = dev.skiff.apiserver.http.InProcessTransport.over(chain);
        url = URI.create("https://" + hostForUrl(config.bindAddress()) + ":" + transport.port());
        KubeconfigWriter.write(config.kubeconfig(), config.kubeconfigMode(), url.toString(), pki.ca().certificate(), pki.admin());
        log.info("apiserver listening url={} bind={} kubeconfig={}", url, config.bindAddress(), config.kubeconfig());
    }

    /** Loads or creates the PKI and token, listens, and writes the kubeconfig; throws when any of it fails. */
    public static ApiServer start(ApiServerConfig config, Routes routes, List<HealthCheck> checks) {
        return start(config, routes, checks, List.of());
    }

    /** As {@link #start(ApiServerConfig, Routes, List)}, with these admission plugins in order. */
    public static ApiServer start(ApiServerConfig config, Routes routes, List<HealthCheck> checks, List<AdmissionPlugin> admission) {
        return start(config, routes, checks, admission, List.of());
    }

    /** As {@link #start(ApiServerConfig, Routes, List, List)}, with more authenticators after the certificate and server-token ones. */
    public static ApiServer start(ApiServerConfig config, Routes routes, List<HealthCheck> checks, List<AdmissionPlugin> admission,
                                  List<Authenticator> authenticators) {
        return new ApiServer(config, routes, checks, admission, authenticators, Clock.systemUTC());
    }

    private Routes withOwnRoutes(Routes routes, ApiServerConfig config, List<HealthCheck> checks) {
        var base = new ArrayList<HealthCheck>();
        base.add(HealthCheck.of("ping", () -> { }));
        base.add(HealthCheck.of("log", () -> { }));
        base.addAll(checks);
        var ready = new ArrayList<>(base);
        // readyz fails from the moment shutdown begins, so load balancers stop sending traffic first
        ready.add(HealthCheck.of("shutdown", () -> {
            if (shuttingDown.get()) {
                throw new IllegalStateException("process is shutting down");
            }
        }));
        var version = new VersionHandler(config.version());
        // the official Python client asks for /version/; upstream's route answers both
        var builder = routes.toBuilder().exact("/version", version).exact("/version/", version);
        for (var handler : List.of(new HealthHandler("healthz", base, HEALTH_CHECK_TIMEOUT),
                new HealthHandler("livez", base, HEALTH_CHECK_TIMEOUT),
                new HealthHandler("readyz", ready, HEALTH_CHECK_TIMEOUT))) {
            builder.prefix(handler.path(), handler);
        }
        return builder.build();
    }

    /** Where clients on this host reach the server: loopback unless bound to one specific address. */
    private static String hostForUrl(String bindAddress) {
        if (bindAddress.isEmpty() || bindAddress.equals("0.0.0.0") || bindAddress.equals("::")) {
            return "127.0.0.1";
        }
        InetAddress address = SubjectAltNames.isIpLiteral(bindAddress) ? SubjectAltNames.literal(bindAddress) : null;
        if (address instanceof java.net.Inet6Address) {
            return "[" + address.getHostAddress() + "]";
        }
        return bindAddress;
    }

    public URI url() {
        return url;
    }

    public int port() {
        return transport.port();
    }

    public ClusterPki pki() {
        return pki;
    }

    public String token() {
        return token;
    }

    /** The authenticators requests go through (client certificates, the server token, service-account tokens), e.g. for TokenReviews. */
    public RequestAuthenticator authenticator() {
        return authenticator;
    }

    /**
     * fabric8 HTTP clients that send their requests through this server's request chain in this process (no TLS,
     * no sockets), for the components running beside it; {@code network} makes clients for what must go over the
     * network (requests relayed to other servers, WebSockets).
     */
    public io.fabric8.kubernetes.client.http.HttpClient.Factory inProcessClients(io.fabric8.kubernetes.client.http.HttpClient.Factory network) {
        return inProcess.httpClientFactory(network);
    }

    @Override
    public void close() {
        if (shuttingDown.compareAndSet(false, true)) {
            inProcess.close();
            transport.close();
            if (auditor != null) {
                auditor.close(); // after the transport: the last requests' events are written too
            }
            log.info("apiserver stopped url={}", url);
        }
    }
}
