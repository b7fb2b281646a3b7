package dev.skiff.registry.core.resourcequota;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaSpec;
import io.fabric8.kubernetes.api.model.ResourceQuotaStatus;
import io.fabric8.kubernetes.api.model.ScopedResourceSelectorRequirement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * ResourceQuotas as upstream's pkg/registry/core/resourcequota strategy and
 * ValidateResourceQuota(Update|StatusUpdate): hard limits name standard (or fully qualified)
 * resources with quantities that are not negative (whole for counts); scopes are known, apply to
 * the limited resources, do not conflict, and never change. Status (hard and used, kept by the
 * quota controller upstream) is written only through resourcequotas/status.
 */
public final class ResourceQuotaStrategy implements Strategy<ResourceQuota> {
    public static final Resource<ResourceQuota> RESOURCE =
            Resource.of("", "resourcequotas", "ResourceQuota", true, ResourceQuota.class, ResourceQuota::new);
    /** The scopes of v1.33 with its default gates (VolumeAttributesClass is off). */
    private static final Set<String> SCOPES = Set.of("Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass",
            "CrossNamespacePodAffinity");
    private static final Set<String> POD_COMPUTE = Set.of("cpu", "memory", "limits.cpu", "limits.memory", "requests.cpu",
            "requests.memory");
    private static final String EXISTS_ONLY = "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, "
            + "ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or "
            + "ResourceQuotaScopeCrossNamespacePodAffinity";

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(ResourceQuota quota) {
        if (quota.getSpec() == null) {
            quota.setSpec(new ResourceQuotaSpec());
        }
        quota.setStatus(new ResourceQuotaStatus());
    }

    @Override
    public void prepareForUpdate(ResourceQuota quota, ResourceQuota old) {
        if (quota.getSpec() == null) {
            quota.setSpec(new ResourceQuotaSpec());
        }
        quota.setStatus(old.getStatus());
    }

    @Override
    public List<Cause> validate(ResourceQuota quota) {
        List<Cause> causes = validateSpec(quota.getSpec());
        causes.addAll(validateStatus(quota.getStatus()));
        return causes;
    }

    private static List<Cause> validateSpec(ResourceQuotaSpec spec) {
        List<Cause> causes = new ArrayList<>(validateList(spec.getHard(), "spec.hard"));
        Set<String> hard = new TreeSet<>(spec.getHard() == null ? Set.of() : spec.getHard().keySet());
        List<String> scopes = spec.getScopes() == null ? List.of() : spec.getScopes();
        for (String scope : scopes) {
            if (!SCOPES.contains(scope)) {
                causes.add(rawInvalid("spec.scopes", goScopes(scopes), "unsupported scope"));
            }
            for (String resource : hard) {
                if (standardQuota(resource) && !scopeAppliesTo(scope, resource)) {
                    causes.add(rawInvalid("spec.scopes", goScopes(scopes), "unsupported scope applied to resource"));
                }
            }
        }
        if (conflicting(new HashSet<>(scopes))) {
            causes.add(rawInvalid("spec.scopes", goScopes(scopes), "conflicting scopes"));
        }
        if (spec.getScopeSelector() != null) {
            causes.addAll(validateScopeSelector(spec, hard));
        }
        return causes;
    }

