package dev.skiff.client.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.apiserver.controlplane.LocalControlPlane;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link LocalControlPlane} with upstream's default admission plugins (ServiceAccount aside, as
 * there), its fabric8 client, and plain HTTPS requests with the server token for what that client
 * does not show: the whole Status of a refusal and the Warning headers.
 */
final class AdmissionServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LocalControlPlane server;
    private final KubernetesClient client;
    private final HttpClient http;
    private final String token;

    /** A response: its status, JSON body, Warning header values and Audit-Id. */
    record Answer(int code, JsonNode body, List<String> warnings, String auditId) {
    }

    AdmissionServer(Path dir) throws Exception {
        this(dir, LocalControlPlane.start(dir));
    }

    /** A server whose admission runs as {@code options} say (with `skiff server`'s flags and configuration file). */
    AdmissionServer(Path dir, dev.skiff.apiserver.admission.AdmissionOptions options) throws Exception {
        this(dir, LocalControlPlane.start(dir, 0, options, dev.skiff.apiserver.registry.core.serviceaccount.TokenExpiration.defaults()));
    }

    /** A server auditing as {@code audit} says (with `skiff server`'s --audit-* flags). */
    AdmissionServer(Path dir, dev.skiff.apiserver.audit.AuditOptions audit) throws Exception {
        this(dir, LocalControlPlane.start(dir, audit));
    }

    private AdmissionServer(Path dir, LocalControlPlane server) throws Exception {
        this.server = server;
        this.client = RestClients.fromKubeconfig(server.kubeconfig());
        this.http = HttpClient.newBuilder().sslContext(RestClients.trustingAnyServer()).build();
        this.token = Files.readString(dir.resolve("token")).strip();
    }

    URI url() {
        return server.url();
    }

    KubernetesClient client() {
        return client;
    }

    Answer send(String method, String path, String contentType, String body) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(server.url().toString().replaceAll("/$", "") + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        var response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), JSON.readTree(response.body()), response.headers().allValues("Warning"),
                response.headers().firstValue("Audit-Id").orElse(null));
    }

    Answer post(String path, String json) throws Exception {
        return send("POST", path, "application/json", json);
    }

    @Override
    public void close() {
        client.close();
        server.close();
    }
}
