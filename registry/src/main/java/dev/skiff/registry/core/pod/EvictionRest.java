package dev.skiff.registry.core.pod;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.poddisruptionbudget.DisruptionAllowedCondition;
import dev.skiff.api.poddisruptionbudget.MatchingBudgets;
import dev.skiff.registry.generic.DeleteOptions;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.registry.storage.ListOptions;
import dev.skiff.registry.storage.Preconditions;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * pods/eviction, as upstream's EvictionREST: a pod that has not started (Pending), has ended
 * (Succeeded, Failed) or is already being deleted is deleted at once; any other is deleted only
 * when the one PodDisruptionBudget covering it allows a disruption, which is spent first (an
 * optimistic update of the budget's status: disruptionsAllowed - 1 and the pod recorded in
 * disruptedPods for the disruption controller). An unready pod may go without spending the budget
 * when the budget's unhealthyPodEvictionPolicy is AlwaysAllow, or (IfHealthyBudget, the default)
 * when the budget is currently met. Refusals are 429 TooManyRequests with a DisruptionBudget cause;
 * a pod covered by several budgets is a 500. Before the delete the pod gets the DisruptionTarget
 * condition (EvictionByEvictionAPI). The delete honours the Eviction's DeleteOptions; dry-run
 * checks everything and writes nothing.
 */
public final class EvictionRest {
    /** Upstream's MaxDisruptedPodSize: past this many unconfirmed evictions a budget refuses more. */
    static final int MAX_DISRUPTED_POD_SIZE = 2000;
    /** Upstream's EvictionsRetry: 20 tries 500 ms apart (10% jitter) on conflicts. */
    private static final int RETRY_STEPS = 20;
    private static final Duration RETRY_INTERVAL = Duration.ofMillis(500);
    private static final String VIOLATES_BUDGET = "Cannot evict pod as it would violate the pod's disruption budget.";
    private static final String DISRUPTION_BUDGET_CAUSE = "DisruptionBudget";

    private final GenericRegistry<Pod> pods;
    private final GenericRegistry<PodDisruptionBudget> budgets;
    private final GenericRegistry<PodDisruptionBudget> budgetStatus;
    private final Clock clock;

    public EvictionRest(GenericRegistry<Pod> pods, GenericRegistry<PodDisruptionBudget> budgets, Clock clock) {
        this.pods = pods;
        this.budgets = budgets;
        this.budgetStatus = budgets.subresource("status").orElseThrow();
        this.clock = clock;
    }