    private static List<Cause> validateScopeSelector(ResourceQuotaSpec spec, Set<String> hard) {
        List<Cause> causes = new ArrayList<>();
        String path = "spec.scopeSelector.matchExpressions";
        Set<String> scopes = new HashSet<>();
        List<ScopedResourceSelectorRequirement> requirements = spec.getScopeSelector().getMatchExpressions() == null ? List.of()
                : spec.getScopeSelector().getMatchExpressions();
        for (ScopedResourceSelectorRequirement req : requirements) {
            String scope = req.getScopeName() == null ? "" : req.getScopeName();
            String operator = req.getOperator() == null ? "" : req.getOperator();
            List<String> values = req.getValues() == null ? List.of() : req.getValues();
            if (!SCOPES.contains(scope)) {
                causes.add(Cause.invalid(path + ".scopeName", scope, "unsupported scope"));
            }
            for (String resource : hard) {
                if (standardQuota(resource) && !scopeAppliesTo(scope, resource)) {
                    causes.add(rawInvalid(path, "core.ScopeSelector{...}", "unsupported scope applied to resource"));
                }
            }
            if (Set.of("BestEffort", "NotBestEffort", "Terminating", "NotTerminating", "CrossNamespacePodAffinity").contains(scope)
                    && !operator.equals("Exists")) {
                causes.add(Cause.invalid(path + ".operator", operator, EXISTS_ONLY));
            }
            switch (operator) {
                case "In", "NotIn" -> {
                    if (values.isEmpty()) {
                        causes.add(Cause.required(path + ".values",
                                "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
                    }
                }
                case "Exists", "DoesNotExist" -> {
                    if (!values.isEmpty()) {
                        causes.add(rawInvalid(path + ".values", goStrings(values),
                                "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
                    }
                }
                default -> causes.add(Cause.invalid(path + ".operator", operator, "not a valid selector operator"));
            }
            scopes.add(scope);
        }
        if (conflicting(scopes)) {
            causes.add(rawInvalid(path, goScopes(spec.getScopes() == null ? List.of() : spec.getScopes()), "conflicting scopes"));
        }
        return causes;
    }

    private static boolean conflicting(Set<String> scopes) {
        return scopes.containsAll(Set.of("BestEffort", "NotBestEffort")) || scopes.containsAll(Set.of("Terminating", "NotTerminating"));
    }

    private static boolean standardQuota(String resource) {
        return !resource.contains("/") && ResourceNames.validateForQuota(resource, "").isEmpty();
    }

    /** IsResourceQuotaScopeValidForResource. */
    private static boolean scopeAppliesTo(String scope, String resource) {
        return switch (scope) {
            case "Terminating", "NotTerminating", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity" ->
                    resource.equals("pods") || POD_COMPUTE.contains(resource);
            case "BestEffort" -> resource.equals("pods");
            default -> true;
        };
    }

    private static List<Cause> validateStatus(ResourceQuotaStatus status) {
        if (status == null) {
            return new ArrayList<>();
        }
        List<Cause> causes = new ArrayList<>(validateList(status.getHard(), "status.hard"));
        causes.addAll(validateList(status.getUsed(), "status.used"));
        return causes;
    }

    private static List<Cause> validateList(Map<String, Quantity> list, String path) {
        List<Cause> causes = new ArrayList<>();
        for (var e : new TreeMap<>(list == null ? Map.<String, Quantity>of() : list).entrySet()) {
            String at = path + "[" + e.getKey() + "]";
            causes.addAll(ResourceNames.validateForQuota(e.getKey(), at));
            causes.addAll(ResourceNames.validateQuantity(e.getKey(), e.getValue(), at));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(ResourceQuota quota, ResourceQuota old) {
        List<Cause> causes = validateSpec(quota.getSpec());
        Set<String> scopes = new HashSet<>(quota.getSpec().getScopes() == null ? List.of() : quota.getSpec().getScopes());
        Set<String> oldScopes = new HashSet<>(old.getSpec().getScopes() == null ? List.of() : old.getSpec().getScopes());
        if (!scopes.equals(oldScopes)) {
            causes.add(rawInvalid("spec.scopes", goScopes(quota.getSpec().getScopes() == null ? List.of() : quota.getSpec().getScopes()),
                    "field is immutable"));
        }
        return causes;
    }

    /** ValidateResourceQuotaStatusUpdate. */
    @Override
    public List<Cause> validateStatusUpdate(ResourceQuota quota, ResourceQuota old) {
        return validateStatus(quota.getStatus());
    }

    @Override
    public Map<String, Strategy<ResourceQuota>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (quota, old) -> quota.setSpec(old.getSpec())));
    }

    /** A FieldValueInvalid whose value is already in Go's %#v form. */
    private static Cause rawInvalid(String path, String goValue, String detail) {
        return new Cause("FieldValueInvalid", path, "Invalid value: " + goValue + ": " + detail);
    }

    /** Go's %#v of the scopes, as upstream prints them in a scopes error. */
    private static String goScopes(List<String> scopes) {
        return "[]core.ResourceQuotaScope{" + String.join(", ", scopes.stream().map(ApiException::goQuote).toList()) + "}";
    }

    private static String goStrings(List<String> values) {
        return "[]string{" + String.join(", ", values.stream().map(ApiException::goQuote).toList()) + "}";
    }
}
