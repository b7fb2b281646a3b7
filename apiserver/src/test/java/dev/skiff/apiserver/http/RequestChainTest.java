package dev.skiff.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.admission.AdmissionAttributes;
import dev.skiff.apiserver.admission.AdmissionChain;
import dev.skiff.apiserver.admission.AdmissionPlugin;
import dev.skiff.apiserver.authn.RequestAuthenticator;
import dev.skiff.apiserver.authn.TokenAuthenticator;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.authn.X509Authenticator;
import dev.skiff.apiserver.authz.AlwaysAllowAuthorizer;
import dev.skiff.apiserver.authz.Authorizer;
import dev.skiff.apiserver.authz.RequestAuthorizer;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.Routes;
import dev.skiff.apiserver.pki.ClusterPki;
import dev.skiff.apiserver.pki.SubjectAltNames;
import dev.skiff.apiserver.request.MaxInFlightLimit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequestChainTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "K10abc::server:secret";
    private static final UserInfo ALICE = new UserInfo("alice", List.of("devs"));

    @TempDir
    static Path tls;
    static ClusterPki pki;
    static ClusterPki otherPki;

    private final AtomicReference<ApiRequest> served = new AtomicReference<>();
    private final Routes routes = Routes.builder()
            .prefix("/api", (request, response) -> {
                served.set(request);
                response.json(200, Map.of("ok", true));
            })
            .exact("/version", (request, response) -> {
                served.set(request);
                response.text(200, "v");
            })
            .build();

    @BeforeAll
    static void certificates() throws Exception {
        var sans = SubjectAltNames.forApiServer(List.of(), SubjectAltNames.literal("10.43.0.1"), "cluster.local", List.of());
        pki = ClusterPki.loadOrCreate(tls.resolve("mine"), sans, Clock.systemUTC());
        otherPki = ClusterPki.loadOrCreate(tls.resolve("other"), sans, Clock.systemUTC());
    }

    private RequestChain chain(Authorizer authorizer, MaxInFlightLimit limit, AdmissionChain admission) {
        var authenticator = new RequestAuthenticator(List.of(new X509Authenticator(pki.ca().certificate(), Clock.systemUTC()),
                new TokenAuthenticator(Map.of(TOKEN, new UserInfo("system:admin", List.of("system:masters")), "alice-token", ALICE))));
        return new RequestChain(authenticator, limit, new RequestAuthorizer(authorizer), admission, routes, 1024);
    }

    private RequestChain chain() {
        return chain(new AlwaysAllowAuthorizer(), new MaxInFlightLimit(400, 200), AdmissionChain.empty());
    }

    private static JsonNode status(FakeExchange exchange) throws Exception {
        return JSON.readTree(exchange.responseBody);
    }

    @Test
    void requestWithoutCredentialsIsUnauthorizedBeforeAnythingElse() throws Exception {
        var exchange = new FakeExchange("POST", "/api/v1/namespaces/default/pods").body(new byte[4096]);
        chain().serve(exchange);
        assertThat(exchange.status).isEqualTo(401);
        assertThat(status(exchange).get("reason").asText()).isEqualTo("Unauthorized");
        assertThat(status(exchange).get("message").asText()).isEqualTo("Unauthorized");
        assertThat(exchange.bodyRead).as("an unauthenticated body is never read").isFalse();
        assertThat(served.get()).isNull();
    }

    @Test
    void wrongBearerTokenIsUnauthorized() {
        var exchange = new FakeExchange("GET", "/version").bearer("K10abc::server:guess");
        chain().serve(exchange);
        assertThat(exchange.status).isEqualTo(401);
    }

    @Test
    void serverTokenAuthenticatesAsAdminInSystemMasters() {
        var exchange = new FakeExchange("GET", "/version").bearer(TOKEN);
        chain().serve(exchange);
        assertThat(exchange.status).isEqualTo(200);
        assertThat(served.get().user()).isEqualTo(new UserInfo("system:admin", List.of("system:masters", "system:authenticated")));
    }

    @Test
    void clientCertificateOfTheClusterCaNamesUserFromCnAndGroupsFromO() {
        var exchange = new FakeExchange("GET", "/version").peers(List.of(pki.admin().certificate()));
        chain().serve(exchange);
        assertThat(exchange.status).isEqualTo(200);
        assertThat(served.get().user().name()).isEqualTo("system:admin");
        assertThat(served.get().user().groups()).containsExactly("system:masters", "system:authenticated");
    }

    @Test
    void clientCertificateOfAnotherCaIsUnauthorizedEvenWithAGoodNameInIt() {
        var exchange = new FakeExchange("GET", "/version").peers(List.of(otherPki.admin().certificate()));
        chain().serve(exchange);
        assertThat(exchange.status).isEqualTo(401);
    }

    @Test
    void serverCertificateIsNotAClientCredential() {
        var exchange = new FakeExchange("GET", "/version").peers(List.of(pki.serving().certificate()));
        chain().serve(exchange);
        assertThat(exchange.status).isEqualTo(401);
    }

    @Test
    void deniedRequestIsForbiddenWordedAsUpstream() throws Exception {
        Authorizer denyAll = (user, request) -> new Authorizer.Authorization(Authorizer.Decision.NO_OPINION, "");
        var exchange = new FakeExchange("GET", "/api/v1/namespaces/kube-system/secrets/token").bearer("alice-token");
        chain(denyAll, new MaxInFlightLimit(1, 1), AdmissionChain.empty()).serve(exchange);
        assertThat(exchange.status).isEqualTo(403);
        assertThat(status(exchange).get("message").asText()).isEqualTo("secrets \"token\" is forbidden: User \"alice\" cannot get "
                + "resource \"secrets\" in API group \"\" in the namespace \"kube-system\"");
        var path = new FakeExchange("GET", "/metrics").bearer("alice-token");
        chain(denyAll, new MaxInFlightLimit(1, 1), AdmissionChain.empty()).serve(path);
        assertThat(status(path).get("message").asText()).isEqualTo("forbidden: User \"alice\" cannot get path \"/metrics\"");
    }

    @Test
    void unknownPathIsNotFoundStatus() throws Exception {
        var exchange = new FakeExchange("GET", "/apix").bearer(TOKEN);
        chain().serve(exchange);
        assertThat(exchange.status).isEqualTo(404);
        assertThat(status(exchange).get("reason").asText()).isEqualTo("NotFound");
        assertThat(status(exchange).get("kind").asText()).isEqualTo("Status");
    }

    @Test
    void bodyOverTheLimitIsRequestEntityTooLarge() throws Exception {
        var exchange = new FakeExchange("POST", "/api/v1/namespaces/default/configmaps").bearer(TOKEN).body(new byte[1025]);
        chain().serve(exchange);
        assertThat(exchange.status).isEqualTo(413);
        assertThat(status(exchange).get("message").asText()).isEqualTo("Request entity too large: limit is 1024");
        assertThat(served.get()).isNull();
    }

    @Test
    void fullInFlightLimitIsTooManyRequestsWithRetryAfterButNotForMastersOrWatches() throws Exception {
        var entered = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var blocking = Routes.builder().prefix("/api", (request, response) -> {
            if (request.user().name().equals("alice") && request.info().verb().equals("list")) {
                entered.countDown();
                release.await(10, TimeUnit.SECONDS);
            }
            response.text(200, request.info().verb());
        }).build();
        var authenticator = new RequestAuthenticator(List.of(new TokenAuthenticator(Map.of(TOKEN,
                new UserInfo("system:admin", List.of("system:masters")), "alice-token", ALICE))));
        var chain = new RequestChain(authenticator, new MaxInFlightLimit(1, 1), new RequestAuthorizer(new AlwaysAllowAuthorizer()),
                AdmissionChain.empty(), blocking, 1024);
        var first = new FakeExchange("GET", "/api/v1/pods").bearer("alice-token");
        var holder = Thread.ofVirtual().start(() -> chain.serve(first));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        var second = new FakeExchange("GET", "/api/v1/pods").bearer("alice-token");
        chain.serve(second);
        assertThat(second.status).isEqualTo(429);
        assertThat(second.responseHeaders).containsEntry("Retry-After", "1");
        assertThat(status(second).get("reason").asText()).isEqualTo("TooManyRequests");

        var mutating = new FakeExchange("POST", "/api/v1/namespaces/default/pods").bearer("alice-token");
        chain.serve(mutating);
        assertThat(mutating.status).as("mutating requests have their own limit").isEqualTo(200);

        var admin = new FakeExchange("GET", "/api/v1/pods").bearer(TOKEN);
        chain.serve(admin);
        assertThat(admin.status).as("system:masters is never turned away").isEqualTo(200);

        var watch = new FakeExchange("GET", "/api/v1/pods?watch=true").bearer("alice-token");
        chain.serve(watch);
        assertThat(watch.status).as("long-running requests are not counted").isEqualTo(200);
        assertThat(watch.responseText()).isEqualTo("watch");

        release.countDown();
        holder.join();
        assertThat(first.status).isEqualTo(200);
        var after = new FakeExchange("GET", "/api/v1/pods").bearer("alice-token");
        chain.serve(after);
        assertThat(after.status).as("the permit was given back").isEqualTo(200);
    }

    @Test
    void admissionMutatesThenValidatesInOrderForMutatingResourceRequestsOnly() throws Exception {
        var calls = new CopyOnWriteArrayList<String>();
        var plugins = new ArrayList<AdmissionPlugin>();
        for (String name : List.of("first", "second")) {
            plugins.add(new AdmissionPlugin() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public AdmissionAttributes admit(AdmissionAttributes attributes) {
                    calls.add("admit " + name);
                    return attributes.withBody((new String(attributes.body(), StandardCharsets.UTF_8) + "+" + name).getBytes(StandardCharsets.UTF_8));
                }

                @Override
                public void validate(AdmissionAttributes attributes) {
                    calls.add("validate " + name + " " + new String(attributes.body(), StandardCharsets.UTF_8));
                    if (new String(attributes.body(), StandardCharsets.UTF_8).startsWith("bad")) {
                        throw ApiException.forbidden("denied by " + name);
                    }
                }
            });
        }
        var chain = chain(new AlwaysAllowAuthorizer(), new MaxInFlightLimit(0, 0), new AdmissionChain(plugins));
        var create = new FakeExchange("POST", "/api/v1/namespaces/default/configmaps").bearer(TOKEN).body("cm".getBytes(StandardCharsets.UTF_8));
        chain.serve(create);
        assertThat(calls).containsExactly("admit first", "admit second", "validate first cm+first+second", "validate second cm+first+second");
        assertThat(new String(served.get().body(), StandardCharsets.UTF_8)).isEqualTo("cm+first+second");

        calls.clear();
        chain.serve(new FakeExchange("GET", "/api/v1/namespaces/default/configmaps").bearer(TOKEN));
        assertThat(calls).as("reads are not admitted").isEmpty();

        served.set(null);
        var rejected = new FakeExchange("POST", "/api/v1/namespaces/default/configmaps").bearer(TOKEN).body("bad".getBytes(StandardCharsets.UTF_8));
        chain.serve(rejected);
        assertThat(rejected.status).isEqualTo(403);
        assertThat(served.get()).as("a rejected request never reaches its handler").isNull();
    }

    @Test
    void warningsAdmissionAddsGoOutOnceEachAfterTheHandlersOwnAndWithARefusal() throws Exception {
        AdmissionPlugin warning = new AdmissionPlugin() {
            @Override
            public String name() {
                return "warning";
            }

            @Override
            public AdmissionAttributes admit(AdmissionAttributes attributes) {
                attributes.warnings().add("on the \"body\"");
                attributes.warnings().add("on the \"body\"");
                return attributes;
            }

            @Override
            public dev.skiff.registry.generic.StoreHooks.Transaction validateObject(dev.skiff.apiserver.admission.ObjectAttributes attributes) {
                attributes.warnings().add("on the object");
                if (attributes.object().getMetadata().getName().equals("bad")) {
                    throw ApiException.forbidden("", "configmaps", "bad", "no");
                }
                return dev.skiff.registry.generic.StoreHooks.Transaction.NONE;
            }
        };
        var routes = Routes.builder().prefix("/api", (request, response) -> {
            String name = new String(request.body(), StandardCharsets.UTF_8);
            if (request.method().equals("POST")) {
                request.admission().admit(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().build(),
                        null, false);
            }
            response.send(201, "application/json", Map.of("Warning", "299 - \"the handler's\""), "{}".getBytes(StandardCharsets.UTF_8));
        }).build();
        var authenticator = new RequestAuthenticator(List.of(new TokenAuthenticator(Map.of(TOKEN, ALICE))));
        var chain = new RequestChain(authenticator, new MaxInFlightLimit(0, 0), new RequestAuthorizer(new AlwaysAllowAuthorizer()),
                new AdmissionChain(List.of(warning)), routes, 1024);
        var created = new FakeExchange("POST", "/api/v1/namespaces/default/configmaps").bearer(TOKEN).body("cm".getBytes(StandardCharsets.UTF_8));
        chain.serve(created);
        assertThat(created.status).isEqualTo(201);
        assertThat(created.responseHeaders.get("Warning"))
                .isEqualTo("299 - \"the handler's\", 299 - \"on the \\\"body\\\"\", 299 - \"on the object\"");
        var refused = new FakeExchange("POST", "/api/v1/namespaces/default/configmaps").bearer(TOKEN).body("bad".getBytes(StandardCharsets.UTF_8));
        chain.serve(refused);
        assertThat(refused.status).isEqualTo(403);
        assertThat(refused.responseHeaders.get("Warning")).isEqualTo("299 - \"on the \\\"body\\\"\", 299 - \"on the object\"");
        var read = new FakeExchange("GET", "/api/v1/namespaces/default/configmaps").bearer(TOKEN);
        chain.serve(read);
        assertThat(read.responseHeaders.get("Warning")).as("a request of its own, no admission").isEqualTo("299 - \"the handler's\"");
    }

    @Test
    void handlerFailureIsInternalErrorStatus() throws Exception {
        var failing = Routes.builder().exact("/boom", (request, response) -> {
            throw new IllegalStateException("kaput");
        }).build();
        var authenticator = new RequestAuthenticator(List.of(new TokenAuthenticator(Map.of(TOKEN, ALICE))));
        var exchange = new FakeExchange("GET", "/boom").bearer(TOKEN);
        new RequestChain(authenticator, new MaxInFlightLimit(0, 0), new RequestAuthorizer(new AlwaysAllowAuthorizer()),
                AdmissionChain.empty(), failing, 1024).serve(exchange);
        assertThat(exchange.status).isEqualTo(500);
        assertThat(status(exchange).get("reason").asText()).isEqualTo("InternalError");
    }
}
