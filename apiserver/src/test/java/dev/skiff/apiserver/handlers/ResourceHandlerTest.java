package dev.skiff.apiserver.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.ResourceRegistry;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.bootstrap.SystemNamespaces;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import dev.skiff.apiserver.endpoints.ResponseStream;
import dev.skiff.apiserver.request.RequestInfoResolver;
import dev.skiff.registry.core.configmap.ConfigMapStrategy;
import dev.skiff.registry.core.namespace.NamespaceStrategy;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.Store;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST handlers over real registries on the embedded engine, called as the request chain calls them. */
class ResourceHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    Store store;
    ResourceHandler handler;
    GenericRegistry<Namespace> namespaces;

    @BeforeEach
    void setUp() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
        var builtIn = ResourceRegistry.builtIn();
        namespaces = new GenericRegistry<>(store, NamespaceStrategy.RESOURCE, new NamespaceStrategy(), CLOCK, new Random(1));
        var configMaps = new GenericRegistry<>(store, ConfigMapStrategy.RESOURCE, new ConfigMapStrategy(), CLOCK, new Random(2));
        handler = new ResourceHandler(List.of(
                ServedResource.of(builtIn.find("", "v1", "namespaces").orElseThrow(), Namespace.class, namespaces, CLOCK),
                ServedResource.of(builtIn.find("", "v1", "configmaps").orElseThrow(), ConfigMap.class, configMaps, CLOCK)),
                builtIn.groupVersions());
        SystemNamespaces.ensure(namespaces);
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
    }

    @Test
    void systemNamespacesAreCreatedOnceAndBootstrapIsIdempotent() throws Exception {
        SystemNamespaces.ensure(namespaces);
        var list = call("GET", "/api/v1/namespaces", "", null, Map.of());
        assertThat(list.code).isEqualTo(200);
        assertThat(names(list.json())).containsExactly("default", "kube-node-lease", "kube-public", "kube-system");
        assertThat(list.json().get("kind").asText()).isEqualTo("NamespaceList");
        assertThat(list.json().get("items").get(0).get("status").get("phase").asText()).isEqualTo("Active");
    }

    @Test
    void createGetListWithSelectorsAndPaging() throws Exception {
        for (int i = 0; i < 3; i++) {
            var created = call("POST", "/api/v1/namespaces/default/configmaps", "",
                    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c" + i + "\",\"labels\":{\"i\":\"" + i + "\"}},"
                            + "\"data\":{\"k\":\"v\"}}", Map.of());
            assertThat(created.code).isEqualTo(201);
            assertThat(created.json().get("metadata").get("uid").asText()).isNotEmpty();
        }
        assertThat(call("GET", "/api/v1/namespaces/default/configmaps/c1", "", null, Map.of()).json().get("data").get("k").asText())
                .isEqualTo("v");
        assertThat(names(call("GET", "/api/v1/namespaces/default/configmaps", "labelSelector=i%20in%20(0,2)", null, Map.of()).json()))
                .containsExactly("c0", "c2");
        assertThat(names(call("GET", "/api/v1/configmaps", "fieldSelector=metadata.name%3Dc1", null, Map.of()).json()))
                .containsExactly("c1");

        var page = call("GET", "/api/v1/namespaces/default/configmaps", "limit=2", null, Map.of()).json();
        assertThat(names(page)).containsExactly("c0", "c1");
        assertThat(page.get("metadata").get("remainingItemCount").asLong()).isEqualTo(1);
        String token = page.get("metadata").get("continue").asText();
        var rest = call("GET", "/api/v1/namespaces/default/configmaps", "limit=2&continue=" + token, null, Map.of()).json();
        assertThat(names(rest)).containsExactly("c2");
        assertThat(rest.get("metadata").has("continue")).isFalse();

        assertThatThrownBy(() -> call("GET", "/api/v1/namespaces/default/configmaps", "fieldSelector=data.k%3Dv", null, Map.of()))
                .isInstanceOf(ApiException.class).hasMessage("field label not supported: data.k");
    }

    @Test
    void generateNameDryRunAndBodyChecks() throws Exception {
        var generated = call("POST", "/api/v1/namespaces/default/configmaps", "",
                "{\"metadata\":{\"generateName\":\"gen-\"}}", Map.of()).json();
        assertThat(generated.get("metadata").get("name").asText()).matches("gen-[a-z0-9]{5}");

        var dry = call("POST", "/api/v1/namespaces/default/configmaps", "dryRun=All", "{\"metadata\":{\"name\":\"dry\"}}", Map.of());
        assertThat(dry.code).isEqualTo(201);
        assertThatThrownBy(() -> call("GET", "/api/v1/namespaces/default/configmaps/dry", "", null, Map.of()))
                .isInstanceOf(ApiException.class).hasMessage("configmaps \"dry\" not found");

        assertThatThrownBy(() -> call("POST", "/api/v1/namespaces/default/configmaps", "fieldValidation=Strict",
                "{\"metadata\":{\"name\":\"x\",\"bogus\":1},\"extra\":true}", Map.of()))
                .isInstanceOf(ApiException.class).hasMessage("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: "
                        + "strict decoding error: unknown field \"metadata.bogus\", unknown field \"extra\"");
        var ignored = call("POST", "/api/v1/namespaces/default/configmaps", "fieldValidation=Ignore",
                "{\"metadata\":{\"name\":\"ignored\"},\"extra\":true}", Map.of());
        assertThat(ignored.json().has("extra")).isFalse();
        assertThat(ignored.headers).doesNotContainKey("Warning");
        var warned = call("POST", "/api/v1/namespaces/default/configmaps", "",
                "{\"metadata\":{\"name\":\"warned\"},\"extra\":true}", Map.of());
        assertThat(warned.headers.get("Warning")).isEqualTo("299 - \"unknown field \\\"extra\\\"\"");

        assertThatThrownBy(() -> call("POST", "/api/v1/namespaces/default/configmaps", "",
                "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"}}", Map.of()))
                .isInstanceOf(ApiException.class).hasMessageStartingWith("Secret in version \"v1\" cannot be handled as a ConfigMap");
        assertThatThrownBy(() -> call("POST", "/api/v1/namespaces/default/configmaps", "",
                "{\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"s\"}}", Map.of()))
                .isInstanceOf(ApiException.class)
                .hasMessage("the API version in the data (apps/v1) does not match the expected API version (v1)");
        assertThatThrownBy(() -> call("POST", "/api/v1/namespaces/default/configmaps", "", "{not json", Map.of()))
                .isInstanceOf(ApiException.class).hasMessageStartingWith("the object provided is unrecognized (must be of type ConfigMap)");
    }

    @Test
    void updatePatchDeleteAndDeleteCollection() throws Exception {
        call("POST", "/api/v1/namespaces/default/configmaps", "", "{\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"1\"}}", Map.of());
        var current = call("GET", "/api/v1/namespaces/default/configmaps/c", "", null, Map.of()).json();
        String rv = current.get("metadata").get("resourceVersion").asText();
        var updated = call("PUT", "/api/v1/namespaces/default/configmaps/c", "",
                "{\"metadata\":{\"name\":\"c\",\"resourceVersion\":\"" + rv + "\"},\"data\":{\"a\":\"2\"}}", Map.of());
        assertThat(updated.code).isEqualTo(200);
        assertThatThrownBy(() -> call("PUT", "/api/v1/namespaces/default/configmaps/c", "",
                "{\"metadata\":{\"name\":\"c\",\"resourceVersion\":\"" + rv + "\"},\"data\":{\"a\":\"3\"}}", Map.of()))
                .isInstanceOf(ApiException.class).extracting(e -> ((ApiException) e).code()).isEqualTo(409);

        var patched = call("PATCH", "/api/v1/namespaces/default/configmaps/c", "",
                "{\"metadata\":{\"labels\":{\"x\":\"y\"}},\"data\":{\"b\":\"3\",\"a\":null}}",
                Map.of("content-type", "application/merge-patch+json")).json();
        assertThat(patched.get("metadata").get("labels").get("x").asText()).isEqualTo("y");
        assertThat(patched.get("data").toString()).isEqualTo("{\"b\":\"3\"}");

        var deleted = call("DELETE", "/api/v1/namespaces/default/configmaps/c", "", "{\"propagationPolicy\":\"Background\"}", Map.of());
        assertThat(deleted.code).isEqualTo(200);
        assertThat(deleted.json().get("kind").asText()).isEqualTo("Status");
        assertThat(deleted.json().get("status").asText()).isEqualTo("Success");
        assertThat(deleted.json().get("details").get("kind").asText()).isEqualTo("configmaps");

        call("POST", "/api/v1/namespaces/default/configmaps", "", "{\"metadata\":{\"name\":\"d1\",\"labels\":{\"g\":\"1\"}}}", Map.of());
        call("POST", "/api/v1/namespaces/default/configmaps", "", "{\"metadata\":{\"name\":\"d2\"}}", Map.of());
        var collection = call("DELETE", "/api/v1/namespaces/default/configmaps", "labelSelector=g%3D1", null, Map.of()).json();
        assertThat(names(collection)).containsExactly("d1");
        assertThat(names(call("GET", "/api/v1/namespaces/default/configmaps", "", null, Map.of()).json())).containsExactly("d2");

        // a namespace waits for its finalizer: the delete answers the Terminating object
        var ns = call("DELETE", "/api/v1/namespaces/kube-public", "", null, Map.of()).json();
        assertThat(ns.get("kind").asText()).isEqualTo("Namespace");
        assertThat(ns.get("status").get("phase").asText()).isEqualTo("Terminating");
        assertThatThrownBy(() -> call("DELETE", "/api/v1/namespaces", "", null, Map.of()))
                .isInstanceOf(ApiException.class).extracting(e -> ((ApiException) e).code()).isEqualTo(405);
    }

    @Test
    void tablesForKubectlGet() throws Exception {
        var accept = Map.of("accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
        var table = call("GET", "/api/v1/namespaces", "", null, accept);
        assertThat(table.contentType).isEqualTo(ResourceHandler.TABLE);
        assertThat(table.json().get("columnDefinitions").findValuesAsText("name")).containsExactly("Name", "Status", "Age");
        assertThat(table.json().get("rows").get(0).get("cells").toString()).isEqualTo("[\"default\",\"Active\",\"0s\"]");
        assertThat(table.json().get("rows").get(0).get("object").get("kind").asText()).isEqualTo("PartialObjectMetadata");
        call("POST", "/api/v1/namespaces/default/configmaps", "", "{\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"1\",\"b\":\"2\"}}", Map.of());
        var cm = call("GET", "/api/v1/namespaces/default/configmaps/c", "", null, accept).json();
        assertThat(cm.get("rows").get(0).get("cells").toString()).isEqualTo("[\"c\",2,\"0s\"]");
    }

    @Test
    void watchStreamsEventsAndEndsAtTimeout() throws Exception {
        var response = new Captured();
        var thread = Thread.ofVirtual().start(() -> {
            try {
                handler.handle(request("GET", "/api/v1/namespaces/default/configmaps", "watch=true&timeoutSeconds=2", null, Map.of()), response);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(300);
        call("POST", "/api/v1/namespaces/default/configmaps", "", "{\"metadata\":{\"name\":\"w\"}}", Map.of());
        thread.join(10_000);
        assertThat(thread.isAlive()).isFalse();
        List<JsonNode> events = response.body().lines().map(ResourceHandlerTest::parse).toList();
        assertThat(events).hasSize(1);
        assertThat(events.getFirst().get("type").asText()).isEqualTo("ADDED");
        assertThat(events.getFirst().get("object").get("metadata").get("name").asText()).isEqualTo("w");
        assertThat(response.closed).isTrue();
    }

    @Test
    void queuedWatchEventsGoOutTogetherWholeAndInOrder() throws Exception {
        long before = store.status().revision();
        for (int i = 0; i < 60; i++) {
            call("POST", "/api/v1/namespaces/default/configmaps", "", "{\"metadata\":{\"name\":\"q" + i + "\"}}", Map.of());
        }
        var response = new Captured();
        // replayed from before the creates: all 60 events are queued at once
        handler.handle(request("GET", "/api/v1/namespaces/default/configmaps", "watch=true&timeoutSeconds=2&resourceVersion=" + before,
                null, Map.of()), response);
        List<JsonNode> events = response.body().lines().map(ResourceHandlerTest::parse).toList();
        assertThat(events).hasSize(60);
        for (int i = 0; i < 60; i++) {
            assertThat(events.get(i).get("type").asText()).isEqualTo("ADDED");
            assertThat(events.get(i).get("object").get("metadata").get("name").asText()).isEqualTo("q" + i);
        }
        assertThat(response.writes).as("events already queued share a write").isLessThan(60);
    }

    @Test
    void watchFromACompactedVersionIsA410ErrorEvent() throws Exception {
        call("POST", "/api/v1/namespaces/default/configmaps", "", "{\"metadata\":{\"name\":\"a\"}}", Map.of());
        call("POST", "/api/v1/namespaces/default/configmaps", "", "{\"metadata\":{\"name\":\"b\"}}", Map.of());
        long revision = store.status().revision();
        store.compact(revision);
        var response = new Captured();
        handler.handle(request("GET", "/api/v1/namespaces/default/configmaps", "watch=true&timeoutSeconds=5&resourceVersion=2", null,
                Map.of()), response);
        JsonNode event = parse(response.body().lines().findFirst().orElseThrow());
        assertThat(event.get("type").asText()).isEqualTo("ERROR");
        assertThat(event.get("object").get("code").asInt()).isEqualTo(410);
        assertThat(event.get("object").get("reason").asText()).isEqualTo("Expired");
    }

    // -- helpers

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError(line, e);
        }
    }

    private static List<String> names(JsonNode list) {
        return list.get("items").findValues("metadata").stream().map(m -> m.get("name").asText()).toList();
    }

    static ApiRequest request(String method, String path, String rawQuery, String body, Map<String, String> headers) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (!rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                String[] kv = pair.split("=", 2);
                query.computeIfAbsent(java.net.URLDecoder.decode(kv[0], StandardCharsets.UTF_8), k -> new java.util.ArrayList<>())
                        .add(java.net.URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8));
            }
        }
        Map<String, List<String>> hs = new HashMap<>();
        hs.put("content-type", List.of("application/json"));
        headers.forEach((k, v) -> hs.put(k, List.of(v)));
        return new ApiRequest(RequestInfoResolver.resolve(method, path, query), new UserInfo("admin", List.of("system:masters")),
                method, path, query, hs, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
    }

    private Captured call(String method, String path, String rawQuery, String body, Map<String, String> headers) throws Exception {
        var response = new Captured();
        handler.handle(request(method, path, rawQuery, body, headers), response);
        return response;
    }

    static final class Captured implements ApiResponse {
        int code;
        String contentType;
        Map<String, String> headers = Map.of();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        volatile boolean closed;
        int writes;

        @Override
        public void send(int status, String type, Map<String, String> extra, byte[] body) {
            code = status;
            contentType = type;
            headers = extra;
            out.writeBytes(body);
        }

        @Override
        public ResponseStream stream(int status, String type, Map<String, String> extra) {
            code = status;
            contentType = type;
            return new ResponseStream() {
                @Override
                public boolean write(byte[] chunk) {
                    synchronized (out) {
                        out.writeBytes(chunk);
                        writes++;
                    }
                    return true;
                }

                @Override
                public void close() {
                    closed = true;
                }
            };
        }

        String body() {
            synchronized (out) {
                return out.toString(StandardCharsets.UTF_8);
            }
        }

        JsonNode json() {
            return parse(body());
        }
    }
}
