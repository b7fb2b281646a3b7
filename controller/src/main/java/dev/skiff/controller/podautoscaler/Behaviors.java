package dev.skiff.controller.podautoscaler;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRules;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import java.util.List;

/**
 * autoscaling/v2's behavior defaults (GenerateHPAScaleUpRules / GenerateHPAScaleDownRules) for the
 * parts a given behavior leaves out: scale-up no stabilization, Max of +4 pods and +100% per 15 s;
 * scale-down the controller's 300 s stabilization, Max of -100% per 15 s.
 */
final class Behaviors {
    private Behaviors() {
    }

    static HPAScalingRules scaleUp(HorizontalPodAutoscalerBehavior behavior) {
        HPAScalingRules given = behavior == null ? null : behavior.getScaleUp();
        return new HPAScalingRules(
                given == null || given.getPolicies() == null || given.getPolicies().isEmpty()
                        ? List.of(new HPAScalingPolicy(15, "Pods", 4), new HPAScalingPolicy(15, "Percent", 100)) : given.getPolicies(),
                given == null || given.getSelectPolicy() == null ? "Max" : given.getSelectPolicy(),
                given == null || given.getStabilizationWindowSeconds() == null ? 0 : given.getStabilizationWindowSeconds(),
                given == null ? null : given.getTolerance());
    }

    static HPAScalingRules scaleDown(HorizontalPodAutoscalerBehavior behavior) {
        HPAScalingRules given = behavior == null ? null : behavior.getScaleDown();
        return new HPAScalingRules(
                given == null || given.getPolicies() == null || given.getPolicies().isEmpty()
                        ? List.of(new HPAScalingPolicy(15, "Percent", 100)) : given.getPolicies(),
                given == null || given.getSelectPolicy() == null ? "Max" : given.getSelectPolicy(),
                given == null ? null : given.getStabilizationWindowSeconds(),
                given == null ? null : given.getTolerance());
    }
}
