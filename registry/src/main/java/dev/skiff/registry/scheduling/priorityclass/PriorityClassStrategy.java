package dev.skiff.registry.scheduling.priorityclass;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * PriorityClasses as upstream's pkg/registry/scheduling/priorityclass: the "system-" prefix is
 * reserved for the two built-in classes, user values are at most one billion, value and
 * preemptionPolicy are immutable; preemptionPolicy defaults to PreemptLowerPriority. Only one class
 * may be the global default, which upstream's Priority admission plugin enforces (403), checked here
 * against the existing classes.
 */
public final class PriorityClassStrategy implements Strategy<PriorityClass> {
    public static final Resource<PriorityClass> RESOURCE =
            Resource.of("scheduling.k8s.io", "priorityclasses", "PriorityClass", false, PriorityClass.class, PriorityClass::new);
    public static final int HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
    public static final int SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
    static final String SYSTEM_PREFIX = "system-";

    private final Supplier<List<PriorityClass>> existing;

    /** {@code existing} lists the stored classes, to find the current global default. */
    public PriorityClassStrategy(Supplier<List<PriorityClass>> existing) {
        this.existing = existing;
    }

    /** The classes that exist from the start (upstream's SystemPriorityClasses). */
    public static List<PriorityClass> systemPriorityClasses() {
        return List.of(
                system("system-node-critical", SYSTEM_CRITICAL_PRIORITY + 1000,
                        "Used for system critical pods that must not be moved from their current node."),
                system("system-cluster-critical", SYSTEM_CRITICAL_PRIORITY,
                        "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."));
    }

    private static PriorityClass system(String name, int value, String description) {
        PriorityClass pc = new PriorityClass();
        ObjectMeta meta = new ObjectMeta();
        meta.setName(name);
        pc.setMetadata(meta);
        pc.setValue(value);
        pc.setGlobalDefault(false);
        pc.setDescription(description);
        return pc;
    }

    @Override
    public boolean namespaced() {
        return false;
    }

    @Override
    public void prepareForCreate(PriorityClass pc) {
        setDefaults(pc);
    }

    @Override
    public void prepareForUpdate(PriorityClass pc, PriorityClass old) {
        setDefaults(pc);
    }

    private static void setDefaults(PriorityClass pc) {
        if (pc.getPreemptionPolicy() == null || pc.getPreemptionPolicy().isEmpty()) {
            pc.setPreemptionPolicy("PreemptLowerPriority");
        }
    }

    /**
     * The Priority admission plugin's rule: a second global default is refused with 403, naming the
     * current one (the lowest-valued, if a race left several).
     */
    private void onlyOneGlobalDefault(PriorityClass pc) {
        if (!Boolean.TRUE.equals(pc.getGlobalDefault())) {
            return;
        }
        existing.get().stream().filter(other -> Boolean.TRUE.equals(other.getGlobalDefault()))
                .min(Comparator.comparing(other -> other.getValue() == null ? 0 : other.getValue()))
                .filter(current -> !current.getMetadata().getName().equals(pc.getMetadata().getName()))
                .ifPresent(current -> {
                    throw ApiException.forbidden(RESOURCE.plural() + "." + RESOURCE.group() + " " + ApiException.goQuote(
                            pc.getMetadata().getName()) + " is forbidden: PriorityClass " + current.getMetadata().getName()
                            + " is already marked as default. Only one default can exist");
                });
    }

    @Override
    public List<Cause> validate(PriorityClass pc) {
        onlyOneGlobalDefault(pc);
        List<Cause> causes = new ArrayList<>();
        String name = pc.getMetadata().getName() == null ? "" : pc.getMetadata().getName();
        int value = pc.getValue() == null ? 0 : pc.getValue();
        if (name.startsWith(SYSTEM_PREFIX)) {
            String error = knownSystemClassError(name, value, Boolean.TRUE.equals(pc.getGlobalDefault()));
            if (error != null) {
                causes.add(Cause.forbidden("metadata.name", "priority class names with '" + SYSTEM_PREFIX
                        + "' prefix are reserved for system use only. error: " + error));
            }
        } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
            causes.add(Cause.forbidden("value", "maximum allowed value of a user defined priority is " + HIGHEST_USER_DEFINABLE_PRIORITY));
        }
        String policy = pc.getPreemptionPolicy();
        if (policy != null && !List.of("PreemptLowerPriority", "Never").contains(policy)) {
            causes.add(Cause.notSupported("preemptionPolicy", policy, List.of("Never", "PreemptLowerPriority")));
        }
        return causes;
    }

    private static String knownSystemClassError(String name, int value, boolean globalDefault) {
        for (PriorityClass known : systemPriorityClasses()) {
            if (known.getMetadata().getName().equals(name)) {
                if (known.getValue() != value) {
                    return "value of " + name + " PriorityClass must be " + known.getValue();
                }
                if (known.getGlobalDefault() != globalDefault) {
                    return "globalDefault of " + name + " PriorityClass must be " + known.getGlobalDefault();
                }
                return null;
            }
        }
        return name + " is not a known system priority class";
    }

    @Override
    public List<Cause> validateUpdate(PriorityClass pc, PriorityClass old) {
        List<Cause> causes = new ArrayList<>(validate(pc));
        if (!Objects.equals(pc.getValue(), old.getValue())) {
            causes.add(Cause.forbidden("value", "may not be changed in an update."));
        }
        if (!Objects.equals(pc.getPreemptionPolicy(), old.getPreemptionPolicy())) {
            causes.add(Cause.invalid("preemptionPolicy", pc.getPreemptionPolicy(), "field is immutable"));
        }
        return causes;
    }
}
