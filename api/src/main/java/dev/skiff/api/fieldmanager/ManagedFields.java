package dev.skiff.api.fieldmanager;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.FieldsV1Builder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * managedFields maintenance for non-apply writes (create, update, patch), as upstream's field
 * manager does for an Update operation: the writer takes ownership of every field it added or
 * changed (taking it from whoever owned it, no conflicts for updates), fields the write removed
 * leave every manager, and managers left owning nothing lose their entry. Entries are keyed by
 * (manager, operation, apiVersion, subresource) and kept in upstream's order.
 */
public final class ManagedFields {
    private ManagedFields() {
    }

    /** The managers and sets of an object's entries (entries of other field types are skipped). */
    public static Map<Manager, FieldSet> decode(List<ManagedFieldsEntry> entries, Map<Manager, String> times) {
        Map<Manager, FieldSet> managers = new LinkedHashMap<>();
        for (ManagedFieldsEntry entry : entries == null ? List.<ManagedFieldsEntry>of() : entries) {
            if (entry.getFieldsType() != null && !entry.getFieldsType().equals("FieldsV1")) {
                continue;
            }
            Manager manager = new Manager(entry.getManager(), entry.getOperation(), entry.getApiVersion(), entry.getSubresource());
            JsonNode fields = entry.getFieldsV1() == null ? FieldsV1.MAPPER.createObjectNode()
                    : FieldsV1.MAPPER.valueToTree(entry.getFieldsV1().getAdditionalProperties());
            managers.merge(manager, FieldsV1.fromNode(fields), FieldSet::union);
            times.put(manager, entry.getTime());
        }
        return managers;
    }

    /** Entries for managers, in upstream's order: by operation (Apply first), then time, then manager. */
    public static List<ManagedFieldsEntry> encode(Map<Manager, FieldSet> managers, Map<Manager, String> times) {
        List<ManagedFieldsEntry> entries = new ArrayList<>();
        managers.forEach((manager, set) -> {
            if (set.isEmpty()) {
                return;
            }
            FieldsV1Builder fields = new FieldsV1Builder();
            FieldsV1.toNode(set).properties().forEach(e -> fields.addToAdditionalProperties(e.getKey(),
                    FieldsV1.MAPPER.convertValue(e.getValue(), Object.class)));
            entries.add(new ManagedFieldsEntryBuilder().withManager(manager.manager()).withOperation(manager.operation())
                    .withApiVersion(manager.apiVersion()).withTime(times.get(manager)).withFieldsType("FieldsV1")
                    .withFieldsV1(fields.build())
                    .withSubresource(manager.subresource() == null || manager.subresource().isEmpty() ? null : manager.subresource())
                    .build());
        });
        entries.sort(Comparator.comparing(ManagedFieldsEntry::getOperation)
                .thenComparing(ManagedFieldsEntry::getTime, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(ManagedFieldsEntry::getManager));
        return entries;
    }

    /**
     * The entries after an Update by {@code manager} turning {@code live} (null on create) into
     * {@code updated}; {@code now} is the RFC 3339 time recorded for the writer.
     */
    public static List<ManagedFieldsEntry> update(List<ManagedFieldsEntry> entries, JsonNode live, JsonNode updated,
                                                  Class<?> type, Manager manager, String now) {
        Map<Manager, String> times = new LinkedHashMap<>();
        Map<Manager, FieldSet> managers = decode(entries, times);
        FieldSet before = live == null ? FieldSet.empty() : ObjectFields.of(live, type);
        FieldSet after = ObjectFields.of(updated, type);
        FieldSet removed = before.difference(after);
        List<List<PathElement>> changedPaths = new ArrayList<>();
        for (List<PathElement> path : after.paths()) {
            JsonNode old = live == null ? null : Values.at(live, path);
            if (old == null || !Values.sameLeaf(Values.at(updated, path), old)) {
                changedPaths.add(path);
            }
        }
        FieldSet changed = FieldSet.of(changedPaths);
        managers.replaceAll((m, set) -> set.difference(removed).difference(changed));
        FieldSet mine = managers.getOrDefault(manager, FieldSet.empty()).union(changed).intersection(after);
        managers.put(manager, mine);
        if (!changed.isEmpty() || !times.containsKey(manager)) {
            times.put(manager, now);
        }
        return encode(managers, times);
    }
}
