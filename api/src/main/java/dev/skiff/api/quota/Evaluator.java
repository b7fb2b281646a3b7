package dev.skiff.api.quota;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ScopedResourceSelectorRequirement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How quota measures one resource (upstream's quota.Evaluator): which quota resource names it
 * charges, what one object uses, whether it falls in a quota's scopes, and which writes can change
 * usage. The quota controller sums usage over stored objects; the admission plugin charges writes.
 */
public interface Evaluator {
    /** The API group of the resource measured: core ("") unless an evaluator says otherwise. */
    default String group() {
        return "";
    }

    /** The resource measured (plural, e.g. pods). */
    String resource();

    /** The names among {@code names} this evaluator charges. */
    Set<String> matchingResources(Collection<String> names);

    /** What {@code object} uses at {@code now}, by resource name. */
    Map<String, Quantity> usage(HasMetadata object, Instant now);

    /** Whether a write of this kind can change usage (upstream's Handles): creates and updates unless an evaluator says otherwise. */
    default boolean handles(boolean create) {
        return true;
    }

    /** Whether {@code object} falls in the scope requirement; resources without scopes never do. */
    default boolean matchesScope(ScopedResourceSelectorRequirement requirement, HasMetadata object) {
        return false;
    }

    /** Why {@code object} cannot be charged to a quota tracking {@code required} (a "must specify ..." message), if it cannot. */
    default Optional<String> constraints(Set<String> required, HasMetadata object) {
        return Optional.empty();
    }

    /** Whether {@code quota} applies to {@code object}: it limits a resource this evaluator charges and every scope matches. */
    default boolean matches(ResourceQuota quota, HasMetadata object) {
        Map<String, Quantity> hard = quota.getStatus() == null || quota.getStatus().getHard() == null ? Map.of() : quota.getStatus().getHard();
        return !matchingResources(hard.keySet()).isEmpty() && inScope(quota, object);
    }

    /** Whether {@code object} matches every scope and scope selector requirement of {@code quota}. */
    default boolean inScope(ResourceQuota quota, HasMetadata object) {
        return scopeRequirements(quota).stream().allMatch(r -> matchesScope(r, object));
    }

    /** The quota's scopes as Exists requirements, then its scope selector's expressions (getScopeSelectorsFromQuota). */
    static List<ScopedResourceSelectorRequirement> scopeRequirements(ResourceQuota quota) {
        List<ScopedResourceSelectorRequirement> requirements = new ArrayList<>();
        var spec = quota.getSpec();
        if (spec == null) {
            return requirements;
        }
        for (String scope : spec.getScopes() == null ? List.<String>of() : spec.getScopes()) {
            requirements.add(new ScopedResourceSelectorRequirement("Exists", scope, List.of()));
        }
        if (spec.getScopeSelector() != null && spec.getScopeSelector().getMatchExpressions() != null) {
            requirements.addAll(spec.getScopeSelector().getMatchExpressions());
        }
        return requirements;
    }

    /** count/&lt;resource&gt;[.&lt;group&gt;], the object count name of a resource (ObjectCountQuotaResourceNameFor). */
    static String objectCountName(String group, String resource) {
        return group.isEmpty() ? "count/" + resource : "count/" + resource + "." + group;
    }
}
