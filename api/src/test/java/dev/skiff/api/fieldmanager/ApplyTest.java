package dev.skiff.api.fieldmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.errors.ApiException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

class ApplyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Manager ALICE = new Manager("alice", Manager.APPLY, "v1", null);
    private static final Manager BOB = new Manager("bob", Manager.APPLY, "v1", null);

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    private static String withoutManagedFields(JsonNode object) {
        JsonNode copy = object.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) copy.get("metadata")).remove("managedFields");
        return copy.toString().replace('"', '\'');
    }

    @Test
    void applyCreatesThenRemovesWhatTheManagerNoLongerApplies() throws Exception {
        Apply.Result first = Apply.apply(null, json("{'metadata':{'name':'cm'},'data':{'a':'1','b':'2'}}"), ConfigMap.class, ALICE, false, "t1");
        assertThat(withoutManagedFields(first.object())).isEqualTo("{'metadata':{'name':'cm'},'data':{'a':'1','b':'2'}}");
        assertThat(first.managedFields()).singleElement().satisfies((ManagedFieldsEntry e) -> {
            assertThat(e.getManager()).isEqualTo("alice");
            assertThat(e.getOperation()).isEqualTo("Apply");
        });

        Apply.Result second = Apply.apply(first.object(), json("{'metadata':{'name':'cm'},'data':{'a':'3'}}"), ConfigMap.class, ALICE, false, "t2");
        assertThat(withoutManagedFields(second.object())).isEqualTo("{'metadata':{'name':'cm'},'data':{'a':'3'}}");
    }

    @Test
    void fieldsSharedWithAnotherManagerStayWhenOneStopsApplyingThem() throws Exception {
        Apply.Result alice = Apply.apply(null, json("{'metadata':{'name':'cm'},'data':{'a':'1','b':'2'}}"), ConfigMap.class, ALICE, false, "t1");
        Apply.Result bob = Apply.apply(alice.object(), json("{'metadata':{'name':'cm'},'data':{'b':'2'}}"), ConfigMap.class, BOB, false, "t2");
        assertThat(bob.managedFields()).extracting(ManagedFieldsEntry::getManager).containsExactly("alice", "bob");
        Apply.Result aliceAgain = Apply.apply(bob.object(), json("{'metadata':{'name':'cm'},'data':{}}"), ConfigMap.class, ALICE, false, "t3");
        assertThat(withoutManagedFields(aliceAgain.object())).isEqualTo("{'metadata':{'name':'cm'},'data':{'b':'2'}}");
    }

    @Test
    void aDifferentValueConflictsUnlessForcedAndForceTransfersOwnership() throws Exception {
        Apply.Result alice = Apply.apply(null, json("{'metadata':{'name':'cm'},'data':{'key':'1'}}"), ConfigMap.class, ALICE, false, "t1");
        JsonNode bobs = json("{'metadata':{'name':'cm'},'data':{'key':'2'}}");
        assertThatThrownBy(() -> Apply.apply(alice.object(), bobs, ConfigMap.class, BOB, false, "t2"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status().getCode()).isEqualTo(409);
                    assertThat(e.status().getMessage()).isEqualTo("Apply failed with 1 conflict: conflict with \"alice\": .data.key");
                });
        Apply.Result forced = Apply.apply(alice.object(), bobs, ConfigMap.class, BOB, true, "t2");
        assertThat(forced.object().at("/data/key").asText()).isEqualTo("2");
        assertThat(forced.managedFields()).extracting(ManagedFieldsEntry::getManager).containsExactly("bob");
        // alice, no longer owning the key, re-applying without it does not remove bob's value
        Apply.Result aliceAgain = Apply.apply(forced.object(), json("{'metadata':{'name':'cm'}}"), ConfigMap.class, ALICE, false, "t3");
        assertThat(aliceAgain.object().at("/data/key").asText()).isEqualTo("2");
    }

    @Test
    void containersMergeByNameAndPortsByContainerPortAndProtocol() throws Exception {
        JsonNode live = json("{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a','image':'i1',"
                + "'ports':[{'containerPort':80,'protocol':'TCP'}]}]}}");
        Apply.Result first = Apply.apply(live, live, Pod.class, ALICE, false, "t1");
        JsonNode bobs = json("{'spec':{'containers':[{'name':'b','image':'i2'},{'name':'a','ports':[{'containerPort':80,'protocol':'UDP'}]}]}}");
        Apply.Result merged = Apply.apply(first.object(), bobs, Pod.class, BOB, false, "t2");
        assertThat(withoutManagedFields(merged.object())).isEqualTo("{'metadata':{'name':'p'},'spec':{'containers':["
                + "{'name':'a','image':'i1','ports':[{'containerPort':80,'protocol':'TCP'},{'containerPort':80,'protocol':'UDP'}]},"
                + "{'name':'b','image':'i2'}]}}");
        // alice stops applying container a's TCP port: it goes, bob's UDP port and container b stay
        Apply.Result shrunk = Apply.apply(merged.object(), json("{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a','image':'i1'}]}}"),
                Pod.class, ALICE, false, "t3");
        assertThat(withoutManagedFields(shrunk.object())).isEqualTo("{'metadata':{'name':'p'},'spec':{'containers':["
                + "{'name':'a','image':'i1','ports':[{'containerPort':80,'protocol':'UDP'}]},{'name':'b','image':'i2'}]}}");
    }
}
