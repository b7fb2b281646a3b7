package dev.skiff.apiserver.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.ResourceRegistry;
import dev.skiff.apiserver.bootstrap.SystemNamespaces;
import dev.skiff.registry.core.configmap.ConfigMapStrategy;
import dev.skiff.registry.core.namespace.NamespaceStrategy;
import dev.skiff.registry.core.serviceaccount.ServiceAccountStrategy;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.Store;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PATCH through the handler over real registries on the embedded engine: each patch type, and its errors. */
class PatchHandlerTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private static final String CM = "/api/v1/namespaces/default/configmaps/c";
    private static final String SA = "/api/v1/namespaces/default/serviceaccounts/robot";

    @TempDir
    Path dir;
    Store store;
    ResourceHandler handler;

    @BeforeEach
    void setUp() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
        var builtIn = ResourceRegistry.builtIn();
        var namespaces = new GenericRegistry<>(store, NamespaceStrategy.RESOURCE, new NamespaceStrategy(), CLOCK, new Random(1));
        handler = new ResourceHandler(List.of(
                ServedResource.of(builtIn.find("", "v1", "namespaces").orElseThrow(), Namespace.class, namespaces, CLOCK),
                ServedResource.of(builtIn.find("", "v1", "configmaps").orElseThrow(), ConfigMap.class,
                        new GenericRegistry<>(store, ConfigMapStrategy.RESOURCE, new ConfigMapStrategy(), CLOCK, new Random(2)), CLOCK),
                ServedResource.of(builtIn.find("", "v1", "serviceaccounts").orElseThrow(), ServiceAccount.class,
                        new GenericRegistry<>(store, ServiceAccountStrategy.RESOURCE, new ServiceAccountStrategy(), CLOCK, new Random(3)), CLOCK)),
                builtIn.groupVersions());
        SystemNamespaces.ensure(namespaces);
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
    }

    private JsonNode call(String method, String path, String body, String contentType) {
        var response = new ResourceHandlerTest.Captured();
        handler.handle(ResourceHandlerTest.request(method, path, "", body, Map.of("content-type", contentType)), response);
        return response.json();
    }

    private JsonNode patch(String path, String type, String singleQuoted) {
        return call("PATCH", path, singleQuoted.replace('\'', '"'), type);
    }

    private ApiException patchFails(String path, String type, String singleQuoted) {
        return (ApiException) org.assertj.core.api.Assertions.catchThrowable(() -> patch(path, type, singleQuoted));
    }

    private void createConfigMap() {
        call("POST", "/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"c\",\"labels\":{\"a\":\"1\"}},\"data\":{\"x\":\"1\",\"y\":\"2\"}}",
                "application/json");
    }

    @Test
    void strategicMergePatchMergesServiceAccountSecretsByNameWhereMergePatchReplaces() {
        call("POST", "/api/v1/namespaces/default/serviceaccounts",
                "{\"metadata\":{\"name\":\"robot\"},\"secrets\":[{\"name\":\"s1\"},{\"name\":\"s2\"}]}", "application/json");
        JsonNode merged = patch(SA, Patcher.STRATEGIC_MERGE_PATCH, "{'secrets':[{'name':'s3'}]}");
        // as upstream, patch elements the live list does not hold come first
        assertThat(merged.get("secrets").findValuesAsText("name")).containsExactly("s3", "s1", "s2");
        JsonNode deleted = patch(SA, Patcher.STRATEGIC_MERGE_PATCH, "{'secrets':[{'name':'s1','$patch':'delete'}]}");
        assertThat(deleted.get("secrets").findValuesAsText("name")).containsExactly("s3", "s2");
        JsonNode replaced = patch(SA, Patcher.MERGE_PATCH, "{'secrets':[{'name':'only'}]}");
        assertThat(replaced.get("secrets").findValuesAsText("name")).containsExactly("only");
        assertThat(call("GET", SA, null, "application/json").get("secrets").findValuesAsText("name")).containsExactly("only");
    }

    @Test
    void strategicMergePatchOnConfigMapData() {
        createConfigMap();
        JsonNode result = patch(CM, Patcher.STRATEGIC_MERGE_PATCH, "{'data':{'x':null,'z':'3'},'metadata':{'labels':{'$patch':'replace','b':'2'}}}");
        assertThat(result.get("data").toString()).isEqualTo("{\"y\":\"2\",\"z\":\"3\"}");
        assertThat(result.at("/metadata/labels").toString()).isEqualTo("{\"b\":\"2\"}");
    }

    @Test
    void jsonPatchAppliesItsOperationsInOrder() {
        createConfigMap();
        JsonNode result = patch(CM, Patcher.JSON_PATCH, "[{'op':'test','path':'/data/x','value':'1'},{'op':'move','from':'/data/x','path':'/data/w'},"
                + "{'op':'add','path':'/metadata/labels/b','value':'2'},{'op':'remove','path':'/data/y'}]");
        assertThat(result.get("data").toString()).isEqualTo("{\"w\":\"1\"}");
        assertThat(result.at("/metadata/labels/b").asText()).isEqualTo("2");
    }

    @Test
    void aJsonPatchThatDoesNotApplyIsTheGeneric422AndWritesNothing() {
        createConfigMap();
        String rv = call("GET", CM, null, "application/json").at("/metadata/resourceVersion").asText();
        ApiException e = patchFails(CM, Patcher.JSON_PATCH, "[{'op':'add','path':'/data/n','value':'v'},{'op':'test','path':'/data/x','value':'2'}]");
        assertThat(e.code()).isEqualTo(422);
        assertThat(e.reason()).isEqualTo("Invalid");
        assertThat(e.getMessage()).isEqualTo("the server rejected our request due to an error in our request");
        JsonNode after = call("GET", CM, null, "application/json");
        assertThat(after.at("/metadata/resourceVersion").asText()).isEqualTo(rv);
        assertThat(after.at("/data").has("n")).isFalse();
    }

    @Test
    void aPatchNamingAStaleResourceVersionConflicts() {
        createConfigMap();
        ApiException e = patchFails(CM, Patcher.JSON_PATCH, "[{'op':'replace','path':'/metadata/resourceVersion','value':'1'},"
                + "{'op':'add','path':'/data/n','value':'v'}]");
        assertThat(e.code()).isEqualTo(409);
        ApiException smp = patchFails(CM, Patcher.STRATEGIC_MERGE_PATCH, "{'metadata':{'resourceVersion':'1'},'data':{'n':'v'}}");
        assertThat(smp.code()).isEqualTo(409);
    }

    @Test
    void malformedPatchesAndUnsupportedTypesAreRefused() {
        createConfigMap();
        ApiException notArray = patchFails(CM, Patcher.JSON_PATCH, "{'op':'add'}");
        assertThat(notArray.code()).isEqualTo(400);
        assertThat(notArray.getMessage()).isEqualTo("error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp");
        ApiException notObject = patchFails(CM, Patcher.STRATEGIC_MERGE_PATCH, "['x']");
        assertThat(notObject.code()).isEqualTo(400);
        assertThat(notObject.getMessage()).isEqualTo("json: cannot unmarshal array into Go value of type map[string]interface {}");
        ApiException mergeNotObject = patchFails(CM, Patcher.MERGE_PATCH, "['x']");
        assertThat(mergeNotObject.getMessage()).startsWith("error decoding patch: json: cannot unmarshal array");
        ApiException malformed = patchFails(CM, Patcher.STRATEGIC_MERGE_PATCH, "{'data':");
        assertThat(malformed.code()).isEqualTo(400);
        ApiException retainKeys = patchFails(CM, Patcher.STRATEGIC_MERGE_PATCH, "{'data':{'$retainKeys':'x'}}");
        assertThat(retainKeys.code()).isEqualTo(400);
        assertThat(retainKeys.getMessage()).isEqualTo("invalid patch format of retainKeys");
        assertThatThrownBy(() -> patch(CM, "text/plain", "{}")).isInstanceOfSatisfying(ApiException.class, x -> {
            assertThat(x.code()).isEqualTo(415);
            assertThat(x.getMessage()).isEqualTo("the body of the request was in an unknown format - accepted media types include: "
                    + "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, "
                    + "application/apply-patch+yaml");
        });
    }

    private JsonNode apply(String query, String yaml) {
        var response = new ResourceHandlerTest.Captured();
        handler.handle(ResourceHandlerTest.request("PATCH", CM, query, yaml, Map.of("content-type", Patcher.APPLY_PATCH)), response);
        return response.json();
    }

    @Test
    void serverSideApplyCreatesMergesConflictsAndForces() {
        String alice = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  key: one\n  gone: soon\n";
        JsonNode created = apply("fieldManager=alice", alice);
        assertThat(created.at("/data/key").asText()).isEqualTo("one");
        assertThat(created.at("/metadata/managedFields/0/manager").asText()).isEqualTo("alice");
        assertThat(created.at("/metadata/managedFields/0/operation").asText()).isEqualTo("Apply");
        assertThat(created.at("/metadata/managedFields/0/fieldsV1").toString()).isEqualTo("{\"f:data\":{\"f:gone\":{},\"f:key\":{}}}");

        JsonNode reapplied = apply("fieldManager=alice&fieldValidation=Strict", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  key: two\n");
        assertThat(reapplied.at("/data").toString()).isEqualTo("{\"key\":\"two\"}");

        String bob = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  key: three\n";
        assertThatThrownBy(() -> apply("fieldManager=bob", bob)).isInstanceOfSatisfying(ApiException.class, x -> {
            assertThat(x.code()).isEqualTo(409);
            assertThat(x.getMessage()).isEqualTo("Apply failed with 1 conflict: conflict with \"alice\": .data.key");
        });
        JsonNode forced = apply("fieldManager=bob&force=true", bob);
        assertThat(forced.at("/data/key").asText()).isEqualTo("three");
        assertThat(forced.at("/metadata/managedFields/0/manager").asText()).isEqualTo("bob");

        assertThatThrownBy(() -> apply("fieldManager=carol&fieldValidation=Strict", bob.replace("data:", "bogus: 1\ndata:")))
                .isInstanceOfSatisfying(ApiException.class, x -> assertThat(x.getMessage()).contains("unknown field \"bogus\""));
        assertThatThrownBy(() -> apply("", bob)).isInstanceOfSatisfying(ApiException.class, x -> {
            assertThat(x.code()).isEqualTo(400);
            assertThat(x.getMessage()).isEqualTo(
                    "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        });
    }

    @Test
    void createAndPatchRecordUpdateEntriesForTheirManagers() {
        var response = new ResourceHandlerTest.Captured();
        handler.handle(ResourceHandlerTest.request("POST", "/api/v1/namespaces/default/configmaps", "",
                "{\"metadata\":{\"name\":\"c\"},\"data\":{\"x\":\"1\",\"y\":\"2\"}}",
                Map.of("content-type", "application/json", "user-agent", "kubectl-create/v1.33.0 (linux/amd64) kubernetes/abc")), response);
        JsonNode created = response.json();
        assertThat(created.at("/metadata/managedFields/0/manager").asText()).isEqualTo("kubectl-create");
        assertThat(created.at("/metadata/managedFields/0/operation").asText()).isEqualTo("Update");
        assertThat(created.at("/metadata/managedFields/0/apiVersion").asText()).isEqualTo("v1");
        assertThat(created.at("/metadata/managedFields/0/fieldsV1").toString()).isEqualTo("{\"f:data\":{\"f:x\":{},\"f:y\":{}}}");

        var patched = new ResourceHandlerTest.Captured();
        handler.handle(ResourceHandlerTest.request("PATCH", CM, "fieldManager=editor&fieldValidation=Strict", "{\"data\":{\"x\":\"9\"}}",
                Map.of("content-type", Patcher.MERGE_PATCH)), patched);
        JsonNode entries = patched.json().at("/metadata/managedFields");
        assertThat(entries.size()).isEqualTo(2);
        Map<String, String> byManager = new java.util.HashMap<>();
        entries.forEach(e -> byManager.put(e.at("/manager").asText(), e.at("/fieldsV1").toString()));
        assertThat(byManager).containsOnly(Map.entry("kubectl-create", "{\"f:data\":{\"f:y\":{}}}"),
                Map.entry("editor", "{\"f:data\":{\"f:x\":{}}}"));
    }

    @Test
    void unknownFieldsUnderStrictAreInvalidPatchesAndDroppedOtherwise() {
        createConfigMap();
        var response = new ResourceHandlerTest.Captured();
        ApiException strict = (ApiException) org.assertj.core.api.Assertions.catchThrowable(() -> handler.handle(ResourceHandlerTest.request(
                "PATCH", CM, "fieldValidation=Strict", "{\"bogus\":1,\"data\":{\"z\":\"1\"}}",
                Map.of("content-type", Patcher.STRATEGIC_MERGE_PATCH)), response));
        assertThat(strict.code()).isEqualTo(422);
        assertThat(strict.getMessage()).isEqualTo(" \"\" is invalid: patch: Invalid value: \"map[bogus:1 data:map[z:1]]\": "
                + "strict decoding error: unknown field \"bogus\"");
        assertThat(call("GET", CM, null, "application/json").at("/data").has("z")).isFalse();

        ApiException json = (ApiException) org.assertj.core.api.Assertions.catchThrowable(() -> handler.handle(ResourceHandlerTest.request(
                "PATCH", CM, "fieldValidation=Strict", "[{\"op\":\"add\",\"path\":\"/bogus\",\"value\":1}]",
                Map.of("content-type", Patcher.JSON_PATCH)), response));
        assertThat(json.code()).isEqualTo(422);
        assertThat(json.status().getDetails().getCauses().getFirst().getField()).isEqualTo("patch");

        JsonNode warned = patch(CM, Patcher.MERGE_PATCH, "{'bogus':1,'data':{'z':'1'}}");
        assertThat(warned.has("bogus")).isFalse();
        assertThat(warned.at("/data/z").asText()).isEqualTo("1");
    }
}
