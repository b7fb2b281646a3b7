package dev.skiff.apiserver.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.ResourceRegistry;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import dev.skiff.apiserver.endpoints.ResponseStream;
import dev.skiff.apiserver.handlers.ServedResource;
import dev.skiff.apiserver.request.RequestInfoResolver;
import dev.skiff.registry.core.configmap.ConfigMapStrategy;
import dev.skiff.registry.core.namespace.NamespaceStrategy;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.Store;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /openapi/v2 and /openapi/v3 over real registries of namespaces and configmaps on the embedded store. */
class OpenApiTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    Store store;
    OpenApiV2 v2;
    OpenApiV3 v3;

    @BeforeEach
    void serve() throws Exception {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
        ResourceRegistry builtIn = ResourceRegistry.builtIn();
        List<ServedResource<?>> served = List.of(
                ServedResource.of(builtIn.find("", "v1", "namespaces").orElseThrow(), Namespace.class,
                        new GenericRegistry<>(store, NamespaceStrategy.RESOURCE, new NamespaceStrategy(), CLOCK, new Random(1)), CLOCK),
                ServedResource.of(builtIn.find("", "v1", "configmaps").orElseThrow(), ConfigMap.class,
                        new GenericRegistry<>(store, ConfigMapStrategy.RESOURCE, new ConfigMapStrategy(), CLOCK, new Random(2)), CLOCK));
        v2 = new OpenApiV2(served, "v1.33.0+skiff");
        v3 = new OpenApiV3(served, "v1.33.0+skiff", CLOCK);
    }

    @AfterEach
    void close() throws Exception {
        store.close();
    }

    record Sent(int status, String contentType, Map<String, String> headers, byte[] body) {
        JsonNode json() throws IOException {
            return MAPPER.readTree(body);
        }
    }

    private static Sent get(dev.skiff.apiserver.endpoints.ApiHandler handler, String path, Map<String, String> query,
                            Map<String, String> headers) throws Exception {
        var sent = new Sent[1];
        Map<String, List<String>> q = new LinkedHashMap<>();
        query.forEach((k, v) -> q.put(k, List.of(v)));
        Map<String, List<String>> h = new LinkedHashMap<>();
        headers.forEach((k, v) -> h.put(k.toLowerCase(), List.of(v)));
        var request = new ApiRequest(RequestInfoResolver.resolve("GET", path, Map.of()), new UserInfo("a", List.of()), "GET",
                path, q, h, new byte[0]);
        handler.handle(request, new ApiResponse() {
            @Override
            public void send(int status, String contentType, Map<String, String> headers, byte[] body) {
                sent[0] = new Sent(status, contentType, headers, body);
            }

            @Override
            public ResponseStream stream(int status, String contentType, Map<String, String> headers) {
                throw new AssertionError("no streams");
            }
        });
        return sent[0];
    }

    @Test
    void v2HasAnOperationPerServedVerbWithActionAndGvk() throws Exception {
        Sent sent = get(v2, "/openapi/v2", Map.of(), Map.of());
        assertThat(sent.status()).isEqualTo(200);
        assertThat(sent.contentType()).isEqualTo("application/json");
        JsonNode doc = sent.json();
        assertThat(doc.get("swagger").asText()).isEqualTo("2.0");
        JsonNode item = doc.get("paths").get("/api/v1/namespaces/{namespace}/configmaps/{name}");
        assertThat(item.fieldNames()).toIterable().containsExactlyInAnyOrder("parameters", "get", "put", "patch", "delete");
        JsonNode patch = item.get("patch");
        assertThat(patch.get("operationId").asText()).isEqualTo("patchCoreV1NamespacedConfigMap");
        assertThat(patch.get("x-kubernetes-action").asText()).isEqualTo("patch");
        assertThat(patch.get("x-kubernetes-group-version-kind").toString())
                .isEqualTo("{\"group\":\"\",\"kind\":\"ConfigMap\",\"version\":\"v1\"}");
        assertThat(patch.get("parameters").findValuesAsText("name")).contains("body", "fieldValidation", "fieldManager", "dryRun");
        assertThat(patch.get("responses").get("200").get("schema").get("$ref").asText())
                .isEqualTo("#/definitions/io.k8s.api.core.v1.ConfigMap");
        JsonNode collection = doc.get("paths").get("/api/v1/namespaces/{namespace}/configmaps");
        assertThat(collection.get("get").get("operationId").asText()).isEqualTo("listCoreV1NamespacedConfigMap");
        assertThat(collection.get("post").get("x-kubernetes-action").asText()).isEqualTo("post");
        assertThat(collection.get("delete").get("x-kubernetes-action").asText()).isEqualTo("deletecollection");
        assertThat(doc.get("paths").get("/api/v1/configmaps").get("get").get("operationId").asText())
                .isEqualTo("listCoreV1ConfigMapForAllNamespaces");
        // namespaces have no deletecollection, as upstream
        assertThat(doc.get("paths").get("/api/v1/namespaces").has("delete")).isFalse();
        assertThat(doc.get("definitions").get("io.k8s.api.core.v1.ConfigMapList").get("x-kubernetes-group-version-kind")
                .get(0).get("kind").asText()).isEqualTo("ConfigMapList");
        assertThat(doc.get("definitions").has("io.k8s.apimachinery.pkg.apis.meta.v1.Status")).isTrue();
        assertThat(doc.get("definitions").has("io.k8s.api.core.v1.Pod")).isFalse();
    }

    @Test
    void v2AnswersProtobufWhenAskedAndHonoursTheEtag() throws Exception {
        Sent json = get(v2, "/openapi/v2", Map.of(), Map.of());
        Sent pb = get(v2, "/openapi/v2", Map.of(), Map.of("Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"));
        assertThat(pb.contentType()).isEqualTo("application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
        assertThat(pb.headers().get("ETag")).matches("\"[0-9A-F]{128}\"").isNotEqualTo(json.headers().get("ETag"));
        Sent again = get(v2, "/openapi/v2", Map.of(), Map.of("If-None-Match", json.headers().get("ETag")));
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThatThrownBy(() -> get(v2, "/openapi/v2/x", Map.of(), Map.of())).isInstanceOf(ApiException.class);
    }

    /** Decodes one protobuf message into field number -> raw values, with protobuf-java's generic reader. */
    private static Map<Integer, List<Object>> fields(byte[] message) throws IOException {
        Map<Integer, List<Object>> fields = new LinkedHashMap<>();
        CodedInputStream in = CodedInputStream.newInstance(message);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            Object value = switch (WireFormat.getTagWireType(tag)) {
                case WireFormat.WIRETYPE_LENGTH_DELIMITED -> in.readByteArray();
                case WireFormat.WIRETYPE_VARINT -> in.readInt64();
                default -> throw new AssertionError("unexpected wire type in tag " + tag);
            };
            fields.computeIfAbsent(WireFormat.getTagFieldNumber(tag), n -> new ArrayList<>()).add(value);
        }
        return fields;
    }

    private static byte[] one(Map<Integer, List<Object>> fields, int number) {
        assertThat(fields.get(number)).as("field " + number).hasSize(1);
        return (byte[]) fields.get(number).getFirst();
    }

    private static String text(Map<Integer, List<Object>> fields, int number) {
        return new String(one(fields, number), StandardCharsets.UTF_8);
    }

    /** The value of the Named* entry called {@code name} among the repeated field {@code number}. */
    private static Map<Integer, List<Object>> named(Map<Integer, List<Object>> fields, int number, String name) throws IOException {
        for (Object entry : fields.get(number)) {
            var named = fields((byte[]) entry);
            if (text(named, 1).equals(name)) {
                return fields(one(named, 2));
            }
        }
        throw new AssertionError(name + " not in field " + number);
    }

    @Test
    void v2ProtobufIsGnosticsDocumentByFieldNumber() throws Exception {
        byte[] pb = get(v2, "/openapi/v2", Map.of(), Map.of("Accept", OpenApiV2.PROTOBUF)).body();
        var document = fields(pb);
        assertThat(text(document, 1)).isEqualTo("2.0"); // swagger
        assertThat(text(fields(one(document, 2)), 2)).isEqualTo("v1.33.0+skiff"); // info.version
        var paths = fields(one(document, 8)); // Paths.path = 2 (NamedPathItem)
        var item = named(paths, 2, "/api/v1/namespaces/{namespace}/configmaps/{name}");
        var patch = fields(one(item, 8)); // PathItem.patch = 8
        assertThat(text(patch, 5)).isEqualTo("patchCoreV1NamespacedConfigMap"); // operation_id
        var gvk = named(patch, 13, "x-kubernetes-group-version-kind"); // vendor_extension = 13, NamedAny.value = Any
        assertThat(MAPPER.readTree(text(gvk, 2)).get("kind").asText()).isEqualTo("ConfigMap"); // Any.yaml = 2
        List<String> queryParameters = new ArrayList<>();
        for (Object p : patch.get(8)) { // parameters: ParametersItem.parameter = 1 -> Parameter
            var parameter = fields(one(fields((byte[]) p), 1));
            if (parameter.containsKey(2)) { // non_body_parameter -> query_parameter_sub_schema = 3
                var query = fields(one(fields(one(parameter, 2)), 3));
                queryParameters.add(text(query, 4) + ":" + text(query, 6) + ":" + text(query, 2));
            } else { // body_parameter = 1: name = 2, schema = 5 with _ref = 1
                var body = fields(one(parameter, 1));
                assertThat(text(fields(one(body, 5)), 1)).isEqualTo("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch");
            }
        }
        assertThat(queryParameters).contains("fieldValidation:string:query", "force:boolean:query");
        var responses = fields(one(patch, 9)); // Responses.response_code = 1
        var ok = fields(one(named(responses, 1, "200"), 1)); // ResponseValue.response = 1
        assertThat(text(ok, 1)).isEqualTo("OK");
        assertThat(text(fields(one(fields(one(ok, 2)), 1)), 1)).isEqualTo("#/definitions/io.k8s.api.core.v1.ConfigMap");

        var definitions = fields(one(document, 9)); // Definitions.additional_properties = 1 (NamedSchema)
        var configMap = named(definitions, 1, "io.k8s.api.core.v1.ConfigMap");
        assertThat(text(fields(one(configMap, 22)), 1)).isEqualTo("object"); // type: TypeItem.value = 1
        var properties = fields(one(configMap, 25)); // Properties.additional_properties = 1
        var data = named(properties, 1, "data");
        var additional = fields(one(data, 21)); // AdditionalPropertiesItem.schema = 1
        assertThat(text(fields(one(fields(one(additional, 1)), 22)), 1)).isEqualTo("string");
        var kinds = named(configMap, 31, "x-kubernetes-group-version-kind");
        assertThat(MAPPER.readTree(text(kinds, 2)).get(0).get("version").asText()).isEqualTo("v1");
        var meta = named(definitions, 1, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        var finalizers = named(fields(one(meta, 25)), 1, "finalizers");
        assertThat(text(fields(one(finalizers, 22)), 1)).isEqualTo("array");
        assertThat(text(fields(one(fields(one(finalizers, 23)), 1)), 22)).isNotEmpty(); // items: ItemsItem.schema = 1
        assertThat(text(named(finalizers, 31, "x-kubernetes-patch-strategy"), 2)).isEqualTo("\"merge\"");
        var creation = named(fields(one(meta, 25)), 1, "creationTimestamp");
        assertThat(text(creation, 1)).isEqualTo("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time");
        assertThat(text(named(definitions, 1, "io.k8s.apimachinery.pkg.apis.meta.v1.Time"), 2)).isEqualTo("date-time");
    }

    @Test
    void v3IndexNamesHashedDocumentsThatAreImmutable() throws Exception {
        Sent index = get(v3, "/openapi/v3", Map.of(), Map.of());
        assertThat(index.headers().get("Cache-Control")).isEqualTo("no-cache, private");
        String url = index.json().get("paths").get("api/v1").get("serverRelativeURL").asText();
        assertThat(url).matches("/openapi/v3/api/v1\\?hash=[0-9A-F]{128}");
        assertThat(index.json().get("paths").size()).isEqualTo(1);
        String hash = url.substring(url.indexOf("hash=") + 5);

        Sent doc = get(v3, "/openapi/v3/api/v1", Map.of("hash", hash), Map.of());
        assertThat(doc.status()).isEqualTo(200);
        assertThat(doc.headers()).containsEntry("Cache-Control", "public, immutable")
                .containsEntry("Expires", "Sat, 2 Jan 2027 03:04:05 GMT").containsEntry("ETag", "\"" + hash + "\"");
        JsonNode json = doc.json();
        assertThat(json.get("openapi").asText()).isEqualTo("3.0.0");
        JsonNode configMap = json.get("components").get("schemas").get("io.k8s.api.core.v1.ConfigMap");
        assertThat(configMap.get("x-kubernetes-group-version-kind").get(0).get("kind").asText()).isEqualTo("ConfigMap");
        assertThat(configMap.get("properties").get("metadata").get("$ref").asText())
                .isEqualTo("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        JsonNode patch = json.get("paths").get("/api/v1/namespaces/{namespace}/configmaps/{name}").get("patch");
        assertThat(patch.get("parameters").findValuesAsText("name")).contains("fieldValidation");
        assertThat(patch.get("requestBody").get("content").has("application/strategic-merge-patch+json")).isTrue();
        assertThat(patch.get("responses").get("200").get("content").get("application/json").get("schema").get("$ref").asText())
                .isEqualTo("#/components/schemas/io.k8s.api.core.v1.ConfigMap");

        Sent stale = get(v3, "/openapi/v3/api/v1", Map.of("hash", "0BAD"), Map.of());
        assertThat(stale.status()).isEqualTo(301);
        assertThat(stale.headers().get("Location")).isEqualTo(url);
        assertThat(get(v3, "/openapi/v3/api/v1", Map.of(), Map.of("If-None-Match", "\"" + hash + "\"")).status()).isEqualTo(304);
        assertThatThrownBy(() -> get(v3, "/openapi/v3/apis/apps/v1", Map.of(), Map.of()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(404));
    }

    private static final String WIDGETS = "/apis/widgets.example.com/v1/namespaces/{namespace}/widgets";

    /** An extension's Swagger document as Go servers write it: shared parameters, a header parameter, allOf, enum, defaults. */
    private static JsonNode extensionSwagger(String description) throws IOException {
        return MAPPER.readTree("""
                {"swagger":"2.0","info":{"title":"widgets","version":"v0"},
                 "paths":{
                  "%s":{"parameters":[{"$ref":"#/parameters/namespace-x"}],
                   "get":{"operationId":"listWidget","parameters":[{"name":"X-Trace","in":"header","type":"string"},
                     {"name":"mode","in":"formData","type":"string"},{"name":"odd","in":"cookie","type":"string"}],
                    "responses":{"200":{"description":"OK","schema":{"$ref":"#/definitions/com.example.Widget"}},
                     "default":{"$ref":"#/responses/trouble"}},"deprecated":true,
                    "x-kubernetes-group-version-kind":{"group":"widgets.example.com","kind":"Widget","version":"v1"}},
                   "x-path-extension":"kept"},
                  "/apis/other.example.com/v1/things":{"get":{"operationId":"listThing"}}},
                 "definitions":{
                  "com.example.Widget":{"description":"%s","type":"object","properties":{
                    "metadata":{"$ref":"#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
                    "spec":{"allOf":[{"$ref":"#/definitions/com.example.WidgetSpec"}],"default":{}}}},
                  "com.example.WidgetSpec":{"type":["object"],"properties":{"color":{"type":"string","enum":["red","blue"]},
                    "parts":{"type":"array","items":[{"type":"string"}]}}},
                  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta":{"description":"the extension's","type":"object"},
                  "com.example.Thing":{"type":"object"}},
                 "parameters":{"namespace-x":{"name":"namespace","in":"path","required":true,"type":"string"}}}
                """.formatted(WIDGETS, description));
    }

    @Test
    void v2MergesTheAPIServicesPathsAndTheDefinitionsTheyReachInBothEncodings() throws Exception {
        var gv = new dev.skiff.api.resource.GroupVersion("widgets.example.com", "v1");
        List<AggregatedSpec> specs = List.of(new AggregatedSpec(gv, extensionSwagger("A widget."), null));
        v2.aggregate(() -> specs);
        JsonNode doc = get(v2, "/openapi/v2", Map.of(), Map.of()).json();
        JsonNode widgets = doc.get("paths").get(WIDGETS);
        assertThat(widgets.at("/parameters/0/name").asText()).as("the shared parameter inlined").isEqualTo("namespace");
        assertThat(doc.get("paths").has("/apis/other.example.com/v1/things")).isFalse();
        assertThat(doc.get("paths").has("/api/v1/namespaces/{namespace}/configmaps")).isTrue();
        assertThat(doc.get("definitions").fieldNames()).toIterable()
                .contains("com.example.Widget", "com.example.WidgetSpec", "io.k8s.api.core.v1.ConfigMap").doesNotContain("com.example.Thing");
        assertThat(doc.at("/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta/description").asText())
                .as("skiff's own definition stays").isEmpty();
        assertThat(doc.has("parameters")).isFalse();

        var document = fields(get(v2, "/openapi/v2", Map.of(), Map.of("Accept", OpenApiV2.PROTOBUF)).body());
        var item = named(fields(one(document, 8)), 2, WIDGETS);
        var list = fields(one(item, 2)); // PathItem.get = 2
        assertThat(text(list, 5)).isEqualTo("listWidget");
        assertThat(list.get(8)).as("header and formData parameters; cookie has no gnostic message").hasSize(2);
        var header = fields(one(fields(one(fields(one(fields((byte[]) list.get(8).get(0)), 1)), 2)), 1)); // header sub-schema = 1
        assertThat(text(header, 4) + ":" + text(header, 5)).isEqualTo("X-Trace:string"); // name = 4, type = 5
        assertThat(list.get(11)).containsExactly(1L); // deprecated
        var trouble = fields(one(named(fields(one(list, 9)), 1, "default"), 2)); // ResponseValue.json_reference = 2
        assertThat(text(trouble, 1)).isEqualTo("#/responses/trouble");
        assertThat(text(named(item, 10, "x-path-extension"), 2)).isEqualTo("\"kept\"");
        var definitions = fields(one(document, 9));
        assertThat(text(named(definitions, 1, "com.example.Widget"), 4)).isEqualTo("A widget.");
        var spec = named(fields(one(named(definitions, 1, "com.example.Widget"), 25)), 1, "spec");
        assertThat(text(fields(one(spec, 24)), 1)).isEqualTo("#/definitions/com.example.WidgetSpec"); // allOf = 24
        assertThat(text(fields(one(spec, 5)), 2)).isEqualTo("{}"); // default = 5, Any.yaml
        var color = named(fields(one(named(definitions, 1, "com.example.WidgetSpec"), 25)), 1, "color");
        assertThat(color.get(20)).hasSize(2); // enum
        var parts = named(fields(one(named(definitions, 1, "com.example.WidgetSpec"), 25)), 1, "parts");
        assertThat(text(fields(one(fields(one(parts, 23)), 1)), 22)).isNotEmpty(); // items given as a list
    }

    @Test
    void v2AndV3AreRebuiltWhenTheAggregatorPublishesAnotherList() throws Exception {
        var gv = new dev.skiff.api.resource.GroupVersion("widgets.example.com", "v1");
        var published = new java.util.concurrent.atomic.AtomicReference<List<AggregatedSpec>>(List.of());
        v2.aggregate(published::get);
        v3.aggregate(published::get);
        String before = get(v2, "/openapi/v2", Map.of(), Map.of()).headers().get("ETag");
        byte[] v3Document = "{\"openapi\":\"3.0.0\",\"paths\":{}}".getBytes(StandardCharsets.UTF_8);
        published.set(List.of(new AggregatedSpec(gv, extensionSwagger("A widget."), v3Document)));
        Sent merged = get(v2, "/openapi/v2", Map.of(), Map.of());
        assertThat(merged.headers().get("ETag")).isNotEqualTo(before);
        assertThat(merged.json().get("paths").has(WIDGETS)).isTrue();

        JsonNode index = get(v3, "/openapi/v3", Map.of(), Map.of()).json();
        String url = index.get("paths").get("apis/widgets.example.com/v1").get("serverRelativeURL").asText();
        assertThat(url).matches("/openapi/v3/apis/widgets\\.example\\.com/v1\\?hash=[0-9A-F]{128}");
        String hash = url.substring(url.indexOf("hash=") + 5);
        Sent doc = get(v3, "/openapi/v3/apis/widgets.example.com/v1", Map.of("hash", hash), Map.of());
        assertThat(doc.body()).isEqualTo(v3Document);
        assertThat(doc.headers()).containsEntry("Cache-Control", "public, immutable").containsEntry("ETag", "\"" + hash + "\"");
        assertThat(get(v3, "/openapi/v3/apis/widgets.example.com/v1", Map.of("hash", "0BAD"), Map.of()).headers())
                .containsEntry("Location", url);
        assertThat(index.get("paths").has("api/v1")).isTrue();

        published.set(List.of());
        assertThat(get(v2, "/openapi/v2", Map.of(), Map.of()).headers().get("ETag")).isEqualTo(before);
        assertThat(get(v3, "/openapi/v3", Map.of(), Map.of()).json().get("paths").has("apis/widgets.example.com/v1")).isFalse();
        assertThatThrownBy(() -> get(v3, "/openapi/v3/apis/widgets.example.com/v1", Map.of(), Map.of()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(404));
    }
}
