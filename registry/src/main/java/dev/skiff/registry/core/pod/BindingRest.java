package dev.skiff.registry.core.pod;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.registry.storage.Preconditions;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * pods/binding, as upstream's BindingREST: assigns an unbound pod to a node - spec.nodeName, the
 * binding's annotations, and the PodScheduled condition True - in one guarded write. A pod that is
 * already bound, being deleted or still gated is refused with 409 Conflict.
 */
public final class BindingRest {
    private final GenericRegistry<Pod> pods;
    private final Clock clock;

    public BindingRest(GenericRegistry<Pod> pods, Clock clock) {
        this.pods = pods;
        this.clock = clock;
    }

    public Pod bind(String namespace, String name, Binding binding, boolean dryRun) {
        var meta = binding.getMetadata();
        if (meta != null && meta.getName() != null && !meta.getName().isEmpty() && !meta.getName().equals(name)) {
            throw ApiException.badRequest("name in URL does not match name in Binding object");
        }
        ObjectReference target = binding.getTarget() == null ? new ObjectReference() : binding.getTarget();
        List<Cause> causes = new ArrayList<>();
        if (target.getKind() != null && !target.getKind().isEmpty() && !target.getKind().equals("Node")) {
            causes.add(Cause.notSupported("target.kind", target.getKind(), List.of("Node", "<empty>")));
        }
        if (target.getName() == null || target.getName().isEmpty()) {
            causes.add(Cause.required("target.name"));
        }
        if (!causes.isEmpty()) {
            throw ApiException.invalid("", "Binding", name, causes);
        }
        String uid = meta == null || meta.getUid() == null || meta.getUid().isEmpty() ? null : meta.getUid();
        String rv = meta == null || meta.getResourceVersion() == null || meta.getResourceVersion().isEmpty() ? null : meta.getResourceVersion();
        String node = target.getName();
        return pods.guaranteedUpdate(namespace, name, new Preconditions(uid, rv), pod -> {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                throw conflict(name, "pod " + name + " is being deleted, cannot be assigned to a host");
            }
            String bound = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
            if (bound != null && !bound.isEmpty()) {
                throw conflict(name, "pod " + name + " is already assigned to node " + ApiException.goQuote(bound));
            }
            if (pod.getSpec().getSchedulingGates() != null && !pod.getSpec().getSchedulingGates().isEmpty()) {
                throw conflict(name, "pod " + name + " has non-empty .spec.schedulingGates");
            }
            pod.getSpec().setNodeName(node);
            if (meta != null && meta.getAnnotations() != null && !meta.getAnnotations().isEmpty()) {
                var annotations = new HashMap<String, String>(pod.getMetadata().getAnnotations() == null ? java.util.Map.of()
                        : pod.getMetadata().getAnnotations());
                annotations.putAll(meta.getAnnotations());
                pod.getMetadata().setAnnotations(annotations);
            }
            setScheduled(pod);
            return pod;
        }, dryRun);
    }

    /** Upstream's UpdatePodCondition: PodScheduled True; the transition time moves only when the status changes. */
    private void setScheduled(Pod pod) {
        if (pod.getStatus() == null) {
            pod.setStatus(new PodStatus());
        }
        List<PodCondition> conditions = new ArrayList<>(pod.getStatus().getConditions() == null ? List.of() : pod.getStatus().getConditions());
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        PodCondition existing = conditions.stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst().orElse(null);
        if (existing == null) {
            PodCondition scheduled = new PodCondition();
            scheduled.setType("PodScheduled");
            scheduled.setStatus("True");
            scheduled.setLastTransitionTime(now);
            conditions.add(scheduled);
        } else if (!"True".equals(existing.getStatus())) {
            existing.setStatus("True");
            existing.setReason(null);
            existing.setMessage(null);
            existing.setLastTransitionTime(now);
        }
        pod.getStatus().setConditions(conditions);
    }

    private static ApiException conflict(String name, String detail) {
        return ApiException.conflict("", "pods/binding", name, detail);
    }
}
