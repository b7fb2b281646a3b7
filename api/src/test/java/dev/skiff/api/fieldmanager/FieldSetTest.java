package dev.skiff.api.fieldmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import org.junit.jupiter.api.Test;

class FieldSetTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    private static List<PathElement> path(String... fields) {
        return java.util.Arrays.stream(fields).map(PathElement::parse).toList();
    }

    @Test
    void fieldsV1RoundTripsWithMembersThatHaveChildren() {
        String encoded = "{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}},\"f:spec\":{\"f:containers\":"
                + "{\"k:{\\\"name\\\":\\\"c\\\"}\":{\".\":{},\"f:image\":{},\"f:name\":{}}}}}";
        FieldSet set = FieldsV1.fromJson(encoded);
        assertThat(set.has(path("f:metadata", "f:labels"))).isTrue();
        assertThat(set.has(path("f:metadata"))).isFalse();
        assertThat(set.has(path("f:spec", "f:containers", "k:{\"name\":\"c\"}", "f:image"))).isTrue();
        assertThat(FieldsV1.toJson(set)).isEqualTo(encoded);
    }

    @Test
    void fieldsV1WritesKeysInUpstreamOrderAndRejectsUnknownPrefixes() {
        FieldSet set = FieldSet.of(List.of(path("i:10"), path("v:\"a\""), path("i:2"), path("k:{\"a\":1}"), path("f:z"), path("f:a")));
        assertThat(FieldsV1.toJson(set)).isEqualTo("{\"f:a\":{},\"f:z\":{},\"k:{\\\"a\\\":1}\":{},\"v:\\\"a\\\"\":{},\"i:2\":{},\"i:10\":{}}");
        assertThatThrownBy(() -> FieldsV1.fromJson("{\"x:a\":{}}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x:a");
        assertThatThrownBy(() -> FieldsV1.fromJson("{\"f:a\":1}")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unionDifferenceAndIntersectionWorkOnMembersNotOnParents() {
        FieldSet a = FieldSet.of(List.of(path("f:data", "f:a"), path("f:data", "f:b"), path("f:metadata", "f:labels")));
        FieldSet b = FieldSet.of(List.of(path("f:data", "f:b"), path("f:data", "f:c"), path("f:metadata", "f:labels", "f:x")));

        assertThat(a.union(b).paths()).containsExactly(path("f:data", "f:a"), path("f:data", "f:b"), path("f:data", "f:c"),
                path("f:metadata", "f:labels"), path("f:metadata", "f:labels", "f:x"));
        assertThat(a.difference(b).paths()).containsExactly(path("f:data", "f:a"), path("f:metadata", "f:labels"));
        assertThat(a.intersection(b).paths()).containsExactly(path("f:data", "f:b"));
        assertThat(a.difference(a).isEmpty()).isTrue();
        assertThat(a.difference(a)).isEqualTo(FieldSet.empty());
        assertThat(b.withoutDescendantsOf(FieldSet.of(List.of(path("f:metadata", "f:labels")))).paths())
                .containsExactly(path("f:data", "f:b"), path("f:data", "f:c"));
    }

    @Test
    void configMapSetOwnsEachDataKeyAndLabelButNotServerMetadata() throws Exception {
        FieldSet set = ObjectFields.of(json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cm','namespace':'d',"
                + "'resourceVersion':'5','labels':{'app':'x'}},'data':{'key':'v','other':'w'}}"), ConfigMap.class);
        assertThat(set.toString()).isEqualTo(
                "{\"f:data\":{\"f:key\":{},\"f:other\":{}},\"f:metadata\":{\"f:labels\":{\"f:app\":{}}}}");
    }

    @Test
    void associativeListsAreOwnedByKeySetsByValueAndAtomicListsWhole() throws Exception {
        FieldSet set = ObjectFields.of(json("{'metadata':{'finalizers':['a/b']},'spec':{'containers':[{'name':'c','image':'i',"
                + "'ports':[{'containerPort':80,'protocol':'TCP'}],'command':['sh','-c'],'resources':{}}]}}"), Pod.class);
        assertThat(set.paths()).containsExactly(
                path("f:metadata", "f:finalizers", "v:\"a/b\""),
                path("f:spec", "f:containers", "k:{\"name\":\"c\"}"),
                path("f:spec", "f:containers", "k:{\"name\":\"c\"}", "f:command"),
                path("f:spec", "f:containers", "k:{\"name\":\"c\"}", "f:image"),
                path("f:spec", "f:containers", "k:{\"name\":\"c\"}", "f:name"),
                path("f:spec", "f:containers", "k:{\"name\":\"c\"}", "f:ports",
                        "k:{\"containerPort\":80,\"protocol\":\"TCP\"}"),
                path("f:spec", "f:containers", "k:{\"name\":\"c\"}", "f:ports",
                        "k:{\"containerPort\":80,\"protocol\":\"TCP\"}", "f:containerPort"),
                path("f:spec", "f:containers", "k:{\"name\":\"c\"}", "f:ports",
                        "k:{\"containerPort\":80,\"protocol\":\"TCP\"}", "f:protocol"),
                path("f:spec", "f:containers", "k:{\"name\":\"c\"}", "f:resources"));
        assertThat(FieldSet.display(path("f:spec", "f:containers", "k:{\"name\":\"c\"}", "f:image")))
                .isEqualTo(".spec.containers[name=\"c\"].image");
        assertThat(FieldSet.display(path("f:metadata", "f:finalizers", "v:\"a/b\""))).isEqualTo(".metadata.finalizers[=\"a/b\"]");
    }

    @Test
    void atomicStructsAreOwnedWhole() throws Exception {
        FieldSet set = ObjectFields.of(json("{'spec':{'replicas':2,'selector':{'matchLabels':{'app':'x'}},"
                + "'template':{'metadata':{'labels':{'app':'x'}}}}}"), Deployment.class);
        assertThat(set.toString()).isEqualTo("{\"f:spec\":{\"f:replicas\":{},\"f:selector\":{},"
                + "\"f:template\":{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}}}}}");
    }
}
