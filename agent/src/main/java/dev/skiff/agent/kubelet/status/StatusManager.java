package dev.skiff.agent.kubelet.status;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The kubelet's status manager (upstream: pkg/kubelet/status): merges what the pod syncer reports
 * into the pod's status as the API server has it - the conditions the kubelet owns replace the old
 * ones, keeping their lastTransitionTime while their status stays; the others (PodScheduled,
 * DisruptionTarget, readiness gates) stay; startTime, qosClass and nominatedNodeName are kept - and
 * writes it through {@code pods/status} only when it changed, conditional on the cached
 * resourceVersion (a conflict is retried from the fresher pod by the caller).
 */
public final class StatusManager {
    /** The pod conditions the kubelet sets (upstream's kubetypes.PodConditionsByKubelet). */
    static final Set<String> KUBELET_CONDITIONS = Set.of("PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready");

    private final KubernetesClient client;

    public StatusManager(KubernetesClient client) {
        this.client = client;
    }

    /** Writes {@code reported} as {@code pod}'s status if it changes anything; returns whether it wrote. */
    public boolean setStatus(Pod pod, PodStatus reported) {
        PodStatus old = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        PodStatus merged = merge(old, reported);
        if (merged.equals(old)) {
            return false;
        }
        client.resource(new PodBuilder(pod).withStatus(merged).build()).updateStatus();
        return true;
    }

    static PodStatus merge(PodStatus old, PodStatus reported) {
        List<PodCondition> conditions = new ArrayList<>();
        List<PodCondition> oldConditions = old.getConditions() == null ? List.of() : old.getConditions();
        for (PodCondition c : oldConditions) {
            if (!KUBELET_CONDITIONS.contains(c.getType())) {
                conditions.add(c);
            }
        }
        for (PodCondition c : reported.getConditions() == null ? List.<PodCondition>of() : reported.getConditions()) {
            PodCondition previous = oldConditions.stream().filter(o -> o.getType().equals(c.getType())).findFirst().orElse(null);
            boolean unchanged = previous != null && Objects.equals(previous.getStatus(), c.getStatus()) && previous.getLastTransitionTime() != null;
            conditions.add(unchanged ? new io.fabric8.kubernetes.api.model.PodConditionBuilder(c)
                    .withLastTransitionTime(previous.getLastTransitionTime()).build() : c);
        }
        return new PodStatusBuilder(reported)
                .withConditions(conditions)
                .withStartTime(old.getStartTime() != null ? old.getStartTime() : reported.getStartTime())
                .withQosClass(reported.getQosClass() != null ? reported.getQosClass() : old.getQosClass())
                .withNominatedNodeName(old.getNominatedNodeName())
                .build();
    }
}
