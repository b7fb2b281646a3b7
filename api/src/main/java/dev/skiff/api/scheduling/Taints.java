package dev.skiff.api.scheduling;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.function.Predicate;

/**
 * Taints against tolerations, as upstream's component-helpers/scheduling/corev1 and the core/v1
 * helpers do it: shared by the scheduler's TaintToleration and NodeUnschedulable plugins and the
 * DaemonSet controller, which decides from the same rules whether a node should run a daemon pod.
 */
public final class Taints {
    private Taints() {
    }

    /** The effects the scheduler filters on. */
    public static final Predicate<Taint> NO_SCHEDULE_OR_NO_EXECUTE =
            t -> "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect());

    /** The first taint passing {@code inScope} that none of the tolerations tolerates, or null (upstream's FindMatchingUntoleratedTaint). */
    public static Taint firstUntolerated(List<Taint> taints, List<Toleration> tolerations, Predicate<Taint> inScope) {
        if (taints == null) {
            return null;
        }
        for (Taint t : taints) {
            if (inScope.test(t) && !tolerates(tolerations, t)) {
                return t;
            }
        }
        return null;
    }

    public static boolean tolerates(List<Toleration> tolerations, Taint taint) {
        if (tolerations == null) {
            return false;
        }
        for (Toleration t : tolerations) {
            if (toleratesTaint(t, taint)) {
                return true;
            }
        }
        return false;
    }

    /** Upstream's Toleration.ToleratesTaint: effect, key (empty key with Exists matches all), operator. */
    public static boolean toleratesTaint(Toleration t, Taint taint) {
        if (t.getEffect() != null && !t.getEffect().isEmpty() && !t.getEffect().equals(taint.getEffect())) {
            return false;
        }
        String key = t.getKey() == null ? "" : t.getKey();
        if (!key.isEmpty() && !key.equals(taint.getKey())) {
            return false;
        }
        String op = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
        return switch (op) {
            case "Exists" -> true;
            case "Equal" -> (t.getValue() == null ? "" : t.getValue()).equals(taint.getValue() == null ? "" : taint.getValue());
            default -> false;
        };
    }
}
