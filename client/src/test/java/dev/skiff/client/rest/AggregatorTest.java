package dev.skiff.client.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.apiserver.pki.ClusterPki;
import dev.skiff.apiserver.pki.PemFiles;
import dev.skiff.apiserver.pki.SubjectAltNames;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API aggregation (kube-aggregator) against a real extension API server ({@link ExtensionApiServer}):
 * APIServices with a service are checked and proxied with the caller's identity in X-Remote-*
 * headers, their group-versions join discovery; the server's own group-versions are local
 * APIServices; bad APIServices are refused with upstream's messages.
 */
class AggregatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GROUP = "custom.metrics.k8s.io";
    private static final String METRIC_VALUES = """
            {"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[
             {"describedObject":{"kind":"Pod","namespace":"default","name":"web-1","apiVersion":"/v1"},
              "metric":{"name":"http_requests"},"timestamp":"2026-12-03T12:00:00Z","value":"42"}]}""";
    @TempDir
    static Path dir;
    private static AdmissionServer server;
    private static ExtensionApiServer extension;

    @BeforeAll
    static void start() throws Exception {
        server = new AdmissionServer(dir.resolve("server"));
        extension = new ExtensionApiServer(server.client(), "custom-metrics", dir.resolve("extension-pki"))
                .serve("/apis/" + GROUP + "/v1beta2", query -> """
                        {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"custom.metrics.k8s.io/v1beta2","resources":[
                         {"name":"pods","singularName":"","namespaced":true,"kind":"MetricValueList","verbs":["get"]},
                         {"name":"pods/http_requests","singularName":"","namespaced":true,"kind":"MetricValueList","verbs":["get"]}]}""")
                .serve("/apis/" + GROUP + "/v1beta2/namespaces/default/pods/*/http_requests", query -> METRIC_VALUES);
    }

    @AfterAll
    static void stop() {
        if (extension != null) {
            extension.close();
        }
        server.close();
    }

    private static JsonNode awaitAvailable(String name, String status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            var current = server.client().resources(APIService.class).withName(name).get();
            if (current != null && current.getStatus() != null && current.getStatus().getConditions() != null) {
                last = JSON.valueToTree(current.getStatus().getConditions().getFirst());
                if (status.equals(last.path("status").asText())) {
                    return last;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(name + " did not become Available=" + status + "; last condition " + last);
    }

    @Test
    void anAPIServiceWithAServiceIsProxiedWithTheCallersIdentityAndJoinsDiscovery() throws Exception {
        server.client().resources(APIService.class).resource(extension.apiService(GROUP, "v1beta2")).create();
        JsonNode available = awaitAvailable("v1beta2." + GROUP, "True");
        assertThat(available.path("reason").asText()).isEqualTo("Passed");
        assertThat(available.path("message").asText()).isEqualTo("all checks passed");

        extension.clearSeen();
        var metrics = server.send("GET", "/apis/" + GROUP + "/v1beta2/namespaces/default/pods/*/http_requests?labelSelector=app%3Dweb",
                "application/json", "");
        assertThat(metrics.code()).isEqualTo(200);
        assertThat(metrics.body().at("/items/0/value").asText()).isEqualTo("42");
        var request = extension.seen().stream().filter(r -> r.path().endsWith("/http_requests")).findFirst().orElseThrow();
        assertThat(request.query()).isEqualTo("labelSelector=app%3Dweb");
        assertThat(request.client()).isEqualTo("CN=" + ClusterPki.PROXY_CLIENT_USER);
        assertThat(request.user()).isEqualTo(ClusterPki.ADMIN_USER);
        assertThat(request.groups()).contains("system:masters");
        assertThat(request.authorization()).as("the caller's credentials stay with skiff").isEqualTo("null");

        // legacy and aggregated discovery list the group, the latter with the server's resources
        var groups = server.send("GET", "/apis", "application/json", "");
        assertThat(groups.body().findValuesAsText("name")).contains(GROUP, "apiregistration.k8s.io");
        var group = server.send("GET", "/apis/" + GROUP, "application/json", "");
        assertThat(group.body().at("/preferredVersion/groupVersion").asText()).isEqualTo(GROUP + "/v1beta2");
        var resources = server.send("GET", "/apis/" + GROUP + "/v1beta2", "application/json", "");
        assertThat(resources.body().at("/resources/1/name").asText()).isEqualTo("pods/http_requests");
        JsonNode item = null;
        for (JsonNode i : get("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList").path("items")) {
            if (i.at("/metadata/name").asText().equals(GROUP)) {
                item = i;
            }
        }
        assertThat(item).as("aggregated discovery has " + GROUP).isNotNull();
        assertThat(item.at("/versions/0/version").asText()).isEqualTo("v1beta2");
        assertThat(item.at("/versions/0/freshness").asText()).isEqualTo("Current");
        assertThat(item.at("/versions/0/resources/0/resource").asText()).isEqualTo("pods");
        assertThat(item.at("/versions/0/resources/0/subresources/0/subresource").asText()).isEqualTo("http_requests");
        // the extension server's own 404 comes back as it sent it
        assertThat(server.send("GET", "/apis/" + GROUP + "/v1beta2/namespaces/default/pods/*/missing", "application/json", "").code())
                .isEqualTo(404);

        server.client().resources(APIService.class).withName("v1beta2." + GROUP).delete();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.send("GET", "/apis/" + GROUP + "/v1beta2", "application/json", "").code() != 404 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(server.send("GET", "/apis/" + GROUP + "/v1beta2", "application/json", "").code()).isEqualTo(404);
    }

    @Test
    void theExtensionsOpenApiJoinsV2AndV3WhileItsAPIServiceIsAvailable() throws Exception {
        String group = "widgets.example.com";
        String list = "/apis/" + group + "/v1/namespaces/{namespace}/widgets";
        String widget = "com.example.widget.v1.Widget";
        extension.serveOpenApi(group, "v1", "Widget", "A widget.");
        extension.clearSeen();
        ExtensionApiServer.register(server.client(), extension.apiService(group, "v1"));

        // v2: the APIService's paths and the definitions they reach, shared parameters inlined; nothing else of the extension's
        JsonNode v2 = await("the widgets in /openapi/v2", () -> get("/openapi/v2", "application/json"), doc -> doc.path("paths").has(list));
        JsonNode listWidgets = v2.path("paths").path(list);
        assertThat(listWidgets.at("/get/operationId").asText()).isEqualTo("listWidget");
        assertThat(listWidgets.at("/parameters/0/name").asText()).isEqualTo("namespace");
        assertThat(listWidgets.at("/parameters/0/in").asText()).isEqualTo("path");
        assertThat(v2.path("paths").has("/apis/" + group + "/v1/")).isTrue();
        assertThat(v2.path("paths").has("/apis/other.example.com/v1/things")).as("not the APIService's group-version").isFalse();
        assertThat(v2.path("paths").has("/api/v1/namespaces/{namespace}/configmaps")).as("the local paths stay").isTrue();
        JsonNode definitions = v2.path("definitions");
        assertThat(definitions.at("/" + widget + "/description").asText()).isEqualTo("A widget.");
        assertThat(definitions.at("/" + widget + "/x-kubernetes-group-version-kind/0/kind").asText()).isEqualTo("Widget");
        assertThat(definitions.at("/" + widget + "Spec/properties/size/format").asText()).isEqualTo("int32");
        assertThat(definitions.has("com.example.Unused")).as("unreferenced").isFalse();
        assertThat(definitions.at("/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta/description").asText())
                .as("a definition skiff has stays skiff's").doesNotContain("custom-metrics");
        assertThat(definitions.at("/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta/properties").has("uid")).isTrue();
        assertThat(v2.has("parameters")).isFalse();
        // ... and its protobuf form, which kubectl reads
        var protobuf = http("/openapi/v2", "Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
        assertThat(protobuf.statusCode()).isEqualTo(200);
        String pb = new String(protobuf.body(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(pb).contains(list, widget, "A widget.", "how big the widget is").doesNotContain("/apis/other.example.com/v1/things");
        // the downloads went through the front proxy's certificate as system:aggregator
        var download = extension.seen().stream().filter(r -> r.path().equals("/openapi/v2")).findFirst().orElseThrow();
        assertThat(download.client()).isEqualTo("CN=" + ClusterPki.PROXY_CLIENT_USER);
        assertThat(download.user()).isEqualTo("system:aggregator");
        assertThat(download.authorization()).isEqualTo("null");

        // v3: the index lists the group-version, its document is the extension's with skiff's hash
        JsonNode index = get("/openapi/v3", "application/json");
        String url = index.at("/paths/apis~1" + group + "~1v1/serverRelativeURL").asText();
        assertThat(url).matches("/openapi/v3/apis/" + group.replace(".", "\\.") + "/v1\\?hash=[0-9A-F]{128}");
        assertThat(index.path("paths").has("api/v1")).isTrue();
        var document = http(url, "Accept", "application/json");
        assertThat(document.statusCode()).isEqualTo(200);
        assertThat(document.headers().firstValue("Cache-Control")).hasValue("public, immutable");
        JsonNode v3 = JSON.readTree(document.body());
        assertThat(v3.at("/components/schemas/" + widget + "/x-kubernetes-group-version-kind/0/group").asText()).isEqualTo(group);
        String etag = document.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).isEqualTo("\"" + url.substring(url.indexOf("hash=") + 5) + "\"");
        var unhashed = http("/openapi/v3/apis/" + group + "/v1");
        assertThat(unhashed.statusCode()).isEqualTo(200);
        assertThat(unhashed.headers().firstValue("Cache-Control")).hasValue("no-cache, private");
        assertThat(http("/openapi/v3/apis/" + group + "/v1", "If-None-Match", etag).statusCode()).isEqualTo(304);
        var stale = http("/openapi/v3/apis/" + group + "/v1?hash=0BAD");
        assertThat(stale.statusCode()).isEqualTo(301);
        assertThat(stale.headers().firstValue("Location")).hasValue(url);

        // a check with nothing changed revalidates by ETag and rebuilds nothing
        String v2Etag = http("/openapi/v2", "Accept", "application/json").headers().firstValue("ETag").orElseThrow();
        extension.clearSeen();
        nudge("openapi-nudge-1");
        await("a revalidated download", extension::seen, seen -> seen.stream()
                .anyMatch(r -> r.path().equals("/openapi/v3/apis/" + group + "/v1") && r.status() == 304));
        assertThat(extension.seen().stream().filter(r -> r.path().equals("/openapi/v2")).findFirst().orElseThrow().status()).isEqualTo(304);
        assertThat(http("/openapi/v2", "Accept", "application/json").headers().firstValue("ETag")).hasValue(v2Etag);
        assertThat(get("/openapi/v3", "application/json").at("/paths/apis~1" + group + "~1v1/serverRelativeURL").asText()).isEqualTo(url);

        // a changed document replaces the old one at the next check
        extension.serveOpenApi(group, "v1", "Widget", "A changed widget.");
        nudge("openapi-nudge-2");
        await("the changed widget in /openapi/v2", () -> get("/openapi/v2", "application/json"),
                doc -> doc.at("/definitions/" + widget + "/description").asText().equals("A changed widget."));
        String changed = await("a new hash in /openapi/v3", () -> get("/openapi/v3", "application/json")
                .at("/paths/apis~1" + group + "~1v1/serverRelativeURL").asText(), u -> !u.equals(url));
        assertThat(JSON.readTree(http(changed).body()).at("/components/schemas/" + widget + "/description").asText())
                .isEqualTo("A changed widget.");
        assertThat(http(url).statusCode()).as("the old hash redirects").isEqualTo(301);

        // a backend that stops publishing them (404) loses its documents and stays Available
        extension.stopServing("/openapi/v2");
        extension.stopServing("/openapi/v3");
        nudge("openapi-nudge-3");
        await("no widgets in /openapi/v2", () -> get("/openapi/v2", "application/json"), doc -> !doc.path("paths").has(list));
        assertThat(get("/openapi/v3", "application/json").path("paths").has("apis/" + group + "/v1")).isFalse();
        JsonNode condition = awaitAvailable("v1." + group, "True");
        assertThat(condition.path("reason").asText()).isEqualTo("Passed");

        // deleting the APIService takes its documents away
        extension.serveOpenApi(group, "v1", "Widget", "A widget again.");
        nudge("openapi-nudge-4");
        await("the widgets back in /openapi/v2", () -> get("/openapi/v2", "application/json"), doc -> doc.path("paths").has(list));
        await("the widgets back in /openapi/v3", () -> get("/openapi/v3", "application/json").path("paths"),
                paths -> paths.has("apis/" + group + "/v1"));
        server.client().resources(APIService.class).withName("v1." + group).delete();
        await("no widgets in /openapi/v2", () -> get("/openapi/v2", "application/json"), doc -> !doc.path("paths").has(list));
        assertThat(get("/openapi/v2", "application/json").path("definitions").has(widget)).isFalse();
        assertThat(get("/openapi/v3", "application/json").path("paths").has("apis/" + group + "/v1")).isFalse();
        assertThat(http("/openapi/v3/apis/" + group + "/v1").statusCode()).isEqualTo(404);
    }

    @Test
    void withoutAServiceOrAReadyEndpointTheAPIServiceIsUnavailableAndAnswers503() throws Exception {
        var service = extension.apiService(GROUP, "v1alpha1");
        service.getSpec().getService().setName("backend");
        service.getSpec().getService().setPort(443);
        server.client().resources(APIService.class).resource(service).create();
        JsonNode absent = awaitAvailable("v1alpha1." + GROUP, "False");
        assertThat(absent.path("reason").asText()).isEqualTo("ServiceNotFound");
        assertThat(absent.path("message").asText()).isEqualTo("service/backend in \"kube-system\" is not present");
        var client = server.client();
        client.services().inNamespace("kube-system").resource(new ServiceBuilder().withNewMetadata().withName("backend").endMetadata()
                .withNewSpec().addNewPort().withName("https").withPort(443).withNewTargetPort(8443).endPort().endSpec().build()).create();
        client.endpoints().inNamespace("kube-system").resource(new EndpointsBuilder().withNewMetadata().withName("backend").endMetadata()
                .addNewSubset().addNewNotReadyAddress().withIp("10.1.2.3").endNotReadyAddress().addNewPort().withName("https").withPort(8443)
                .endPort().endSubset().build()).createOr(existing -> existing.update());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode missing = awaitAvailable("v1alpha1." + GROUP, "False");
        while (!missing.path("reason").asText().equals("MissingEndpoints") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            missing = awaitAvailable("v1alpha1." + GROUP, "False");
        }
        assertThat(missing.path("reason").asText()).isEqualTo("MissingEndpoints");
        assertThat(missing.path("message").asText())
                .isEqualTo("endpoints for service/backend in \"kube-system\" have no addresses with port name \"https\"");
        var unavailable = server.send("GET", "/apis/" + GROUP + "/v1alpha1/namespaces/default/pods/*/http_requests", "application/json", "");
        assertThat(unavailable.code()).isEqualTo(503);
        assertThat(unavailable.body().path("reason").asText()).isEqualTo("ServiceUnavailable");
        server.client().resources(APIService.class).withName("v1alpha1." + GROUP).delete();
    }

    @Test
    void aCaBundleThatDidNotSignTheServerFailsTheDiscoveryCheck() throws Exception {
        var other = ClusterPki.loadOrCreate(dir.resolve("other-pki"), new SubjectAltNames(Set.of("x"), Set.of()), Clock.systemUTC());
        server.client().resources(APIService.class).resource(extension.apiService(GROUP, "v1beta1",
                PemFiles.encode(other.ca().certificate()))).create();
        JsonNode failed = awaitAvailable("v1beta1." + GROUP, "False");
        assertThat(failed.path("reason").asText()).isEqualTo("FailedDiscoveryCheck");
        assertThat(failed.path("message").asText()).startsWith("failing or missing response from https://localhost:");
        server.client().resources(APIService.class).withName("v1beta1." + GROUP).delete();
    }

    @Test
    void theServersOwnGroupVersionsAreLocalAPIServicesAndBadOnesAreRefused() throws Exception {
        assertThat(server.client().resources(APIService.class).withName("v1.apps").get().getSpec().getService()).isNull();
        assertThat(awaitAvailable("v1.", "True").path("reason").asText()).isEqualTo("Local");
        awaitAvailable("v1.apps", "True");
        JsonNode table = get("/apis/apiregistration.k8s.io/v1/apiservices/v1.apps", "application/json;as=Table;v=v1;g=meta.k8s.io");
        assertThat(table.path("columnDefinitions").findValuesAsText("name")).containsExactly("Name", "Service", "Available", "Age");
        assertThat(table.at("/rows/0/cells/0").asText()).isEqualTo("v1.apps");
        assertThat(table.at("/rows/0/cells/1").asText()).isEqualTo("Local");
        assertThat(table.at("/rows/0/cells/2").asText()).isEqualTo("True");
        var answer = server.post("/apis/apiregistration.k8s.io/v1/apiservices", """
                {"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1.wrong.example.com"},
                 "spec":{"group":"example.com","version":"v1","groupPriorityMinimum":0,"versionPriority":15,
                         "insecureSkipTLSVerify":true,"caBundle":"Zm9v","service":{"namespace":"default","name":"x"}}}""");
        assertThat(answer.code()).isEqualTo(422);
        assertThat(answer.body().at("/details/causes").findValuesAsText("field"))
                .containsExactlyInAnyOrder("metadata.name", "spec.groupPriorityMinimum", "spec.insecureSkipTLSVerify");
        assertThat(answer.body().at("/details/causes").findValuesAsText("message")).contains(
                "Invalid value: 0: must be positive and less than 20000", "Invalid value: true: may not be true if caBundle is present");
        assertThat(server.client().resources(APIService.class).withName("v1.wrong.example.com").get()).as("nothing written").isNull();
        var auth = server.client().configMaps().inNamespace("kube-system").withName("extension-apiserver-authentication").get();
        assertThat(auth.getData()).containsEntry("requestheader-allowed-names", "[\"system:auth-proxy\"]")
                .containsEntry("requestheader-username-headers", "[\"X-Remote-User\"]").containsKey("client-ca-file");
    }

    private static JsonNode get(String path, String accept) throws Exception {
        return JSON.readTree(http(path, "Accept", accept).body());
    }

    /** GET {@code path} with {@code headers} (name, value, ...) as the admin, redirects not followed. */
    private static java.net.http.HttpResponse<byte[]> http(String path, String... headers) throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        server.client().getMasterUrl().toString().replaceAll("/$", "") + path))
                .header("Authorization", "Bearer " + java.nio.file.Files.readString(dir.resolve("server/token")).strip());
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        var http = java.net.http.HttpClient.newBuilder().sslContext(RestClients.trustingAnyServer()).build();
        return http.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Polls {@code read} until {@code done} holds of what it answers (20 s at most). */
    private static <T> T await(String what, java.util.concurrent.Callable<T> read, java.util.function.Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        T last = read.call();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                String seen = String.valueOf(last);
                throw new AssertionError("timed out waiting for " + what + "; last: " + seen.substring(0, Math.min(400, seen.length())));
            }
            Thread.sleep(100);
            last = read.call();
        }
        return last;
    }

    /** Makes the aggregator check (and download) again now rather than at its 30 s resync: it watches services. */
    private static void nudge(String name) {
        server.client().services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withType("ExternalName").withExternalName("example.com").endSpec().build()).create();
    }
}
