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
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        server.client().getMasterUrl().toString().replaceAll("/$", "") + path))
                .header("Authorization", "Bearer " + java.nio.file.Files.readString(dir.resolve("server/token")).strip())
                .header("Accept", accept).build();
        var http = java.net.http.HttpClient.newBuilder().sslContext(RestClients.trustingAnyServer()).build();
        return JSON.readTree(http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body());
    }
}
