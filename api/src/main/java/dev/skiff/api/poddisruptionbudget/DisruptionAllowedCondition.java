package dev.skiff.api.poddisruptionbudget;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * A PodDisruptionBudget's DisruptionAllowed condition, as upstream's component-helpers
 * apps/poddisruptionbudget: shared by the disruption controller, which computes the status, and the
 * pods/eviction subresource, which spends the budget and flips the condition when it reaches zero.
 */
public final class DisruptionAllowedCondition {
    public static final String TYPE = "DisruptionAllowed";
    /** The budget allows at least one disruption. */
    public static final String SUFFICIENT_PODS = "SufficientPods";
    /** Not enough healthy pods for another disruption. */
    public static final String INSUFFICIENT_PODS = "InsufficientPods";
    /** The controller could not compute the status; disruptionsAllowed was set to 0 to fail safe. */
    public static final String SYNC_FAILED = "SyncFailed";

    private DisruptionAllowedCondition() {
    }

    /** Sets the condition from status.disruptionsAllowed (True/SufficientPods above 0, else False/InsufficientPods). */
    public static void update(PodDisruptionBudget pdb, Instant now) {
        PodDisruptionBudgetStatus status = pdb.getStatus();
        boolean allowed = status.getDisruptionsAllowed() != null && status.getDisruptionsAllowed() > 0;
        set(status, allowed ? "True" : "False", allowed ? SUFFICIENT_PODS : INSUFFICIENT_PODS, "", now);
    }

    /**
     * Sets the condition as upstream's meta.SetStatusCondition: the transition time moves only when
     * the status changes; reason, message and observedGeneration (the status') always follow.
     */
    public static void set(PodDisruptionBudgetStatus status, String value, String reason, String message, Instant now) {
        List<Condition> conditions = status.getConditions() == null ? new ArrayList<>() : new ArrayList<>(status.getConditions());
        Condition existing = find(conditions);
        Condition c = existing == null ? new Condition() : existing;
        if (existing == null || !value.equals(existing.getStatus())) {
            c.setLastTransitionTime(now.truncatedTo(ChronoUnit.SECONDS).toString());
        }
        c.setType(TYPE);
        c.setStatus(value);
        c.setReason(reason);
        c.setMessage(message);
        c.setObservedGeneration(status.getObservedGeneration());
        if (existing == null) {
            conditions.add(c);
        }
        status.setConditions(conditions);
    }

    /** True when the condition matches disruptionsAllowed and the status observed the current generation (upstream's ConditionsAreUpToDate). */
    public static boolean upToDate(PodDisruptionBudget pdb) {
        PodDisruptionBudgetStatus status = pdb.getStatus();
        if (status == null) {
            return false;
        }
        Condition c = find(status.getConditions());
        if (c == null || !java.util.Objects.equals(status.getObservedGeneration(), pdb.getMetadata().getGeneration())) {
            return false;
        }
        if (status.getDisruptionsAllowed() != null && status.getDisruptionsAllowed() > 0) {
            return "True".equals(c.getStatus()) && SUFFICIENT_PODS.equals(c.getReason());
        }
        return "False".equals(c.getStatus()) && INSUFFICIENT_PODS.equals(c.getReason());
    }

    public static Condition find(List<Condition> conditions) {
        if (conditions == null) {
            return null;
        }
        return conditions.stream().filter(c -> TYPE.equals(c.getType())).findFirst().orElse(null);
    }
}
