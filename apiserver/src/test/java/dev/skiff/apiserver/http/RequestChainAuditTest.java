package dev.skiff.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.apiserver.admission.AdmissionChain;
import dev.skiff.apiserver.audit.AuditOptions;
import dev.skiff.apiserver.audit.Auditor;
import dev.skiff.apiserver.audit.Policy;
import dev.skiff.apiserver.authn.RequestAuthenticator;
import dev.skiff.apiserver.authn.TokenAuthenticator;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.authz.AlwaysAllowAuthorizer;
import dev.skiff.apiserver.authz.Authorizer;
import dev.skiff.apiserver.authz.RequestAuthorizer;
import dev.skiff.apiserver.endpoints.Routes;
import dev.skiff.apiserver.request.MaxInFlightLimit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The events the request chain writes, read back from the audit log: stages, levels, bodies, status, annotations. */
class RequestChainAuditTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "alice-token";
    private static final UserInfo ALICE = new UserInfo("alice", "u-1", List.of("devs"), Map.of("scopes", List.of("a")));
    private static final String POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default","resourceVersion":"7",
             "managedFields":[{"manager":"kubectl"}]},"spec":{}}""";

    private static final String GONE = """
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)",
             "reason":"Expired","code":410}""";

    @TempDir
    Path dir;

    private final Routes routes = Routes.builder()
            .prefix("/api", (request, response) -> {
                if (request.path().endsWith("/boom")) {
                    throw new IllegalStateException("boom");
                }
                if ("true".equals(request.queryParam("watch"))) { // a watch from a compacted revision, refused at once
                    response.send(410, "application/json", Map.of(), GONE.getBytes(StandardCharsets.UTF_8));
                    return;
                }
                if (request.path().endsWith("/log")) { // as pods/log: relayed from the node, a refusal as a Status
                    response.proxy(java.net.URI.create("https://node-1:10250/containerLogs/default/web/app"), request.body(),
                            (status, text) -> dev.skiff.api.errors.ApiException.badRequest(text));
                    return;
                }
                response.send(request.method().equals("POST") ? 201 : 200, "application/json", Map.of(),
                        POD.getBytes(StandardCharsets.UTF_8));
            })
            .build();

    private Auditor auditor(String rules) {
        var policy = Policy.parse("apiVersion: audit.k8s.io/v1\nkind: Policy\n" + rules);
        return Auditor.start(new AuditOptions(policy, dir.resolve("audit.log").toString(), 0, 0, 0), Clock.systemUTC());
    }

    private RequestChain chain(Auditor auditor, Authorizer authorizer) {
        var authenticator = new RequestAuthenticator(List.of(new TokenAuthenticator(Map.of(TOKEN, ALICE))));
        return new RequestChain(authenticator, new MaxInFlightLimit(0, 0), new RequestAuthorizer(authorizer), AdmissionChain.empty(),
                routes, 1 << 20, null, auditor, Clock.systemUTC());
    }

    /** Serves each exchange, then closes the auditor (which writes what is queued) and reads the log. */
    private List<JsonNode> serve(String rules, Authorizer authorizer, FakeExchange... exchanges) throws Exception {
        var auditor = auditor(rules);
        var chain = chain(auditor, authorizer);
        for (var exchange : exchanges) {
            chain.serve(exchange);
        }
        auditor.close();
        var events = new ArrayList<JsonNode>();
        Path log = dir.resolve("audit.log");
        if (Files.exists(log)) {
            for (String line : Files.readAllLines(log)) {
                events.add(JSON.readTree(line));
            }
        }
        return events;
    }

    private List<JsonNode> serve(String rules, FakeExchange... exchanges) throws Exception {
        return serve(rules, new AlwaysAllowAuthorizer(), exchanges);
    }

    @Test
    void metadataLevelRecordsWhoWhatAndTheAnswerWithoutBodies() throws Exception {
        var get = new FakeExchange("GET", "/api/v1/namespaces/default/pods/web?resourceVersion=0").bearer(TOKEN)
                .header("User-Agent", "kubectl/v1.33").header("X-Forwarded-For", "10.0.0.9");
        var events = serve("rules: [{level: Metadata}]", get);
        assertThat(events).hasSize(2);
        var received = events.get(0);
        var complete = events.get(1);
        assertThat(received.path("stage").asText()).isEqualTo("RequestReceived");
        assertThat(received.has("responseStatus")).isFalse();
        assertThat(complete.path("stage").asText()).isEqualTo("ResponseComplete");
        assertThat(complete.path("kind").asText()).isEqualTo("Event");
        assertThat(complete.path("apiVersion").asText()).isEqualTo("audit.k8s.io/v1");
        assertThat(complete.path("level").asText()).isEqualTo("Metadata");
        assertThat(complete.path("auditID").asText()).isEqualTo(get.responseHeaders.get("Audit-Id")).isEqualTo(received.path("auditID").asText());
        assertThat(complete.path("requestURI").asText()).isEqualTo("/api/v1/namespaces/default/pods/web");
        assertThat(complete.path("verb").asText()).isEqualTo("get");
        assertThat(complete.path("user")).isEqualTo(JSON.readTree(
                "{\"username\":\"alice\",\"uid\":\"u-1\",\"groups\":[\"devs\",\"system:authenticated\"],\"extra\":{\"scopes\":[\"a\"]}}"));
        assertThat(complete.path("sourceIPs")).isEqualTo(JSON.readTree("[\"10.0.0.9\"]"));
        assertThat(complete.path("userAgent").asText()).isEqualTo("kubectl/v1.33");
        assertThat(complete.path("objectRef")).isEqualTo(JSON.readTree(
                "{\"resource\":\"pods\",\"namespace\":\"default\",\"name\":\"web\",\"apiVersion\":\"v1\"}"));
        assertThat(complete.path("responseStatus")).isEqualTo(JSON.readTree("{\"metadata\":{},\"code\":200}"));
        assertThat(complete.has("requestObject")).isFalse();
        assertThat(complete.has("responseObject")).isFalse();
        assertThat(complete.path("requestReceivedTimestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
        assertThat(complete.path("stageTimestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z")
                .isGreaterThanOrEqualTo(complete.path("requestReceivedTimestamp").asText());
        assertThat(complete.path("annotations")).isEqualTo(JSON.readTree(
                "{\"authorization.k8s.io/decision\":\"allow\",\"authorization.k8s.io/reason\":\"\"}"));
    }

    @Test
    void requestResponseLevelRecordsBothBodiesAndOmitsManagedFieldsWhenAsked() throws Exception {
        var create = new FakeExchange("POST", "/api/v1/namespaces/default/pods").bearer(TOKEN).header("Content-Type", "application/json")
                .body(POD.getBytes(StandardCharsets.UTF_8));
        var events = serve("omitStages: [RequestReceived]\nrules: [{level: RequestResponse, omitManagedFields: true}]", create);
        assertThat(events).hasSize(1);
        var complete = events.getFirst();
        assertThat(complete.path("verb").asText()).isEqualTo("create");
        assertThat(complete.path("objectRef").path("name").asText()).as("completed from the body").isEqualTo("web");
        assertThat(complete.path("objectRef").path("resourceVersion").asText()).isEqualTo("7");
        assertThat(complete.path("responseStatus").path("code").asInt()).isEqualTo(201);
        assertThat(complete.at("/requestObject/metadata/name").asText()).isEqualTo("web");
        assertThat(complete.at("/requestObject/metadata").has("managedFields")).isFalse();
        assertThat(complete.at("/responseObject/kind").asText()).isEqualTo("Pod");
        assertThat(complete.at("/responseObject/metadata").has("managedFields")).isFalse();
    }

    @Test
    void requestLevelRecordsTheRequestBodyOnlyAndKeepsManagedFieldsByDefault() throws Exception {
        var create = new FakeExchange("POST", "/api/v1/namespaces/default/pods").bearer(TOKEN).header("Content-Type", "application/json")
                .body(POD.getBytes(StandardCharsets.UTF_8));
        var events = serve("rules: [{level: Request}]", create);
        var complete = events.get(1);
        assertThat(complete.at("/requestObject/metadata/managedFields/0/manager").asText()).isEqualTo("kubectl");
        assertThat(complete.has("responseObject")).isFalse();
    }

    @Test
    void aRefusalRecordsTheStatusAndTheAuthorizersDecision() throws Exception {
        var get = new FakeExchange("GET", "/api/v1/namespaces/default/pods/web").bearer(TOKEN);
        Authorizer deny = (user, request) -> new Authorizer.Authorization(Authorizer.Decision.DENY, "no rule allows it");
        var events = serve("rules: [{level: Metadata}]", deny, get);
        assertThat(get.status).isEqualTo(403);
        var complete = events.get(1);
        assertThat(complete.path("responseStatus").path("code").asInt()).isEqualTo(403);
        assertThat(complete.path("responseStatus").path("status").asText()).isEqualTo("Failure");
        assertThat(complete.path("responseStatus").path("reason").asText()).isEqualTo("Forbidden");
        assertThat(complete.path("responseStatus").path("message").asText()).endsWith(": no rule allows it");
        assertThat(complete.path("annotations").path("authorization.k8s.io/decision").asText()).isEqualTo("forbid");
        assertThat(complete.path("annotations").path("authorization.k8s.io/reason").asText()).isEqualTo("no rule allows it");
    }

    @Test
    void aFailedAuthenticationIsOneResponseStartedEventWithoutAUser() throws Exception {
        var get = new FakeExchange("GET", "/api/v1/pods").bearer("wrong");
        var events = serve("rules: [{level: None, users: [alice]}, {level: Metadata}]", get);
        assertThat(get.status).isEqualTo(401);
        assertThat(events).hasSize(1);
        var event = events.getFirst();
        assertThat(event.path("stage").asText()).isEqualTo("ResponseStarted");
        assertThat(event.path("user")).isEqualTo(JSON.readTree("{}"));
        assertThat(event.path("auditID").asText()).isEqualTo(get.responseHeaders.get("Audit-Id"));
        assertThat(event.path("responseStatus")).isEqualTo(JSON.readTree(
                "{\"metadata\":{},\"message\":\"Authentication failed, attempted: bearer\",\"code\":401}"));
    }

    @Test
    void aRelayedLogIsLongRunningSoItsStreamStartingIsAStageOfItsOwn() throws Exception {
        var log = new FakeExchange("GET", "/api/v1/namespaces/default/pods/web/log?follow=true").bearer(TOKEN);
        log.backendBody = "line 1\n".getBytes(StandardCharsets.UTF_8);
        var events = serve("rules: [{level: Metadata}]", log);
        assertThat(log.proxiedTo).hasPath("/containerLogs/default/web/app");
        assertThat(log.responseText()).isEqualTo("line 1\n");
        assertThat(events).extracting(e -> e.path("stage").asText()).containsExactly("RequestReceived", "ResponseStarted", "ResponseComplete");
        assertThat(events.get(1).path("objectRef").path("subresource").asText()).isEqualTo("log");
        assertThat(events.get(1).path("responseStatus").path("code").asInt()).isEqualTo(200);
        assertThat(events).allMatch(e -> e.path("auditID").asText().equals(log.responseHeaders.get("Audit-Id")));
    }

    @Test
    void aLongRunningRequestRefusedAtOnceStillStartsItsResponse() throws Exception {
        var log = new FakeExchange("GET", "/api/v1/namespaces/default/pods/web/log").bearer(TOKEN);
        log.backendStatus = 400;
        log.backendBody = "container \"app\" in pod \"web\" is waiting to start".getBytes(StandardCharsets.UTF_8);
        var watch = new FakeExchange("GET", "/api/v1/namespaces/default/pods?watch=true&resourceVersion=1").bearer(TOKEN);
        var get = new FakeExchange("GET", "/api/v1/namespaces/default/pods/web").bearer(TOKEN);
        var events = serve("rules: [{level: Metadata}]", log, watch, get);
        assertThat(log.status).isEqualTo(400);
        assertThat(log.responseText()).contains("is waiting to start");
        assertThat(watch.status).isEqualTo(410);
        assertThat(events).extracting(e -> e.path("stage").asText())
                .as("the log's and the watch's three stages; an ordinary get has no ResponseStarted")
                .containsExactly("RequestReceived", "ResponseStarted", "ResponseComplete", "RequestReceived", "ResponseStarted",
                        "ResponseComplete", "RequestReceived", "ResponseComplete");
        assertThat(events.subList(1, 3)).allMatch(e -> e.path("responseStatus").path("code").asInt() == 400);
        for (var event : events.subList(4, 6)) {
            assertThat(event.path("verb").asText()).isEqualTo("watch");
            assertThat(event.path("responseStatus").path("code").asInt()).isEqualTo(410);
            assertThat(event.path("responseStatus").path("reason").asText()).isEqualTo("Expired");
            assertThat(event.path("responseStatus").path("message").asText()).isEqualTo("too old resource version: 1 (5)");
        }
    }

    @Test
    void aFailingHandlerIsThePanicStage() throws Exception {
        var get = new FakeExchange("GET", "/api/v1/namespaces/default/pods/boom").bearer(TOKEN);
        var events = serve("rules: [{level: Metadata}]", get);
        assertThat(get.status).isEqualTo(500);
        assertThat(events).extracting(e -> e.path("stage").asText()).containsExactly("RequestReceived", "Panic");
        assertThat(events.get(1).path("responseStatus").path("code").asInt()).isEqualTo(500);
        assertThat(events.get(1).path("responseStatus").path("message").asText()).isEqualTo("APIServer panic'd: boom");
    }

    @Test
    void theClientsAuditIdIsKeptAndUnmatchedRequestsAreNotLoggedButStillAnswerWithOne() throws Exception {
        var named = new FakeExchange("GET", "/api/v1/namespaces/default/pods/web").bearer(TOKEN).header("Audit-ID", "my-id");
        var unmatched = new FakeExchange("GET", "/version").bearer(TOKEN);
        var events = serve("rules: [{level: Metadata, resources: [{group: ''}]}]", named, unmatched);
        assertThat(named.responseHeaders.get("Audit-Id")).isEqualTo("my-id");
        assertThat(events).extracting(e -> e.path("auditID").asText()).containsOnly("my-id");
        assertThat(unmatched.responseHeaders.get("Audit-Id")).matches("[0-9a-f-]{36}");
    }

    @Test
    void withoutAPolicyNothingIsAuditedAndRequestsStillCarryAnAuditId() {
        var chain = chain(null, new AlwaysAllowAuthorizer());
        var get = new FakeExchange("GET", "/api/v1/namespaces/default/pods/web").bearer(TOKEN);
        chain.serve(get);
        assertThat(get.status).isEqualTo(200);
        assertThat(get.responseHeaders.get("Audit-Id")).matches("[0-9a-f-]{36}");
        assertThat(Auditor.start(AuditOptions.NONE, Clock.systemUTC())).isNull();
    }

    @Test
    void theLegacyFormatIsOneLineOfTextAnEventAsUpstreamsEventString() throws Exception {
        var policy = Policy.parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Metadata}]");
        var auditor = Auditor.start(new AuditOptions(policy, dir.resolve("legacy.log").toString(), 0, 0, 0, AuditOptions.LEGACY),
                Clock.systemUTC());
        var get = new FakeExchange("GET", "/api/v1/namespaces/default/pods/web").bearer(TOKEN).header("User-Agent", "say \"hi\"")
                .header("X-Real-Ip", "10.0.0.7");
        chain(auditor, new AlwaysAllowAuthorizer()).serve(get);
        auditor.close();
        var lines = Files.readAllLines(dir.resolve("legacy.log"));
        String id = get.responseHeaders.get("Audit-Id");
        String rest = " AUDIT: id=\"" + id + "\" stage=\"%s\" ip=\"10.0.0.7\" method=\"get\" user=\"alice\" "
                + "groups=\"\\\"devs\\\",\\\"system:authenticated\\\"\" as=\"<self>\" asgroups=\"<lookup>\" "
                + "user-agent=\"say \\\"hi\\\"\" namespace=\"default\" uri=\"/api/v1/namespaces/default/pods/web\" response=\"%s\"";
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d*[1-9])?Z .*")
                .endsWith(rest.formatted("RequestReceived", "<deferred>"));
        assertThat(lines.get(1)).endsWith(rest.formatted("ResponseComplete", "200"));
        assertThat(lines.get(0).substring(0, lines.get(0).indexOf(' '))).isEqualTo(lines.get(1).substring(0, lines.get(1).indexOf(' ')));
    }

    @Test
    void theLogRotatesPastMaxSizeMegabytesKeepingMaxBackupFiles() throws Exception {
        var policy = Policy.parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Request}]");
        var auditor = Auditor.start(new AuditOptions(policy, dir.resolve("big/audit.log").toString(), 0, 1, 1), Clock.systemUTC());
        var chain = chain(auditor, new AlwaysAllowAuthorizer());
        String padding = "x".repeat(200 * 1024);
        byte[] body = POD.replace("\"spec\":{}", "\"spec\":{\"hostname\":\"" + padding + "\"}").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 14; i++) { // 14 ResponseComplete events of about 200 KiB: past 1 MiB twice
            var create = new FakeExchange("POST", "/api/v1/namespaces/default/pods").bearer(TOKEN)
                    .header("Content-Type", "application/json").body(body);
            chain.serve(create);
            assertThat(create.status).isEqualTo(201);
            Thread.sleep(2); // backups are named to the millisecond
        }
        auditor.close();
        List<Path> files;
        try (var listing = Files.list(dir.resolve("big"))) {
            files = listing.sorted().toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString()).hasSize(2).last().isEqualTo("audit.log");
        assertThat(files.getFirst().getFileName().toString()).matches("audit-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}\\.log");
        for (Path file : files) {
            assertThat(Files.size(file)).isLessThanOrEqualTo(1024 * 1024);
            for (String line : Files.readAllLines(file)) {
                var event = JSON.readTree(line);
                if (event.path("stage").asText().equals("ResponseComplete")) {
                    assertThat(event.at("/requestObject/spec/hostname").asText()).as("whole lines, never split").hasSize(200 * 1024);
                }
            }
        }
    }

    @Test
    void anAuditLogThatCannotBeWrittenFailsNoRequest() {
        var policy = Policy.parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: RequestResponse}]");
        // every write to /dev/full fails with "No space left on device"
        var auditor = Auditor.start(new AuditOptions(policy, "/dev/full", 0, 0, 0), Clock.systemUTC());
        var chain = chain(auditor, new AlwaysAllowAuthorizer());
        for (int i = 0; i < 3; i++) {
            var get = new FakeExchange("GET", "/api/v1/namespaces/default/pods/web").bearer(TOKEN);
            chain.serve(get);
            assertThat(get.status).isEqualTo(200);
            assertThat(get.responseText()).contains("\"web\"");
        }
        auditor.close();
    }

    @Test
    void aLogFileThatCannotBeCreatedIsAStartError() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        var policy = Policy.parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Metadata}]");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Auditor.start(
                        new AuditOptions(policy, notADirectory.resolve("audit.log").toString(), 0, 0, 0), Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("ensureLogFile: " + notADirectory.resolve("audit.log"));
    }
}
