package dev.skiff.controller.podautoscaler;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRules;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What stands between a metric's recommendation and the new scale (upstream's normalizeDesiredReplicas
 * and normalizeDesiredReplicasWithBehaviors): the recommendations of each HPA over its
 * stabilization windows (scale-down 300 s by default, scale-up none), and the scale events that the
 * scaling policies limit the next step by (by default up to +4 pods or +100% per 15 s, down to -100%
 * per 15 s; without a behavior, up to max(2x, 4)). Each step reports the AbleToScale and
 * ScalingLimited conditions' reasons and messages as upstream words them.
 */
final class ScaleRecommendations {
    /** --horizontal-pod-autoscaler-downscale-stabilization. */
    static final Duration DOWNSCALE_STABILIZATION = Duration.ofMinutes(5);
    private static final double SCALE_UP_LIMIT_FACTOR = 2.0;
    private static final double SCALE_UP_LIMIT_MINIMUM = 4.0;

    private record Recommendation(Instant timestamp, int replicas) {
    }

    private record ScaleEvent(Instant timestamp, int change) {
    }

    /** A condition's reason and message; {@code status} for ScalingLimited. */
    record Reason(boolean status, String reason, String message) {
    }

    record Normalized(int replicas, Reason ableToScale, Reason scalingLimited) {
    }

    private final Clock clock;
    private final Map<String, List<Recommendation>> recommendations = new ConcurrentHashMap<>();
    private final Map<String, List<ScaleEvent>> scaleUps = new ConcurrentHashMap<>();
    private final Map<String, List<ScaleEvent>> scaleDowns = new ConcurrentHashMap<>();

    ScaleRecommendations(Clock clock) {
        this.clock = clock;
    }

    /** The first time an HPA is seen, its current size counts as a recommendation. */
    void recordInitial(String key, int currentReplicas) {
        recommendations.computeIfAbsent(key, k -> new ArrayList<>(List.of(new Recommendation(clock.instant(), currentReplicas))));
    }

    void forget(String key) {
        recommendations.remove(key);
        scaleUps.remove(key);
        scaleDowns.remove(key);
    }

    /** After a rescale under a behavior: the change that later policies count. */
    void recordScaleEvent(String key, HorizontalPodAutoscalerBehavior behavior, int previous, int replicas) {
        if (behavior == null || previous == replicas) {
            return;
        }
        Instant now = clock.instant();
        var events = (replicas > previous ? scaleUps : scaleDowns).computeIfAbsent(key, k -> new ArrayList<>());
        synchronized (events) {
            // the longest policy period is 30 min (validation): anything older never counts again
            events.removeIf(e -> e.timestamp().isBefore(now.minus(Duration.ofMinutes(30))));
            events.add(new ScaleEvent(now, Math.abs(replicas - previous)));
        }
    }

    Normalized normalize(String key, HorizontalPodAutoscalerBehavior behavior, int currentReplicas, int desired, int minReplicas,
                         int maxReplicas) {
        return behavior == null ? withoutBehavior(key, currentReplicas, desired, minReplicas, maxReplicas)
                : withBehavior(key, behavior, currentReplicas, desired, minReplicas, maxReplicas);
    }

    private Normalized withoutBehavior(String key, int current, int desired, int min, int max) {
        Instant now = clock.instant();
        Instant cutoff = now.minus(DOWNSCALE_STABILIZATION);
        int stabilized = desired;
        var list = recommendations.computeIfAbsent(key, k -> new ArrayList<>());
        synchronized (list) {
            int old = -1;
            for (int i = 0; i < list.size(); i++) {
                var r = list.get(i);
                if (r.timestamp().isBefore(cutoff)) {
                    old = i;
                } else if (r.replicas() > stabilized) {
                    stabilized = r.replicas();
                }
            }
            record(list, old, new Recommendation(now, desired));
        }
        Reason able = stabilized != desired
                ? new Reason(true, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation")
                : new Reason(true, "ReadyForNewScale", "recommended size matches current size");
        int scaleUpLimit = (int) Math.max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM);
        int maximum;
        String limitReason;
        String limitMessage;
        if (max > scaleUpLimit) {
            maximum = scaleUpLimit;
            limitReason = "ScaleUpLimit";
            limitMessage = "the desired replica count is increasing faster than the maximum scale rate";
        } else {
            maximum = max;
            limitReason = "TooManyReplicas";
            limitMessage = "the desired replica count is more than the maximum replica count";
        }
        if (stabilized < min) {
            return new Normalized(min, able, new Reason(true, "TooFewReplicas", "the desired replica count is less than the minimum replica count"));
        }
        if (stabilized > maximum) {
            return new Normalized(maximum, able, new Reason(true, limitReason, limitMessage));
        }
        return new Normalized(stabilized, able, new Reason(false, "DesiredWithinRange", "the desired count is within the acceptable range"));
    }

