package dev.skiff.registry.core.pod;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Pods as upstream's pkg/registry/core/pod strategy: defaults (SetDefaults_PodSpec / Container,
 * plus what the ServiceAccount, Priority and DefaultTolerationSeconds admission plugins add),
 * status Pending with the QoS class on create, the status kept on a main update and the spec
 * kept on pods/status, and ValidatePod / ValidatePodUpdate for the fields in {@link PodValidation}.
 */
public final class PodStrategy implements Strategy<Pod> {
    public static final Resource<Pod> RESOURCE = Resource.of("", "pods", "Pod", true, Pod.class, Pod::new);

    private final PodPriority priority;
    private final PodAdmissionPlugins plugins;

    /** Pods in a cluster without PriorityClasses (tests of other behaviour). */
    public PodStrategy() {
        this(PodPriority.none());
    }

    public PodStrategy(PodPriority priority) {
        this(priority, PodAdmissionPlugins.ALL);
    }

    /** {@code plugins}: which of Priority and DefaultTolerationSeconds run on a created pod. */
    public PodStrategy(PodPriority priority, PodAdmissionPlugins plugins) {
        this.priority = priority;
        this.plugins = plugins;
    }

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(Pod pod) {
        if (pod.getSpec() == null) {
            pod.setSpec(new PodSpec());
        }
        if (plugins.priority()) {
            priority.admit(pod);
        }
        PodDefaults.apply(pod, plugins);
        PodStatus status = new PodStatus();
        status.setPhase("Pending");
        status.setQosClass(QosClass.of(pod.getSpec()));
        pod.setStatus(status);
    }

    @Override
    public void prepareForUpdate(Pod pod, Pod old) {
        pod.setStatus(old.getStatus());
        if (pod.getSpec() != null) {
            // an update sends the whole object; fields upstream defaults are defaulted the same way before comparing
            PodDefaults.applySpec(pod.getSpec());
        }
    }

    @Override
    public List<Cause> validate(Pod pod) {
        return PodValidation.validateSpec(pod.getSpec(), "spec");
    }

    @Override
    public List<Cause> validateUpdate(Pod pod, Pod old) {
        List<Cause> causes = new java.util.ArrayList<>(validate(pod));
        causes.addAll(PodValidation.validateSpecUpdate(pod.getSpec(), old.getSpec()));
        return causes;
    }

    @Override
    public List<Cause> validateStatusUpdate(Pod pod, Pod old) {
        return PodValidation.validateStatus(pod.getStatus());
    }

    /** pods/status: the spec, deletionTimestamp and ownerReferences stay as stored (upstream's podStatusStrategy). */
    /**
     * Upstream's pod CheckGracefulDelete: the requested period, else the pod's
     * terminationGracePeriodSeconds; 0 (deleted at once) for a pod no node runs - unscheduled or
     * already Succeeded/Failed.
     */
    @Override
    public OptionalLong gracefulDeletionSeconds(Pod pod, Long requested) {
        long period = requested != null ? requested
                : pod.getSpec() != null && pod.getSpec().getTerminationGracePeriodSeconds() != null
                ? pod.getSpec().getTerminationGracePeriodSeconds() : 0;
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if (pod.getSpec() == null || pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty()
                || "Succeeded".equals(phase) || "Failed".equals(phase)) {
            period = 0;
        }
        return OptionalLong.of(period);
    }

    @Override
    public Map<String, Strategy<Pod>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (pod, old) -> {
            pod.setSpec(old.getSpec());
            pod.getMetadata().setDeletionTimestamp(old.getMetadata().getDeletionTimestamp());
            pod.getMetadata().setOwnerReferences(old.getMetadata().getOwnerReferences());
        }));
    }

    static List<Container> containers(List<Container> list) {
        return list == null ? List.of() : list;
    }
}
