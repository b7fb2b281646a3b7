package dev.skiff.apiserver.handlers;

import dev.skiff.api.quantity.Quantities;
import dev.skiff.apiserver.handlers.TableConvertor.Column;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The resource quota table as upstream's printResourceQuota: for every resource in status.hard,
 * by name, "name: used/hard"; the limits.* resources in LIMIT, all others in REQUEST.
 */
final class ResourceQuotaColumns {
    private ResourceQuotaColumns() {
    }

    static List<Column> columns(Column name, Column age) {
        return List.of(name,
                new Column("Request", "string", "", "Request represents a minimum amount of cpu/memory that a container may consume.",
                        o -> usage((ResourceQuota) o, false)),
                new Column("Limit", "string", "", "Limits control the maximum amount of cpu/memory that a container may use independent "
                        + "of contention on the node.", o -> usage((ResourceQuota) o, true)),
                age);
    }

    static String usage(ResourceQuota quota, boolean limits) {
        var status = quota.getStatus();
        Map<String, Quantity> hard = status == null || status.getHard() == null ? Map.of() : status.getHard();
        Map<String, Quantity> used = status == null || status.getUsed() == null ? Map.of() : status.getUsed();
        List<String> parts = new ArrayList<>();
        for (var e : new TreeMap<>(hard).entrySet()) {
            String resource = e.getKey();
            boolean isLimit = resource.contains(".") && resource.substring(0, resource.indexOf('.')).equals("limits");
            if (isLimit == limits) {
                parts.add(resource + ": " + Quantities.canonical(used.get(resource)) + "/" + Quantities.canonical(e.getValue()));
            }
        }
        return String.join(", ", parts);
    }
}
