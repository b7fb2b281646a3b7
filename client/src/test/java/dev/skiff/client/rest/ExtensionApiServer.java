package dev.skiff.client.rest;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.skiff.apiserver.pki.ClusterPki;
import dev.skiff.apiserver.pki.PemFiles;
import dev.skiff.apiserver.pki.SubjectAltNames;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * An extension API server for aggregation tests, as metrics adapters are: HTTPS on loopback with a
 * certificate for {@code <service>.kube-system.svc} from its own CA, accepting only client
 * certificates of the request-header CA the cluster publishes in
 * kube-system/extension-apiserver-authentication, taking the caller from X-Remote-* headers. It
 * answers GETs from the JSON documents the test puts by path (404 Status otherwise) and records
 * what it saw of each request. The cluster reaches it through an ExternalName service naming
 * localhost (an Endpoints address may not be loopback).
 */
public final class ExtensionApiServer implements AutoCloseable {
    /** What the server saw of a request: raw path and query, the client certificate's subject, the X-Remote-* and Authorization headers. */
    public record Seen(String path, String query, String client, String user, String groups, String authorization) {
    }

    private final String service;
    private final ClusterPki tls;
    private final HttpsServer https;
    private final Map<String, Function<String, String>> documents = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();

    /** Starts serving, and creates the ExternalName service {@code kube-system/<service>} through {@code cluster}. */
    public ExtensionApiServer(KubernetesClient cluster, String service, Path pkiDir) throws Exception {
        this.service = service;
        var auth = cluster.configMaps().inNamespace("kube-system").withName("extension-apiserver-authentication").get();
        this.tls = ClusterPki.loadOrCreate(pkiDir, new SubjectAltNames(Set.of(service + ".kube-system.svc"), Set.of()), Clock.systemUTC());
        this.https = listen(auth.getData().get("requestheader-client-ca-file"));
        cluster.services().inNamespace("kube-system").resource(new ServiceBuilder().withNewMetadata().withName(service).endMetadata()
                .withNewSpec().withType("ExternalName").withExternalName("localhost").endSpec().build()).create();
    }

    private HttpsServer listen(String requestHeaderCaPem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("request-header-ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(requestHeaderCaPem.getBytes(StandardCharsets.UTF_8))));
        var trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(tls.serving().keyManagers(), trustManagers.getTrustManagers(), null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = context.getDefaultSSLParameters();
                parameters.setNeedClientAuth(true);
                params.setSSLParameters(parameters);
            }
        });
        server.createContext("/", exchange -> {
            var peer = (X509Certificate) ((HttpsExchange) exchange).getSSLSession().getPeerCertificates()[0];
            String path = exchange.getRequestURI().getRawPath();
            var headers = exchange.getRequestHeaders();
            seen.add(new Seen(path, String.valueOf(exchange.getRequestURI().getRawQuery()), peer.getSubjectX500Principal().getName(),
                    String.valueOf(headers.getFirst("X-Remote-User")), String.valueOf(headers.get("X-Remote-Group")),
                    String.valueOf(headers.getFirst("Authorization"))));
            var document = documents.get(path);
            int status = document == null ? 404 : 200;
            String body = document == null ? "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}"
                    : document.apply(String.valueOf(exchange.getRequestURI().getRawQuery()));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return server;
    }

    /** Answers GET {@code path} (raw, as sent) with what {@code document} makes of the raw query. */
    public ExtensionApiServer serve(String path, Function<String, String> document) {
        documents.put(path, document);
        return this;
    }

    /** The APIService {@code <version>.<group>} for this server, trusting its CA. */
    public APIService apiService(String group, String version) {
        return apiService(group, version, PemFiles.encode(tls.ca().certificate()));
    }

    /** ... trusting {@code caBundlePem} instead. */
    public APIService apiService(String group, String version, String caBundlePem) {
        return new APIServiceBuilder().withNewMetadata().withName(version + "." + group).endMetadata().withNewSpec()
                .withGroup(group).withVersion(version).withGroupPriorityMinimum(100).withVersionPriority(200)
                .withNewService().withNamespace("kube-system").withName(service).withPort(https.getAddress().getPort()).endService()
                .withCaBundle(Base64.getEncoder().encodeToString(caBundlePem.getBytes(StandardCharsets.UTF_8))).endSpec().build();
    }

    /** Registers {@code apiService} and waits until the cluster reports it Available. */
    public static void register(KubernetesClient cluster, APIService apiService) throws InterruptedException {
        cluster.resources(APIService.class).resource(apiService).create();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            var current = cluster.resources(APIService.class).withName(apiService.getMetadata().getName()).get();
            if (current.getStatus() != null && current.getStatus().getConditions() != null && current.getStatus().getConditions().stream()
                    .anyMatch(c -> "Available".equals(c.getType()) && "True".equals(c.getStatus()))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(apiService.getMetadata().getName() + " did not become Available");
    }

    public java.util.List<Seen> seen() {
        return java.util.List.copyOf(seen);
    }

    public void clearSeen() {
        seen.clear();
    }

    @Override
    public void close() {
        https.stop(0);
    }
}
