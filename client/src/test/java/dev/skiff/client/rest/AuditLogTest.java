package dev.skiff.client.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.apiserver.audit.AuditOptions;
import dev.skiff.apiserver.audit.Policy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kube-apiserver's audit log on a real server: real requests, the log file read back. */
class AuditLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POLICY = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            rules:
            - level: None
              nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
            - level: RequestResponse
              resources: [{group: "", resources: [pods]}]
              omitManagedFields: true
            - level: Metadata
            """;
    private static final String PLAIN_POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}""";
    private static final String PRIVILEGED_POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},"spec":{"containers":[
             {"name":"c","image":"busybox","securityContext":{"privileged":true}}]}}""";
    @TempDir
    static Path dir;
    private static AdmissionServer server;
    private static Path log;

    @BeforeAll
    static void start() throws Exception {
        log = dir.resolve("logs/audit.log");
        server = new AdmissionServer(dir.resolve("server"), new AuditOptions(Policy.parse(POLICY), log.toString(), 0, 0, 0));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The events of one request, waiting (polling, with a deadline) until its last stage is in the file. */
    private static List<JsonNode> events(String auditId, String lastStage) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
        while (true) {
            var found = new ArrayList<JsonNode>();
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    JsonNode event = JSON.readTree(line);
                    if (event.path("auditID").asText().equals(auditId)) {
                        found.add(event);
                    }
                }
            }
            if (found.stream().anyMatch(e -> e.path("stage").asText().equals(lastStage)) || Instant.now().isAfter(deadline)) {
                return found;
            }
            Thread.sleep(20);
        }
    }

    private static JsonNode last(List<JsonNode> events) {
        return events.getLast();
    }

    private static List<String> stages(List<JsonNode> events) {
        return events.stream().map(e -> e.path("stage").asText()).toList();
    }

    @Test
    void createGetListWatchAndDeleteAreLoggedWithTheirStagesLevelsAndObjects() throws Exception {
        var namespace = server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"plain\"}}");
        assertThat(namespace.code()).isEqualTo(201);
        var nsEvents = events(namespace.auditId(), "ResponseComplete");
        assertThat(stages(nsEvents)).containsExactly("RequestReceived", "ResponseComplete");
        assertThat(last(nsEvents).path("level").asText()).as("namespaces fall to the last rule").isEqualTo("Metadata");
        assertThat(last(nsEvents).has("requestObject")).isFalse();
        assertThat(last(nsEvents).path("objectRef").path("name").asText()).isEqualTo("plain");

        var created = server.post("/api/v1/namespaces/plain/pods", PLAIN_POD.formatted("web"));
        assertThat(created.code()).isEqualTo(201);
        var create = last(events(created.auditId(), "ResponseComplete"));
        assertThat(create.path("level").asText()).isEqualTo("RequestResponse");
        assertThat(create.path("verb").asText()).isEqualTo("create");
        assertThat(create.path("user").path("username").asText()).isEqualTo("system:admin");
        assertThat(create.path("sourceIPs").get(0).asText()).isEqualTo("127.0.0.1");
        assertThat(create.path("objectRef")).isEqualTo(JSON.readTree(
                "{\"resource\":\"pods\",\"namespace\":\"plain\",\"name\":\"web\",\"apiVersion\":\"v1\"}"));
        assertThat(create.path("responseStatus")).isEqualTo(JSON.readTree("{\"metadata\":{},\"code\":201}"));
        assertThat(create.at("/requestObject/metadata/name").asText()).isEqualTo("web");
        assertThat(create.at("/responseObject/metadata/uid").asText()).isEqualTo(created.body().at("/metadata/uid").asText());
        assertThat(create.at("/responseObject/metadata").has("managedFields")).as("omitManagedFields").isFalse();
        assertThat(created.body().at("/metadata").has("managedFields")).as("the client still gets them").isTrue();
        assertThat(create.path("annotations").path("authorization.k8s.io/decision").asText()).isEqualTo("allow");
        assertThat(create.path("annotations").path("pod-security.kubernetes.io/enforce-policy").asText()).isEqualTo("privileged:latest");

        var got = server.send("GET", "/api/v1/namespaces/plain/pods/web", "application/json", "");
        var get = last(events(got.auditId(), "ResponseComplete"));
        assertThat(get.path("verb").asText()).isEqualTo("get");
        assertThat(get.has("requestObject")).isFalse();
        assertThat(get.at("/responseObject/metadata/name").asText()).isEqualTo("web");

        var listed = server.send("GET", "/api/v1/namespaces/plain/pods", "application/json", "");
        var list = last(events(listed.auditId(), "ResponseComplete"));
        assertThat(list.path("verb").asText()).isEqualTo("list");
        assertThat(list.at("/responseObject/kind").asText()).isEqualTo("PodList");
        assertThat(list.at("/responseObject/items/0/metadata").has("managedFields")).isFalse();

        var watched = server.send("GET", "/api/v1/namespaces/plain/pods?watch=true&timeoutSeconds=1", "application/json", "");
        assertThat(watched.code()).isEqualTo(200);
        var watch = events(watched.auditId(), "ResponseComplete");
        assertThat(stages(watch)).containsExactly("RequestReceived", "ResponseStarted", "ResponseComplete");
        assertThat(watch.get(1).path("verb").asText()).isEqualTo("watch");
        assertThat(watch.get(1).path("responseStatus").path("code").asInt()).isEqualTo(200);
        assertThat(last(watch).path("requestURI").asText()).isEqualTo("/api/v1/namespaces/plain/pods?watch=true&timeoutSeconds=1");

        var deleted = server.send("DELETE", "/api/v1/namespaces/plain/pods/web", "application/json", "");
        assertThat(deleted.code()).isEqualTo(200);
        var delete = last(events(deleted.auditId(), "ResponseComplete"));
        assertThat(delete.path("verb").asText()).isEqualTo("delete");
        assertThat(delete.path("responseStatus").path("code").asInt()).isEqualTo(200);
    }

    @Test
    void refusedAndInvalidRequestsCarryTheirStatus() throws Exception {
        var invalid = server.post("/api/v1/namespaces/default/pods", PLAIN_POD.formatted("Not_A_Name"));
        assertThat(invalid.code()).isEqualTo(422);
        var status = last(events(invalid.auditId(), "ResponseComplete")).path("responseStatus");
        assertThat(status.path("code").asInt()).isEqualTo(422);
        assertThat(status.path("status").asText()).isEqualTo("Failure");
        assertThat(status.path("reason").asText()).isEqualTo("Invalid");
        assertThat(status.path("message").asText()).isEqualTo(invalid.body().path("message").asText());

        assertThat(server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"locked\",\"labels\":{"
                + "\"pod-security.kubernetes.io/enforce\":\"baseline\"}}}").code()).isEqualTo(201);
        var refused = server.post("/api/v1/namespaces/locked/pods", PRIVILEGED_POD.formatted("root"));
        assertThat(refused.code()).isEqualTo(403);
        var event = last(events(refused.auditId(), "ResponseComplete"));
        assertThat(event.path("responseStatus").path("reason").asText()).isEqualTo("Forbidden");
        assertThat(event.path("responseStatus").path("code").asInt()).isEqualTo(403);
        assertThat(event.path("annotations").path("pod-security.kubernetes.io/enforce-policy").asText()).isEqualTo("baseline:latest");
    }

    @Test
    void aPodFailingItsNamespacesAuditLevelIsAdmittedWithTheViolationsOnItsEvent() throws Exception {
        assertThat(server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"audited\",\"labels\":{"
                + "\"pod-security.kubernetes.io/audit\":\"baseline\"}}}").code()).isEqualTo(201);
        var admitted = server.post("/api/v1/namespaces/audited/pods", PRIVILEGED_POD.formatted("loud"));
        assertThat(admitted.code()).isEqualTo(201);
        assertThat(admitted.warnings()).isEmpty();
        var annotations = last(events(admitted.auditId(), "ResponseComplete")).path("annotations");
        assertThat(annotations.path("pod-security.kubernetes.io/audit-violations").asText()).isEqualTo(
                "would violate PodSecurity \"baseline:latest\": privileged (container \"c\" must not set securityContext.privileged=true)");
        assertThat(annotations.path("pod-security.kubernetes.io/enforce-policy").asText()).isEqualTo("privileged:latest");
    }

    @Test
    void everyAnswerCarriesTheAuditIdOfItsEventAndAFailedLoginIsLoggedToo() throws Exception {
        var http = java.net.http.HttpClient.newBuilder().sslContext(RestClients.trustingAnyServer()).build();
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url().toString().replaceAll("/$", "") + "/api/v1/pods"))
                .header("Authorization", "Bearer wrong").build();
        var response = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(401);
        String auditId = response.headers().firstValue("Audit-Id").orElseThrow();
        var failed = events(auditId, "ResponseStarted");
        assertThat(stages(failed)).containsExactly("ResponseStarted");
        assertThat(failed.getFirst().path("responseStatus").path("code").asInt()).isEqualTo(401);
        assertThat(failed.getFirst().path("user").size()).isZero();

        var version = server.send("GET", "/version", "application/json", "");
        assertThat(version.auditId()).isNotBlank();
        assertThat(last(events(version.auditId(), "ResponseComplete")).path("verb").asText()).isEqualTo("get");
    }
}
