package dev.skiff.api.fieldmanager;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.errors.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Server-side apply conflicts as upstream finds and reports them: a field the applier sets to a
 * value other than the live one, while another manager owns it, conflicts; the same value is
 * shared ownership, not a conflict. Reported as upstream's 409 with one FieldManagerConflict
 * cause per field and the "Apply failed with N conflict(s)" message.
 */
public final class Conflicts {

    /** One conflicting field and the manager that owns it. */
    public record Conflict(Manager manager, List<PathElement> path) {
    }

    private Conflicts() {
    }

    /** The conflicts of applying {@code applied} (with set {@code appliedSet}) over {@code live}, given the other managers' sets. */
    public static List<Conflict> find(FieldSet appliedSet, JsonNode applied, JsonNode live, Map<Manager, FieldSet> others) {
        List<Conflict> conflicts = new ArrayList<>();
        others.forEach((manager, owned) -> {
            for (List<PathElement> path : appliedSet.intersection(owned).paths()) {
                JsonNode wanted = Values.at(applied, path);
                JsonNode current = Values.at(live, path);
                if (current == null || wanted == null || !Values.sameLeaf(wanted, current)) {
                    conflicts.add(new Conflict(manager, path));
                }
            }
        });
        return conflicts;
    }

    /** Upstream's 409 for a non-empty list of conflicts. */
    public static ApiException error(List<Conflict> conflicts) {
        List<ApiException.Cause> causes = conflicts.stream()
                .map(c -> new ApiException.Cause("FieldManagerConflict", FieldSet.display(c.path()), "conflict with " + c.manager().describe()))
                .toList();
        return ApiException.applyConflict(message(conflicts), causes);
    }

    static String message(List<Conflict> conflicts) {
        if (conflicts.size() == 1) {
            Conflict only = conflicts.getFirst();
            return "Apply failed with 1 conflict: conflict with " + only.manager().describe() + ": " + FieldSet.display(only.path());
        }
        TreeMap<String, List<String>> byManager = new TreeMap<>();
        for (Conflict conflict : conflicts) {
            byManager.computeIfAbsent(conflict.manager().identifier(), k -> new ArrayList<>()).add(FieldSet.display(conflict.path()));
        }
        List<String> lines = new ArrayList<>();
        byManager.forEach((identifier, paths) -> {
            Manager manager = conflicts.stream().map(Conflict::manager).filter(m -> m.identifier().equals(identifier)).findFirst().orElseThrow();
            lines.add("conflicts with " + manager.describe() + ":");
            paths.forEach(path -> lines.add("- " + path));
        });
        return "Apply failed with " + conflicts.size() + " conflicts: " + String.join("\n", lines);
    }
}
