package dev.skiff.registry.core.resourcequota;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.quantity.Quantities;
import dev.skiff.api.validation.NameFormats;
import dev.skiff.registry.core.persistentvolume.PersistentVolumeValidation;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which resource names quotas, limit ranges and containers accept, as upstream's
 * pkg/apis/core/helper sets (standard, quota, container and integer resources) and the
 * validateResourceName family in pkg/apis/core/validation.
 */
public final class ResourceNames {
    private static final Set<String> STANDARD = Set.of("cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
            "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas",
            "services", "replicationcontrollers", "secrets", "persistentvolumeclaims", "storage", "requests.storage",
            "services.nodeports", "services.loadbalancers", "configmaps");
    private static final Set<String> QUOTA = Set.of("cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
            "requests.storage", "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods",
            "resourcequotas", "services", "replicationcontrollers", "secrets", "persistentvolumeclaims", "configmaps",
            "services.nodeports", "services.loadbalancers");
    private static final Set<String> CONTAINER = Set.of("cpu", "memory", "ephemeral-storage");
    private static final Set<String> INTEGER = Set.of("pods", "services", "replicationcontrollers", "resourcequotas",
            "services.loadbalancers", "services.nodeports", "secrets", "configmaps", "persistentvolumeclaims");

    private ResourceNames() {
    }

    /** validateResourceName: a qualified name, and a standard one unless it has a domain. */
    public static List<Cause> validate(String name, String path) {
        List<Cause> causes = new ArrayList<>();
        for (String msg : NameFormats.isQualifiedName(name)) {
            causes.add(Cause.invalid(path, name, msg));
        }
        if (causes.isEmpty() && !name.contains("/") && !STANDARD.contains(name) && !quotaHugePages(name)) {
            causes.add(Cause.invalid(path, name, "must be a standard resource type or fully qualified"));
        }
        return causes;
    }

    /** ValidateResourceQuotaResourceName. */
    static List<Cause> validateForQuota(String name, String path) {
        List<Cause> causes = new ArrayList<>(validate(name, path));
        if (!name.contains("/") && !QUOTA.contains(name) && !quotaHugePages(name)) {
            causes.add(Cause.invalid(path, name, "must be a standard resource for quota"));
        }
        return causes;
    }

    /** validateContainerResourceName: cpu, memory, ephemeral-storage, hugepages-*, or an extended resource. */
    public static List<Cause> validateForContainer(String name, String path) {
        List<Cause> causes = new ArrayList<>(validate(name, path));
        if (!name.contains("/")) {
            if (!CONTAINER.contains(name) && !name.startsWith("hugepages-")) {
                causes.add(Cause.invalid(path, name, "must be a standard resource for containers"));
            }
        } else if (!native_(name) && !extended(name)) {
            causes.add(Cause.invalid(path, name, "doesn't follow extended resource name standard"));
        }
        return causes;
    }

    /** ValidateResourceQuantityValue: a quantity, not negative, whole for the countable resources. */
    public static List<Cause> validateQuantity(String name, Quantity value, String path) {
        List<Cause> causes = new ArrayList<>(PersistentVolumeValidation.validateNonNegative(value, path));
        if (causes.isEmpty() && integer(name) && Quantities.value(value).stripTrailingZeros().scale() > 0) {
            causes.add(Cause.invalid(path, Quantities.canonical(value), "must be an integer"));
        }
        return causes;
    }

    /** IsOvercommitAllowed: native resources other than huge pages. */
    public static boolean overcommitAllowed(String name) {
        return native_(name) && !name.startsWith("hugepages-");
    }

    static boolean integer(String name) {
        return INTEGER.contains(name) || extended(name);
    }

    private static boolean quotaHugePages(String name) {
        return name.startsWith("hugepages-") || name.startsWith("requests.hugepages-");
    }

    private static boolean native_(String name) {
        return !name.contains("/") || name.contains("kubernetes.io/");
    }

    private static boolean extended(String name) {
        return !native_(name) && !name.startsWith("requests.") && NameFormats.isQualifiedName("requests." + name).isEmpty();
    }
}
