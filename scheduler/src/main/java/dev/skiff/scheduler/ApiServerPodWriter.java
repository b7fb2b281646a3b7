package dev.skiff.scheduler;

import dev.skiff.client.record.EventRecorder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's writes through the API server, as upstream's handleSchedulingFailure and
 * preemption do: a {@code FailedScheduling} warning event, the {@code PodScheduled=False} condition
 * with its reason and message and the nominated node (a strategic merge patch of pods/status, sent
 * only when something changed, as upstream's updatePod), and the deletion of preemption victims
 * with a {@code Preempted} event.
 */
public final class ApiServerPodWriter implements PodWriter {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServerPodWriter.class);

    private final KubernetesClient client;
    private final EventRecorder events;
    private final Clock clock;

    public ApiServerPodWriter(KubernetesClient client, EventRecorder events, Clock clock) {
        this.client = client;
        this.events = events;
        this.clock = clock;
    }

    @Override
    public void recordFailure(Pod pod, String reason, String message, String nominatedNodeName) {
        events.event(pod, EventRecorder.WARNING, "FailedScheduling", message);
        PodCondition current = condition(pod);
        String currentNominated = pod.getStatus() == null ? null : pod.getStatus().getNominatedNodeName();
        boolean conditionChanged = current == null || !"False".equals(current.getStatus())
                || !Objects.equals(reason, current.getReason()) || !Objects.equals(message, current.getMessage());
        boolean nominationChanged = nominatedNodeName != null && !nominatedNodeName.equals(Objects.requireNonNullElse(currentNominated, ""));
        if (!conditionChanged && !nominationChanged) {
            return;
        }
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("type", "PodScheduled");
        condition.put("status", "False");
        condition.put("lastProbeTime", null);
        condition.put("lastTransitionTime", current != null && "False".equals(current.getStatus())
                ? current.getLastTransitionTime() : DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS)));
        condition.put("reason", reason);
        condition.put("message", message);
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("conditions", List.of(condition));
        if (nominationChanged) {
            status.put("nominatedNodeName", nominatedNodeName.isEmpty() ? null : nominatedNodeName);
        }
        try {
            // on the pod itself, not by name: fabric8 GETs a named resource before patching it
            client.pods().resource(pod).subresource("status")
                    .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), Serialization.asJson(Map.of("status", status)));
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) { // a pod deleted meanwhile needs no condition
                LOG.warn("updating pod={}/{} status failed: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.getMessage());
            }
        }
    }

    @Override
    public void deleteVictim(Pod victim, Pod preemptor) {
        String ns = victim.getMetadata().getNamespace();
        try {
            client.pods().inNamespace(ns).withName(victim.getMetadata().getName()).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        events.eventf(victim, EventRecorder.NORMAL, "Preempted", "Preempted by pod %s on node %s",
                preemptor.getMetadata().getUid(), victim.getSpec().getNodeName());
    }

    private static PodCondition condition(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        return pod.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst().orElse(null);
    }
}
