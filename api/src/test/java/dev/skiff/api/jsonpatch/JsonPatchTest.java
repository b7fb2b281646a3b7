package dev.skiff.api.jsonpatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.errors.ApiException;
import org.junit.jupiter.api.Test;

class JsonPatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String singleQuoted) {
        try {
            return JSON.readTree(singleQuoted.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static final JsonNode DOC = json("{'metadata':{'name':'c','labels':{'a/b':'1'}},'data':{'x':'1','y':'2'},'list':['p','q']}");

    private static JsonNode apply(String patch) {
        return JsonPatch.decode(json(patch), true).apply(DOC);
    }

    @Test
    void addRemoveReplaceMoveCopyTest() {
        JsonNode result = apply("[{'op':'test','path':'/data/x','value':'1'},"
                + "{'op':'add','path':'/data/z','value':'3'},"
                + "{'op':'remove','path':'/data/y'},"
                + "{'op':'replace','path':'/data/x','value':'one'},"
                + "{'op':'move','from':'/data/z','path':'/data/w'},"
                + "{'op':'copy','from':'/data/w','path':'/metadata/labels/copied'},"
                + "{'op':'add','path':'/list/-','value':'r'},"
                + "{'op':'add','path':'/list/0','value':'o'},"
                + "{'op':'remove','path':'/list/-1'},"
                + "{'op':'replace','path':'/metadata/labels/a~1b','value':'2'}]");
        assertThat(result).isEqualTo(json("{'metadata':{'name':'c','labels':{'a/b':'2','copied':'3'}},"
                + "'data':{'x':'one','w':'3'},'list':['o','p','q']}"));
        assertThat(DOC.get("data").has("y")).as("input untouched").isTrue();
    }

    @Test
    void leniencesOfTheLibraryKubernetesUses() {
        assertThat(apply("[{'op':'replace','path':'/data/new','value':'n'}]").at("/data/new").asText()).isEqualTo("n");
        assertThat(apply("[{'op':'add','path':'/data/nothing'}]").at("/data/nothing").isNull()).isTrue();
        assertThat(apply("[{'op':'test','path':'/data/missing','value':null}]")).isEqualTo(DOC);
        assertThat(apply("[{'op':'replace','path':'','value':{'kind':'X'}}]")).isEqualTo(json("{'kind':'X'}"));
    }

    @Test
    void operationsThatDoNotApplyFailWithTheLibrarysMessages() {
        assertThatThrownBy(() -> apply("[{'op':'test','path':'/data/x','value':'2'}]"))
                .isInstanceOf(JsonPatchException.class).hasMessage("testing value /data/x failed: test failed");
        assertThatThrownBy(() -> apply("[{'op':'test','path':'/data/x','value':1}]")).isInstanceOf(JsonPatchException.class);
        assertThatThrownBy(() -> apply("[{'op':'remove','path':'/data/nope'}]")).isInstanceOf(JsonPatchException.class)
                .hasMessage("error in remove for path: '/data/nope': Unable to remove nonexistent key: nope: missing value");
        assertThatThrownBy(() -> apply("[{'op':'add','path':'/nope/deeper','value':1}]")).isInstanceOf(JsonPatchException.class)
                .hasMessage("add operation does not apply: doc is missing path: \"/nope/deeper\": missing value");
        assertThatThrownBy(() -> apply("[{'op':'add','path':'/list/5','value':1}]")).isInstanceOf(JsonPatchException.class);
        assertThatThrownBy(() -> apply("[{'op':'remove','path':'/list/x'}]")).isInstanceOf(JsonPatchException.class);
        assertThatThrownBy(() -> apply("[{'op':'frobnicate','path':'/data'}]")).isInstanceOf(JsonPatchException.class)
                .hasMessage("Unexpected kind: frobnicate");
        assertThatThrownBy(() -> apply("[{'op':'add','value':1}]")).isInstanceOf(JsonPatchException.class);
        assertThatThrownBy(() -> apply("[{'op':'move','from':'/data','path':'/data/inner'}]")).isInstanceOf(JsonPatchException.class);
    }

    @Test
    void copiesAreLimitedToThreeMebibytesInTotal() {
        StringBuilder big = new StringBuilder();
        big.append("x".repeat(1024 * 1024));
        JsonNode doc = json("{'data':{'big':'" + big + "'}}");
        JsonPatch patch = JsonPatch.decode(json("[{'op':'copy','from':'/data/big','path':'/data/b1'},"
                + "{'op':'copy','from':'/data/big','path':'/data/b2'},{'op':'copy','from':'/data/big','path':'/data/b3'}]"), true);
        assertThatThrownBy(() -> patch.apply(doc)).isInstanceOf(JsonPatchException.class)
                .hasMessageStartingWith("Unable to complete the copy");
    }

    @Test
    void malformedPatchesAreBadRequests() {
        assertThatThrownBy(() -> JsonPatch.decode(json("{'op':'add'}"), true)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(400);
            assertThat(e.getMessage()).isEqualTo("error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp");
        });
        assertThatThrownBy(() -> JsonPatch.decode(json("[1]"), false)).isInstanceOfSatisfying(ApiException.class, e ->
                assertThat(e.getMessage()).isEqualTo("json: cannot unmarshal number into Go value of type jsonpatch.Operation"));
        assertThatThrownBy(() -> JsonPatch.decode(json("[{'op':'add','path':5}]"), true)).isInstanceOfSatisfying(ApiException.class, e ->
                assertThat(e.getMessage()).isEqualTo("error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string"));
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i <= JsonPatch.MAX_OPERATIONS; i++) {
            many.append(i == 0 ? "" : ",").append("{'op':'test','path':'/data/x','value':'1'}");
        }
        assertThatThrownBy(() -> JsonPatch.decode(json(many + "]"), true)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(413);
            assertThat(e.getMessage()).isEqualTo("Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001");
        });
    }

    @Test
    void mergePatchMergesObjectsReplacesListsAndDeletesNulls() {
        JsonNode result = MergePatch.apply(DOC, json("{'data':{'x':null,'n':{'keep':1,'drop':null}},'list':['z']}"));
        assertThat(result).isEqualTo(json("{'metadata':{'name':'c','labels':{'a/b':'1'}},'data':{'y':'2','n':{'keep':1}},'list':['z']}"));
    }
}