    private Normalized withBehavior(String key, HorizontalPodAutoscalerBehavior behavior, int current, int desired, int min, int max) {
        HPAScalingRules up = Behaviors.scaleUp(behavior);
        HPAScalingRules down = Behaviors.scaleDown(behavior);
        Instant now = clock.instant();
        int upWindow = up.getStabilizationWindowSeconds() == null ? 0 : up.getStabilizationWindowSeconds();
        int downWindow = down.getStabilizationWindowSeconds() == null ? (int) DOWNSCALE_STABILIZATION.toSeconds() : down.getStabilizationWindowSeconds();
        Instant upCutoff = now.minusSeconds(upWindow);
        Instant downCutoff = now.minusSeconds(downWindow);
        Instant obsolete = now.minusSeconds(Math.max(upWindow, downWindow));
        int upRecommendation = desired;
        int downRecommendation = desired;
        var list = recommendations.computeIfAbsent(key, k -> new ArrayList<>());
        synchronized (list) {
            int old = -1;
            for (int i = 0; i < list.size(); i++) {
                var r = list.get(i);
                if (r.timestamp().isAfter(upCutoff)) {
                    upRecommendation = Math.min(r.replicas(), upRecommendation);
                }
                if (r.timestamp().isAfter(downCutoff)) {
                    downRecommendation = Math.max(r.replicas(), downRecommendation);
                }
                if (r.timestamp().isBefore(obsolete)) {
                    old = i;
                }
            }
            record(list, old, new Recommendation(now, desired));
        }
        int stabilized = Math.min(Math.max(current, upRecommendation), downRecommendation);
        Reason able;
        if (stabilized == desired) {
            able = new Reason(true, "ReadyForNewScale", "recommended size matches current size");
        } else if (stabilized < desired) {
            able = new Reason(true, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation");
        } else {
            able = new Reason(true, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation");
        }
        Reason within = new Reason(false, "DesiredWithinRange", "the desired count is within the acceptable range");
        if (stabilized > current) {
            int limit = Math.max(scaleUpLimit(key, current, up), current);
            if (max > limit) {
                if (stabilized > limit) {
                    return new Normalized(limit, able, new Reason(true, "ScaleUpLimit",
                            "the desired replica count is increasing faster than the maximum scale rate"));
                }
            } else if (stabilized > max) {
                return new Normalized(max, able, new Reason(true, "TooManyReplicas", "the desired replica count is more than the maximum replica count"));
            }
        } else if (stabilized < current) {
            int limit = Math.min(scaleDownLimit(key, current, down), current);
            if (min < limit) {
                if (stabilized < limit) {
                    return new Normalized(limit, able, new Reason(true, "ScaleDownLimit",
                            "the desired replica count is decreasing faster than the maximum scale rate"));
                }
            } else if (stabilized < min) {
                return new Normalized(min, able, new Reason(true, "TooFewReplicas", "the desired replica count is less than the minimum replica count"));
            }
        }
        return new Normalized(stabilized, able, within);
    }

    /** Reuses the slot of an obsolete recommendation ({@code old} >= 0), as upstream does, or appends. */
    private static void record(List<Recommendation> list, int old, Recommendation recommendation) {
        if (old >= 0) {
            list.set(old, recommendation);
        } else {
            list.add(recommendation);
        }
    }

    /** The most replicas the scale-up policies allow now, each counted from the size at the start of its period. */
    private int scaleUpLimit(String key, int current, HPAScalingRules rules) {
        String select = rules.getSelectPolicy() == null ? "Max" : rules.getSelectPolicy();
        if (select.equals("Disabled")) {
            return current;
        }
        boolean min = select.equals("Min");
        int result = min ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        for (HPAScalingPolicy policy : rules.getPolicies()) {
            int start = periodStart(key, current, policy.getPeriodSeconds());
            int proposed = "Pods".equals(policy.getType()) ? start + policy.getValue()
                    : (int) Math.ceil(start * (1 + policy.getValue() / 100.0));
            result = min ? Math.min(result, proposed) : Math.max(result, proposed);
        }
        return result;
    }

    /** The fewest replicas the scale-down policies allow now; "Min" is the smallest change, so the largest count. */
    private int scaleDownLimit(String key, int current, HPAScalingRules rules) {
        String select = rules.getSelectPolicy() == null ? "Max" : rules.getSelectPolicy();
        if (select.equals("Disabled")) {
            return current;
        }
        boolean minChange = select.equals("Min");
        int result = minChange ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        for (HPAScalingPolicy policy : rules.getPolicies()) {
            int start = periodStart(key, current, policy.getPeriodSeconds());
            int proposed = "Pods".equals(policy.getType()) ? start - policy.getValue() : (int) (start * (1 - policy.getValue() / 100.0));
            result = minChange ? Math.max(result, proposed) : Math.min(result, proposed);
        }
        return result;
    }

    private int periodStart(String key, int current, int periodSeconds) {
        Instant cutoff = clock.instant().minusSeconds(periodSeconds);
        return current - changeSince(scaleUps.get(key), cutoff) + changeSince(scaleDowns.get(key), cutoff);
    }

    private static int changeSince(List<ScaleEvent> events, Instant cutoff) {
        if (events == null) {
            return 0;
        }
        synchronized (events) {
            return events.stream().filter(e -> e.timestamp().isAfter(cutoff)).mapToInt(ScaleEvent::change).sum();
        }
    }
}
