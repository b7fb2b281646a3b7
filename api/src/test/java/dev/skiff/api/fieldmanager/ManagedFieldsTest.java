package dev.skiff.api.fieldmanager;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.errors.ApiException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusCause;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManagedFieldsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Manager CREATE = new Manager("kubectl-create", Manager.UPDATE, "v1", null);
    private static final Manager EDIT = new Manager("kubectl-edit", Manager.UPDATE, "v1", null);

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    private static String fields(ManagedFieldsEntry entry) {
        return FieldsV1.MAPPER.valueToTree(entry.getFieldsV1().getAdditionalProperties()).toString();
    }

    @Test
    void createOwnsEverythingAndAnEditTakesOnlyWhatItChanged() throws Exception {
        JsonNode created = json("{'metadata':{'name':'cm','labels':{'a':'1'}},'data':{'k':'v','j':'w'}}");
        List<ManagedFieldsEntry> entries = ManagedFields.update(null, null, created, ConfigMap.class, CREATE, "2026-01-01T00:00:00Z");
        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.getManager()).isEqualTo("kubectl-create");
            assertThat(e.getOperation()).isEqualTo("Update");
            assertThat(e.getApiVersion()).isEqualTo("v1");
            assertThat(e.getFieldsType()).isEqualTo("FieldsV1");
            assertThat(e.getTime()).isEqualTo("2026-01-01T00:00:00Z");
            assertThat(fields(e)).isEqualTo("{\"f:data\":{\"f:j\":{},\"f:k\":{}},\"f:metadata\":{\"f:labels\":{\"f:a\":{}}}}");
        });

        JsonNode edited = json("{'metadata':{'name':'cm','labels':{'a':'1'}},'data':{'k':'changed','n':'new'}}");
        List<ManagedFieldsEntry> after = ManagedFields.update(entries, created, edited, ConfigMap.class, EDIT, "2026-01-02T00:00:00Z");
        assertThat(after).extracting(ManagedFieldsEntry::getManager).containsExactly("kubectl-create", "kubectl-edit");
        assertThat(fields(after.get(0))).isEqualTo("{\"f:metadata\":{\"f:labels\":{\"f:a\":{}}}}");
        assertThat(after.get(0).getTime()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(fields(after.get(1))).isEqualTo("{\"f:data\":{\"f:k\":{},\"f:n\":{}}}");
    }

    @Test
    void aWriteThatChangesNothingAddsNoEntryAndEmptiedManagersDisappear() throws Exception {
        JsonNode created = json("{'metadata':{'name':'cm'},'data':{'k':'v'}}");
        List<ManagedFieldsEntry> entries = ManagedFields.update(null, null, created, ConfigMap.class, CREATE, "t1");
        assertThat(ManagedFields.update(entries, created, created, ConfigMap.class, EDIT, "t2"))
                .extracting(ManagedFieldsEntry::getManager).containsExactly("kubectl-create");
        JsonNode replaced = json("{'metadata':{'name':'cm'},'data':{'x':'y'}}");
        assertThat(ManagedFields.update(entries, created, replaced, ConfigMap.class, EDIT, "t2"))
                .extracting(ManagedFieldsEntry::getManager).containsExactly("kubectl-edit");
    }

    @Test
    void containersAreOwnedByNameAcrossUpdates() throws Exception {
        JsonNode pod = json("{'spec':{'containers':[{'name':'a','image':'i1'},{'name':'b','image':'i2'}]}}");
        List<ManagedFieldsEntry> entries = ManagedFields.update(null, null, pod, Pod.class, CREATE, "t1");
        JsonNode changed = json("{'spec':{'containers':[{'name':'b','image':'i3'},{'name':'a','image':'i1'}]}}");
        List<ManagedFieldsEntry> after = ManagedFields.update(entries, pod, changed, Pod.class, EDIT, "t2");
        assertThat(fields(after.get(1))).isEqualTo("{\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"b\\\"}\":{\"f:image\":{}}}}}");
        assertThat(fields(after.get(0))).contains("k:{\\\"name\\\":\\\"a\\\"}").doesNotContain("i3")
                .contains("\"k:{\\\"name\\\":\\\"b\\\"}\":{\".\":{},\"f:name\":{}}");
    }

    @Test
    void conflictsNameTheOwnerAndPathAsUpstreamAndSameValuesAreShared() throws Exception {
        JsonNode live = json("{'data':{'key':'v','other':'o','same':'s'}}");
        FieldSet owned = ObjectFields.of(live, ConfigMap.class);
        JsonNode applied = json("{'data':{'key':'mine','same':'s'}}");
        FieldSet appliedSet = ObjectFields.of(applied, ConfigMap.class);

        List<Conflicts.Conflict> conflicts = Conflicts.find(appliedSet, applied, live, Map.of(EDIT, owned));
        assertThat(conflicts).extracting(c -> FieldSet.display(c.path())).containsExactly(".data.key");
        ApiException error = Conflicts.error(conflicts);
        assertThat(error.status().getCode()).isEqualTo(409);
        assertThat(error.status().getReason()).isEqualTo("Conflict");
        assertThat(error.status().getMessage())
                .isEqualTo("Apply failed with 1 conflict: conflict with \"kubectl-edit\" using v1: .data.key");
        assertThat(error.status().getDetails().getCauses()).singleElement().satisfies((StatusCause c) -> {
            assertThat(c.getReason()).isEqualTo("FieldManagerConflict");
            assertThat(c.getField()).isEqualTo(".data.key");
            assertThat(c.getMessage()).isEqualTo("conflict with \"kubectl-edit\" using v1");
        });

        Map<Manager, FieldSet> two = new LinkedHashMap<>();
        two.put(new Manager("other", Manager.APPLY, "v1", null), owned);
        two.put(EDIT, owned);
        JsonNode both = json("{'data':{'key':'mine','other':'x'}}");
        assertThat(Conflicts.error(Conflicts.find(ObjectFields.of(both, ConfigMap.class), both, live, two)).status().getMessage())
                .isEqualTo("Apply failed with 4 conflicts: conflicts with \"kubectl-edit\" using v1:\n- .data.key\n- .data.other\n"
                        + "conflicts with \"other\":\n- .data.key\n- .data.other");
    }

    @Test
    void managerFromUserAgentIsThePrefixBeforeTheSlashCutTo128Bytes() {
        assertThat(Manager.fromUserAgent("kubectl-client-side-apply/v1.33.0 (linux/amd64) kubernetes/abc"))
                .isEqualTo("kubectl-client-side-apply");
        assertThat(Manager.fromUserAgent("kubectl")).isEqualTo("kubectl");
        assertThat(Manager.fromUserAgent("x".repeat(200) + "/1")).hasSize(128);
        assertThat(Manager.fromUserAgent("a\u0001b/1")).isEqualTo("ab");
    }
}
