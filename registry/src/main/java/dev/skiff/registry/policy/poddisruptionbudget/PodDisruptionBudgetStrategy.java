package dev.skiff.registry.policy.poddisruptionbudget;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.apps.Workloads;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * PodDisruptionBudgets as upstream's pkg/registry/policy/poddisruptionbudget: minAvailable and
 * maxUnavailable exclusive, each a non-negative count or a percent up to 100%, the eviction
 * policy for unhealthy pods; status kept on update.
 */
public final class PodDisruptionBudgetStrategy implements Strategy<PodDisruptionBudget> {
    public static final Resource<PodDisruptionBudget> RESOURCE = Resource.of("policy", "poddisruptionbudgets", "PodDisruptionBudget",
            true, PodDisruptionBudget.class, PodDisruptionBudget::new);
    private static final Pattern PERCENT = Pattern.compile("[0-9]+%");

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(PodDisruptionBudget pdb) {
        pdb.setStatus(null);
    }

    @Override
    public void prepareForUpdate(PodDisruptionBudget pdb, PodDisruptionBudget old) {
        pdb.setStatus(old.getStatus());
    }

    @Override
    public List<Cause> validate(PodDisruptionBudget pdb) {
        PodDisruptionBudgetSpec spec = pdb.getSpec() == null ? new PodDisruptionBudgetSpec() : pdb.getSpec();
        List<Cause> causes = new ArrayList<>();
        if (spec.getMinAvailable() != null && spec.getMaxUnavailable() != null) {
            causes.add(new Cause("FieldValueInvalid", "spec", "Invalid value: policy.PodDisruptionBudgetSpec{...}: "
                    + "minAvailable and maxUnavailable cannot be both set"));
        }
        causes.addAll(countOrPercent(spec.getMinAvailable(), "spec.minAvailable"));
        causes.addAll(countOrPercent(spec.getMaxUnavailable(), "spec.maxUnavailable"));
        String policy = spec.getUnhealthyPodEvictionPolicy();
        if (policy != null && !List.of("IfHealthyBudget", "AlwaysAllow").contains(policy)) {
            causes.add(Cause.notSupported("spec.unhealthyPodEvictionPolicy", policy, List.of("AlwaysAllow", "IfHealthyBudget")));
        }
        return causes;
    }

    private static List<Cause> countOrPercent(IntOrString value, String path) {
        if (value == null) {
            return List.of();
        }
        if (value.getStrVal() == null) {
            return Workloads.nonNegative(value.getIntVal(), path);
        }
        if (!PERCENT.matcher(value.getStrVal()).matches()) {
            return List.of(Cause.invalid(path, value.getStrVal(), "a valid percent string must be a numeric string followed by an "
                    + "ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
        }
        if (Integer.parseInt(value.getStrVal().replace("%", "")) > 100) {
            return List.of(Cause.invalid(path, value.getStrVal(), "must not be greater than 100%"));
        }
        return List.of();
    }

    @Override
    public List<Cause> validateUpdate(PodDisruptionBudget pdb, PodDisruptionBudget old) {
        return validate(pdb);
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(PodDisruptionBudget pdb) {
        return pdb.getSpec();
    }

    @Override
    public Map<String, Strategy<PodDisruptionBudget>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (pdb, old) -> pdb.setSpec(old.getSpec())));
    }
}
