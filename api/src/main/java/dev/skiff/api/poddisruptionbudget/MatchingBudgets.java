package dev.skiff.api.poddisruptionbudget;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.selector.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Which policy/v1 PodDisruptionBudgets cover a pod, as upstream's GetPodPodDisruptionBudgets and the
 * eviction subresource decide it: same namespace, and the budget's selector matches the pod's labels -
 * an empty selector matches every pod of the namespace, a missing one none, an invalid one none.
 */
public final class MatchingBudgets {
    private MatchingBudgets() {
    }

    public static List<PodDisruptionBudget> forPod(Collection<PodDisruptionBudget> budgets, Pod pod) {
        return budgets.stream()
                .filter(b -> Objects.equals(b.getMetadata().getNamespace(), pod.getMetadata().getNamespace()))
                .filter(b -> selects(b, pod))
                .toList();
    }

    private static boolean selects(PodDisruptionBudget budget, Pod pod) {
        LabelSelector selector;
        try {
            selector = LabelSelector.from(budget.getSpec() == null ? null : budget.getSpec().getSelector());
        } catch (ApiException e) {
            return false;
        }
        return selector.matches(pod.getMetadata().getLabels());
    }
}
