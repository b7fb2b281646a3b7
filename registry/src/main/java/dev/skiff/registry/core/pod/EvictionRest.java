package dev.skiff.registry.core.pod;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.generic.DeleteOptions;
import dev.skiff.registry.generic.GenericRegistry;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;

/**
 * pods/eviction, as upstream's EvictionREST without its PodDisruptionBudget check (skiff serves no
 * budgets yet): the pod is deleted with the eviction's DeleteOptions (grace period, preconditions,
 * propagation policy), dry-run when the request is.
 */
public final class EvictionRest {
    private final GenericRegistry<Pod> pods;

    public EvictionRest(GenericRegistry<Pod> pods) {
        this.pods = pods;
    }

    public void evict(String namespace, String name, Eviction eviction, boolean dryRun) {
        var meta = eviction.getMetadata();
        if (meta != null && meta.getName() != null && !meta.getName().isEmpty() && !meta.getName().equals(name)) {
            throw ApiException.badRequest("name in URL does not match name in Eviction object");
        }
        var options = eviction.getDeleteOptions();
        if (options == null) {
            pods.delete(namespace, name, new DeleteOptions(null, null, null, null, dryRun));
            return;
        }
        var pre = options.getPreconditions();
        boolean optionsDryRun = options.getDryRun() != null && options.getDryRun().contains("All");
        pods.delete(namespace, name, new DeleteOptions(options.getGracePeriodSeconds(), pre == null ? null : pre.getUid(),
                pre == null ? null : pre.getResourceVersion(), options.getPropagationPolicy(), dryRun || optionsDryRun));
    }
}
