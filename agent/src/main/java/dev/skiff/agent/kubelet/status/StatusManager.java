package dev.skiff.agent.kubelet.status;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
    /**
     * The status this kubelet last wrote for each pod (by uid), as JSON (which leaves out empty lists, as the API server's
     * answer does), recorded before the write: its echo through the watch can come before the answer.
     */
    private final Map<String, String> written = new ConcurrentHashMap<>();

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
        String uid = pod.getMetadata().getUid();
        String json = client.getKubernetesSerialization().asJson(merged);
        written.put(uid, json);
        try {
            client.resource(new PodBuilder(pod).withStatus(merged).build()).updateStatus();
        } catch (RuntimeException e) {
            written.remove(uid, json);
            throw e;
        }
        return true;
    }

    /** True when {@code pod}'s status is what this kubelet last wrote for it: its own write seen again through the watch. */
    public boolean isOwnWrite(Pod pod) {
        String last = written.get(pod.getMetadata().getUid());
        return last != null && pod.getStatus() != null && last.equals(client.getKubernetesSerialization().asJson(pod.getStatus()));
    }

    /** Drops what is remembered of a pod that is gone. */
    public void forget(String podUid) {
        written.remove(podUid);
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
