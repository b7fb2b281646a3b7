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
 * answers GETs from the JSON documents the test puts by path (404 Status otherwise), with an ETag
 * and a 304 to a matching If-None-Match as kube-openapi's handlers, and records what it saw of each
 * request. {@link #serveOpenApi} adds the OpenAPI v2 and v3 documents of a kind it serves. The cluster
 * reaches it through an ExternalName service naming localhost (an Endpoints address may not be loopback).
 */
public final class ExtensionApiServer implements AutoCloseable {
    /**
     * What the server saw of a request: raw path and query, the client certificate's subject, the X-Remote-*,
     * Authorization and If-None-Match headers, and the status it answered.
     */
    public record Seen(String path, String query, String client, String user, String groups, String authorization,
                       String ifNoneMatch, int status) {
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
            var document = documents.get(path);
            String body = document == null ? "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}"
                    : document.apply(String.valueOf(exchange.getRequestURI().getRawQuery()));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            String etag = etag(bytes);
            String ifNoneMatch = headers.getFirst("If-None-Match");
            int status = document == null ? 404 : etag.equals(ifNoneMatch) ? 304 : 200;
            seen.add(new Seen(path, String.valueOf(exchange.getRequestURI().getRawQuery()), peer.getSubjectX500Principal().getName(),
                    String.valueOf(headers.getFirst("X-Remote-User")), String.valueOf(headers.get("X-Remote-Group")),
                    String.valueOf(headers.getFirst("Authorization")), String.valueOf(ifNoneMatch), status));
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            if (status == 304) {
                exchange.getResponseHeaders().add("ETag", etag);
                exchange.sendResponseHeaders(304, -1);
                exchange.close();
                return;
            }
            if (document != null) {
                exchange.getResponseHeaders().add("ETag", etag);
            }
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static String etag(byte[] body) {
        try {
            return "\"" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(body)) + "\"";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers GET {@code path} (raw, as sent) with what {@code document} makes of the raw query. */
    public ExtensionApiServer serve(String path, Function<String, String> document) {
        documents.put(path, document);
        return this;
    }

    /**
     * Serves a namespaced kind {@code <kind>} (resource {@code <kind lower-case>s}) of {@code group}/{@code version}:
     * its APIResourceList, and its OpenAPI as Go API servers built on k8s.io/apiserver do: {@code /openapi/v2}
     * with the kind's list path (its namespace parameter shared under {@code #/parameters}), the
     * kind's definitions and meta's ObjectMeta as this server describes it, plus a path and a definition of
     * another group that are not this APIService's; {@code /openapi/v3} listing {@code apis/<group>/<version>}
     * and that document. {@code description} is the kind's, so a test can change the documents.
     */
    public ExtensionApiServer serveOpenApi(String group, String version, String kind, String description) {
        String prefix = "/apis/" + group + "/" + version;
        String type = "com.example." + kind.toLowerCase(java.util.Locale.ROOT) + "." + version + "." + kind;
        String resource = kind.toLowerCase(java.util.Locale.ROOT) + "s";
        String gvk = "[{\"group\":\"" + group + "\",\"kind\":\"" + kind + "\",\"version\":\"" + version + "\"}]";
        String schemas = """
                "%1$s":{"description":"%2$s","type":"object","x-kubernetes-group-version-kind":%3$s,
                 "properties":{"apiVersion":{"type":"string"},"kind":{"type":"string"},
                  "metadata":{"$ref":"#/%4$s/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
                  "spec":{"$ref":"#/%4$s/%1$sSpec"}}},
                "%1$sSpec":{"type":"object","required":["size"],"properties":{"size":{"type":"integer","format":"int32",
                  "description":"how big the widget is"}}},
                "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta":{"description":"ObjectMeta as %5$s describes it","type":"object",
                 "properties":{"name":{"type":"string"}}},
                "com.example.Unused":{"type":"string"}""";
        serve(prefix, query -> """
                {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"%s/%s","resources":[
                 {"name":"%s","singularName":"%s","namespaced":true,"kind":"%s","verbs":["get","list"]}]}"""
                .formatted(group, version, resource, kind.toLowerCase(java.util.Locale.ROOT), kind));
        serve("/openapi/v2", query -> """
                {"swagger":"2.0","info":{"title":"%1$s","version":"v0.1.0"},
                 "paths":{
                  "%2$s/":{"get":{"operationId":"getAPIResources","produces":["application/json"],"responses":{"200":{"description":"OK"}}}},
                  "%2$s/namespaces/{namespace}/%3$s":{"parameters":[{"$ref":"#/parameters/namespace-vgWSWtn3"}],
                   "get":{"operationId":"list%4$s","produces":["application/json"],
                    "parameters":[{"name":"limit","in":"query","type":"integer","uniqueItems":true}],
                    "responses":{"200":{"description":"OK","schema":{"$ref":"#/definitions/%5$s"}},"401":{"description":"Unauthorized"}},
                    "x-kubernetes-action":"list",
                    "x-kubernetes-group-version-kind":{"group":"%6$s","kind":"%4$s","version":"%7$s"}}},
                  "/apis/other.example.com/v1/things":{"get":{"operationId":"listThings","responses":{"200":{"description":"OK"}}}}},
                 "definitions":{%8$s},
                 "parameters":{"namespace-vgWSWtn3":{"name":"namespace","in":"path","required":true,"type":"string","uniqueItems":true}}}
                """.formatted(service, prefix, resource, kind, type, group, version, schemas.formatted(type, description, gvk, "definitions", service)));
        serve("/openapi/v3", query -> """
                {"paths":{"apis/%1$s/%2$s":{"serverRelativeURL":"/openapi/v3/apis/%1$s/%2$s?hash=%3$s"}}}""".formatted(group, version,
                "0123456789ABCDEF" + description.length()));
        serve("/openapi/v3/" + prefix.substring(1), query -> """
                {"openapi":"3.0.0","info":{"title":"%1$s","version":"v0.1.0"},
                 "paths":{"%2$s/namespaces/{namespace}/%3$s":{"get":{"operationId":"list%4$s",
                  "responses":{"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/%5$s"}}}}},
                  "x-kubernetes-action":"list","x-kubernetes-group-version-kind":{"group":"%6$s","kind":"%4$s","version":"%7$s"}}}},
                 "components":{"schemas":{%8$s}}}
                """.formatted(service, prefix, resource, kind, type, group, version,
                schemas.formatted(type, description, gvk, "components/schemas", service)));
        return this;
    }

    /** Stops serving {@code path} (404 from now on). */
    public void stopServing(String path) {
        documents.remove(path);
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

    /** What the server saw of the requests proxied for callers: without the aggregator's own checks and OpenAPI downloads. */
    public java.util.List<Seen> proxied() {
        return seen.stream().filter(r -> !r.user().equals("system:kube-aggregator") && !r.user().equals("system:aggregator")).toList();
    }

    public void clearSeen() {
        seen.clear();
    }

    @Override
    public void close() {
        https.stop(0);
    }
}
