package dev.skiff.controller.job;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnPodConditionsPattern;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Upstream's matchPodFailurePolicy (pkg/controller/job/pod_failure_policy.go): the first rule, in
 * order, whose exit codes or pod conditions match a failed pod decides what its failure means.
 */
final class PodFailurePolicies {
    private PodFailurePolicies() {
    }

    /**
     * What a failed pod's failure means: {@code failJobMessage} is set when a FailJob rule matched;
     * {@code countFailed} is false when an Ignore rule matched; {@code action} is null when no rule did.
     */
    record Outcome(String failJobMessage, boolean countFailed, String action) {
        static final Outcome NO_MATCH = new Outcome(null, true, null);
    }

    static Outcome match(PodFailurePolicy policy, Pod pod) {
        if (policy == null || policy.getRules() == null) {
            return Outcome.NO_MATCH;
        }
        List<PodFailurePolicyRule> rules = policy.getRules();
        for (int index = 0; index < rules.size(); index++) {
            PodFailurePolicyRule rule = rules.get(index);
            String action = rule.getAction();
            String message = null;
            if (rule.getOnExitCodes() != null) {
                ContainerStatus matched = matchingExitCode(rule.getOnExitCodes(), pod);
                if (matched != null) {
                    message = String.format("Container %s for pod %s/%s failed with exit code %d matching %s rule at index %d",
                            matched.getName(), pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                            matched.getState().getTerminated().getExitCode(), action, index);
                }
            }
            if (message == null && rule.getOnPodConditions() != null) {
                PodCondition matched = matchingCondition(rule.getOnPodConditions(), pod);
                if (matched != null) {
                    message = String.format("Pod %s/%s has condition %s matching %s rule at index %d",
                            pod.getMetadata().getNamespace(), pod.getMetadata().getName(), matched.getType(), action, index);
                }
            }
            if (message != null) {
                return switch (action) {
                    case "FailJob" -> new Outcome(message, true, action);
                    case "Ignore" -> new Outcome(null, false, action);
                    default -> new Outcome(null, true, action); // Count, FailIndex
                };
            }
        }
        return Outcome.NO_MATCH;
    }

    /** The first container (init containers first) that exited non-zero with a code the requirement selects. */
    private static ContainerStatus matchingExitCode(PodFailurePolicyOnExitCodesRequirement req, Pod pod) {
        if (pod.getStatus() == null) {
            return null;
        }
        List<ContainerStatus> statuses = new ArrayList<>();
        if (pod.getStatus().getInitContainerStatuses() != null) {
            statuses.addAll(pod.getStatus().getInitContainerStatuses());
        }
        if (pod.getStatus().getContainerStatuses() != null) {
            statuses.addAll(pod.getStatus().getContainerStatuses());
        }
        for (ContainerStatus cs : statuses) {
            if (req.getContainerName() != null && !req.getContainerName().equals(cs.getName())) {
                continue;
            }
            if (cs.getState() == null || cs.getState().getTerminated() == null) {
                continue;
            }
            int code = cs.getState().getTerminated().getExitCode() == null ? 0 : cs.getState().getTerminated().getExitCode();
            if (code == 0) {
                continue; // a success is never a matching failure, whatever the operator
            }
            boolean listed = req.getValues() != null && req.getValues().contains(code);
            if ("In".equals(req.getOperator()) == listed) {
                return cs;
            }
        }
        return null;
    }

    private static PodCondition matchingCondition(List<PodFailurePolicyOnPodConditionsPattern> patterns, Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        for (PodFailurePolicyOnPodConditionsPattern pattern : patterns) {
            String wanted = pattern.getStatus() == null ? "True" : pattern.getStatus();
            for (PodCondition c : pod.getStatus().getConditions()) {
                if (Objects.equals(c.getType(), pattern.getType()) && wanted.equals(c.getStatus())) {
                    return c;
                }
            }
        }
        return null;
    }
}
