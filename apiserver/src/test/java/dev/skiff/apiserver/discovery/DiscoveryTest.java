package dev.skiff.apiserver.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.GroupVersion;
import dev.skiff.api.resource.ResourceRegistry;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import dev.skiff.apiserver.endpoints.ResponseStream;
import dev.skiff.apiserver.request.RequestInfoResolver;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DiscoveryTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final ResourceRegistry builtIn = ResourceRegistry.builtIn();
    private final Discovery discovery = new Discovery(List.of(
            new Discovery.Entry(builtIn.find("", "v1", "configmaps").orElseThrow(), Set.of("get", "list", "create"), List.of()),
            new Discovery.Entry(builtIn.find("", "v1", "namespaces").orElseThrow(), Set.of("get"), List.of("status")),
            new Discovery.Entry(builtIn.find("apps", "v1", "deployments").orElseThrow(), Set.of("get"), List.of())),
            builtIn.groupVersions());

    record Sent(String contentType, JsonNode body) {
    }

    private Sent get(String path, String accept) {
        var sent = new Sent[1];
        var request = new ApiRequest(RequestInfoResolver.resolve("GET", path, Map.of()), new UserInfo("a", List.of()), "GET", path,
                Map.of(), accept == null ? Map.of("host", List.of("h:1")) : Map.of("accept", List.of(accept), "host", List.of("h:1")),
                new byte[0]);
        discovery.serve(request, Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList(), new ApiResponse() {
            @Override
            public void send(int status, String contentType, Map<String, String> headers, byte[] body) {
                try {
                    sent[0] = new Sent(contentType, MAPPER.readTree(body));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }

            @Override
            public ResponseStream stream(int status, String contentType, Map<String, String> headers) {
                throw new AssertionError();
            }
        });
        return sent[0];
    }

    @Test
    void legacyDocumentsListOnlyServedResources() {
        var api = get("/api", null);
        assertThat(api.body().get("kind").asText()).isEqualTo("APIVersions");
        assertThat(api.body().get("versions").toString()).isEqualTo("[\"v1\"]");
        var v1 = get("/api/v1", null).body();
        assertThat(v1.get("resources").findValuesAsText("name")).containsExactly("configmaps", "namespaces", "namespaces/status");
        JsonNode cm = v1.get("resources").get(0);
        assertThat(cm.get("verbs").toString()).isEqualTo("[\"create\",\"get\",\"list\"]");
        assertThat(cm.get("shortNames").toString()).isEqualTo("[\"cm\"]");
        assertThat(cm.get("singularName").asText()).isEqualTo("configmap");
        var groups = get("/apis", "application/json").body();
        assertThat(groups.get("groups").get(0).get("preferredVersion").get("groupVersion").asText()).isEqualTo("apps/v1");
        assertThat(groups.get("groups")).hasSize(1);
        assertThat(get("/apis/apps/v1", null).body().get("resources").get(0).get("categories").toString()).isEqualTo("[\"all\"]");
        assertThatThrownBy(() -> get("/apis/batch/v1", null)).isInstanceOf(ApiException.class);
    }

    @Test
    void aggregatedDiscoveryWhenAskedFor() {
        String accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        var core = get("/api", accept);
        assertThat(core.contentType()).isEqualTo(Discovery.AGGREGATED_V2);
        assertThat(core.body().get("apiVersion").asText()).isEqualTo("apidiscovery.k8s.io/v2");
        JsonNode resources = core.body().get("items").get(0).get("versions").get(0).get("resources");
        assertThat(resources.findValuesAsText("resource")).containsExactly("configmaps", "namespaces");
        assertThat(resources.get(1).get("scope").asText()).isEqualTo("Cluster");
        assertThat(resources.get(1).get("subresources").get(0).get("subresource").asText()).isEqualTo("status");
        var groups = get("/apis", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
        assertThat(groups.contentType()).isEqualTo(Discovery.AGGREGATED_V2BETA1);
        assertThat(groups.body().get("items").get(0).get("metadata").get("name").asText()).isEqualTo("apps");
        assertThat(new GroupVersion("apps", "v1").path()).isEqualTo("/apis/apps/v1");
    }
}
