package dev.skiff.registry.core.pod;

import dev.skiff.api.errors.ApiException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What upstream's Priority admission plugin does to a pod being created: its priority (and preemption
 * policy, when the class has one) from its PriorityClass, or from the global default class when it
 * names none (then 0 when there is no default); 403 for a class that does not exist or for a priority
 * or policy in the spec that disagrees with the class.
 */
public final class PodPriority {
    private final Supplier<List<PriorityClass>> priorityClasses;

    /** {@code priorityClasses}: every PriorityClass (read per pod create, from the watch cache). */
    public PodPriority(Supplier<List<PriorityClass>> priorityClasses) {
        this.priorityClasses = priorityClasses;
    }

    /** No PriorityClass exists: pods without a class get 0, a named class is not found. */
    public static PodPriority none() {
        return new PodPriority(List::of);
    }

    void admit(Pod pod) {
        PodSpec spec = pod.getSpec();
        String className = spec.getPriorityClassName();
        int priority;
        String policy = null;
        if (className == null || className.isEmpty()) {
            Optional<PriorityClass> global = priorityClasses.get().stream()
                    .filter(pc -> Boolean.TRUE.equals(pc.getGlobalDefault())).findFirst();
            if (global.isEmpty()) {
                priority = 0;
            } else {
                spec.setPriorityClassName(global.get().getMetadata().getName());
                priority = global.get().getValue();
                policy = global.get().getPreemptionPolicy();
            }
        } else {
            PriorityClass pc = priorityClasses.get().stream().filter(c -> className.equals(c.getMetadata().getName())).findFirst()
                    .orElseThrow(() -> forbidden(pod, "no PriorityClass with name " + className + " was found"));
            priority = pc.getValue();
            policy = pc.getPreemptionPolicy();
        }
        if (spec.getPriority() != null && spec.getPriority() != priority) {
            throw forbidden(pod, "the integer value of priority (" + spec.getPriority()
                    + ") must not be provided in pod spec; priority admission controller computed " + priority
                    + " from the given PriorityClass name");
        }
        spec.setPriority(priority);
        if (policy != null) {
            if (spec.getPreemptionPolicy() != null && !Objects.equals(spec.getPreemptionPolicy(), policy)) {
                throw forbidden(pod, "the string value of PreemptionPolicy (" + spec.getPreemptionPolicy()
                        + ") must not be provided in pod spec; priority admission controller computed " + policy
                        + " from the given PriorityClass name");
            }
            spec.setPreemptionPolicy(policy);
        }
    }

    private static ApiException forbidden(Pod pod, String reason) {
        String name = pod.getMetadata() == null || pod.getMetadata().getName() == null ? "" : pod.getMetadata().getName();
        return ApiException.forbidden("pods \"" + name + "\" is forbidden: " + reason);
    }
}