    public void evict(String namespace, String name, Eviction eviction, boolean dryRun) {
        var meta = eviction.getMetadata();
        if (meta != null && meta.getName() != null && !meta.getName().isEmpty() && !meta.getName().equals(name)) {
            throw ApiException.badRequest("name in URL does not match name in Eviction object");
        }
        DeleteOptions original = deleteOptions(eviction, dryRun);
        boolean rvUnset = original.preconditionResourceVersion() == null;

        // a pod that cannot be disrupted any more than it is goes without a budget check
        Pod pod = retry(rvUnset ? EvictionRest::isConflict : e -> false, () -> {
            Pod current = pods.get(namespace, name);
            if (!canIgnoreBudget(current)) {
                return current;
            }
            DeleteOptions options = original;
            if (shouldEnforceResourceVersion(current) && rvUnset) {
                // not racing anything else that changes whether the pod is covered (it starting to run)
                options = original.withPreconditions(original.preconditionUid(), current.getMetadata().getResourceVersion());
            }
            addConditionAndDelete(namespace, name, options);
            return null;
        });
        if (pod == null) {
            return;
        }

        List<PodDisruptionBudget> matching = MatchingBudgets.forPod(budgets.list(namespace, ListOptions.latest()).items(), pod);
        if (matching.size() > 1) {
            throw ApiException.unknownServerError("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
        }
        String budgetName = null;
        boolean pinResourceVersion = false;
        if (matching.size() == 1) {
            // the listed budget is the watch cache's object, shared with every reader: spend the disruption on a copy
            PodDisruptionBudget budget = new PodDisruptionBudgetBuilder(matching.getFirst()).build();
            budgetName = budget.getMetadata().getName();
            if (!isReady(pod) && unhealthyMayGo(budget)) {
                // an unready pod does not count as healthy: deleting it disrupts nothing, unless it became ready meanwhile
                pinResourceVersion = true;
            } else {
                String pdbName = budgetName;
                var refresh = new boolean[] {false};
                retry(EvictionRest::isConflict, () -> {
                    PodDisruptionBudget current = refresh[0] ? budgets.get(namespace, pdbName) : budget;
                    refresh[0] = true;
                    checkAndDecrement(current, pod.getMetadata().getName(), original.dryRun());
                    return null;
                });
            }
        }
        DeleteOptions options = pinResourceVersion
                ? original.withPreconditions(original.preconditionUid(), pod.getMetadata().getResourceVersion()) : original;
        try {
            addConditionAndDelete(namespace, name, options);
        } catch (ApiException e) {
            if (isConflict(e) && pinResourceVersion && rvUnset) {
                throw stillProcessing(budgetName); // the pod changed under us (maybe became ready): the client retries
            }
            throw e;
        }
    }

    private static DeleteOptions deleteOptions(Eviction eviction, boolean dryRun) {
        var options = eviction.getDeleteOptions();
        if (options == null) {
            return new DeleteOptions(null, null, null, null, dryRun);
        }
        var pre = options.getPreconditions();
        boolean optionsDryRun = options.getDryRun() != null && options.getDryRun().contains("All");
        return new DeleteOptions(options.getGracePeriodSeconds(), pre == null ? null : pre.getUid(),
                pre == null ? null : pre.getResourceVersion(), options.getPropagationPolicy(), dryRun || optionsDryRun);
    }

    /** Whether an unready pod may be deleted without spending the budget. */
    private static boolean unhealthyMayGo(PodDisruptionBudget budget) {
        if ("AlwaysAllow".equals(budget.getSpec().getUnhealthyPodEvictionPolicy())) {
            return true;
        }
        PodDisruptionBudgetStatus s = status(budget);
        int desired = orZero(s.getDesiredHealthy());
        return orZero(s.getCurrentHealthy()) >= desired && desired > 0;
    }

    /** Spends one disruption of {@code budget} for {@code podName}, or refuses; the write is conditional on the budget read. */
    private void checkAndDecrement(PodDisruptionBudget budget, String podName, boolean dryRun) {
        String name = budget.getMetadata().getName();
        PodDisruptionBudgetStatus status = status(budget);
        long observed = status.getObservedGeneration() == null ? 0 : status.getObservedGeneration();
        long generation = budget.getMetadata().getGeneration() == null ? 0 : budget.getMetadata().getGeneration();
        if (observed < generation) {
            throw stillProcessing(name);
        }
        int allowed = orZero(status.getDisruptionsAllowed());
        if (allowed < 0) {
            throw ApiException.forbidden("policy", "poddisruptionbudget", name, "pdb disruptions allowed is negative");
        }
        if (status.getDisruptedPods() != null && status.getDisruptedPods().size() > MAX_DISRUPTED_POD_SIZE) {
            throw ApiException.forbidden("policy", "poddisruptionbudget", name,
                    "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
        }
        if (allowed == 0) {
            throw ApiException.tooManyRequests(VIOLATES_BUDGET, 0, List.of(new Cause(DISRUPTION_BUDGET_CAUSE, null,
                    "The disruption budget " + name + " needs " + orZero(status.getDesiredHealthy()) + " healthy pods and has "
                            + orZero(status.getCurrentHealthy()) + " currently")));
        }
        if (dryRun) {
            return;
        }
        status.setDisruptionsAllowed(allowed - 1);
        if (allowed - 1 == 0) {
            DisruptionAllowedCondition.update(budget, clock.instant());
        }
        // tells the disruption controller the pod is about to go, so that it stops counting it as healthy
        Map<String, String> disrupted = status.getDisruptedPods() == null ? new TreeMap<>() : new TreeMap<>(status.getDisruptedPods());
        disrupted.put(podName, clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
        status.setDisruptedPods(disrupted);
        budgetStatus.update(budget.getMetadata().getNamespace(), name, budget, false);
    }

    /** Marks the pod DisruptionTarget (EvictionByEvictionAPI) under the delete's preconditions, then deletes it. */
    private void addConditionAndDelete(String namespace, String name, DeleteOptions options) {
        if (!options.dryRun()) {
            Pod updated = pods.guaranteedUpdate(namespace, name, new Preconditions(options.preconditionUid(), options.preconditionResourceVersion()),
                    this::withDisruptionTarget, false);
            if (options.preconditionResourceVersion() != null) {
                // the condition was our own write: the delete is conditional on it instead
                options = options.withPreconditions(options.preconditionUid(), updated.getMetadata().getResourceVersion());
            }
        }
        pods.delete(namespace, name, options);
    }

    private Pod withDisruptionTarget(Pod pod) {
        if (pod.getStatus() == null) {
            pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
        }
        List<PodCondition> conditions = pod.getStatus().getConditions() == null ? new ArrayList<>() : new ArrayList<>(pod.getStatus().getConditions());
        PodCondition c = conditions.stream().filter(x -> "DisruptionTarget".equals(x.getType())).findFirst().orElse(null);
        if (c == null) {
            c = new PodCondition();
            c.setType("DisruptionTarget");
            conditions.add(c);
        }
        if (!"True".equals(c.getStatus())) {
            c.setLastTransitionTime(clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
        }
        c.setStatus("True");
        c.setReason("EvictionByEvictionAPI");
        c.setMessage("Eviction API: evicting");
        pod.getStatus().setConditions(conditions);
        return pod;
    }

    private static ApiException stillProcessing(String budgetName) {
        return ApiException.tooManyRequests(VIOLATES_BUDGET, 10, List.of(new Cause(DISRUPTION_BUDGET_CAUSE, null,
                "The disruption budget " + budgetName + " is still being processed by the server.")));
    }

    /** Pending, Succeeded or Failed pods and pods already being deleted: evicting them disrupts nothing more. */
    static boolean canIgnoreBudget(Pod pod) {
        String phase = phase(pod);
        return "Succeeded".equals(phase) || "Failed".equals(phase) || "Pending".equals(phase)
                || pod.getMetadata().getDeletionTimestamp() != null;
    }

    private static boolean shouldEnforceResourceVersion(Pod pod) {
        String phase = phase(pod);
        return !"Succeeded".equals(phase) && !"Failed".equals(phase) && pod.getMetadata().getDeletionTimestamp() == null;
    }

    private static String phase(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPhase();
    }

    private static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static PodDisruptionBudgetStatus status(PodDisruptionBudget budget) {
        if (budget.getStatus() == null) {
            budget.setStatus(new PodDisruptionBudgetStatus());
        }
        return budget.getStatus();
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    private static boolean isConflict(ApiException e) {
        return e.code() == 409 && "Conflict".equals(e.reason());
    }

    /** Runs {@code attempt} until it returns, retrying errors {@code shouldRetry} accepts up to {@link #RETRY_STEPS} times. */
    private static <T> T retry(Predicate<ApiException> shouldRetry, Supplier<T> attempt) {
        for (int step = 1; ; step++) {
            try {
                return attempt.get();
            } catch (ApiException e) {
                if (step >= RETRY_STEPS || !shouldRetry.test(e)) {
                    throw e;
                }
            }
            long jitter = (long) (RETRY_INTERVAL.toMillis() * 0.1 * ThreadLocalRandom.current().nextDouble());
            try {
                Thread.sleep(RETRY_INTERVAL.toMillis() + jitter);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiException.internal("interrupted while retrying an eviction");
            }
        }
    }
}
