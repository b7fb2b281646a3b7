package dev.skiff.api.quota;

import dev.skiff.api.quantity.Quantities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ScopedResourceSelectorRequirement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Upstream's pod evaluator (pkg/quota/v1/evaluator/core/pods.go): a pod counts one against
 * {@code count/pods} while stored, and - unless terminal (Succeeded/Failed) or deleting past its grace
 * period - one against {@code pods} plus its effective requests and limits (cpu and memory also under
 * their bare names, as requests). Scopes: Terminating (activeDeadlineSeconds set), BestEffort,
 * PriorityClass, CrossNamespacePodAffinity and their negations. Only creates are charged.
 */
public final class PodEvaluator implements Evaluator {
    private static final String COUNT = Evaluator.objectCountName("", "pods");
    private static final Set<String> RESOURCES = Set.of(COUNT, "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
            "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods");
    /** If a quota tracks one of these, every container must state it (upstream keeps this for compatibility). */
    private static final Set<String> MUST_SPECIFY = Set.of("cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory");

    @Override
    public String resource() {
        return "pods";
    }

    @Override
    public Set<String> matchingResources(Collection<String> names) {
        Set<String> matching = new TreeSet<>();
        for (String name : names) {
            if (RESOURCES.contains(name) || name.startsWith("hugepages-") || name.startsWith("requests.hugepages-")
                    || name.startsWith("requests.") && name.contains("/")) {
                matching.add(name);
            }
        }
        return matching;
    }

    @Override
    public boolean handles(boolean create) {
        return create;
    }

    @Override
    public Map<String, Quantity> usage(HasMetadata object, Instant now) {
        Pod pod = (Pod) object;
        Map<String, Quantity> usage = new TreeMap<>(Map.of(COUNT, new Quantity("1")));
        if (!charged(pod, now)) {
            return usage;
        }
        PodSpec spec = pod.getSpec();
        return ResourceLists.add(usage, compute(sum(spec, c -> requests(c)), sum(spec, c -> limits(c), spec.getOverhead(), true)));
    }

    /** QuotaV1Pod: not terminal, and not deleting for longer than its grace period. */
    static boolean charged(Pod pod, Instant now) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return false;
        }
        var meta = pod.getMetadata();
        if (meta.getDeletionTimestamp() != null && meta.getDeletionGracePeriodSeconds() != null) {
            Instant deletion = OffsetDateTime.parse(meta.getDeletionTimestamp()).toInstant();
            return !now.isAfter(deletion.plusSeconds(meta.getDeletionGracePeriodSeconds()));
        }
        return true;
    }

    /** podComputeUsageHelper over a container's or the pod's requests and limits. */
    private static Map<String, Quantity> compute(Map<String, Quantity> requests, Map<String, Quantity> limits) {
        Map<String, Quantity> usage = new TreeMap<>(Map.of("pods", new Quantity("1")));
        for (String r : List.of("cpu", "memory", "ephemeral-storage")) {
            Quantity request = requests.get(r);
            if (request != null) {
                usage.put(r, request);
                usage.put("requests." + r, request);
            }
            Quantity limit = limits.get(r);
            if (limit != null) {
                usage.put("limits." + r, limit);
            }
        }
        requests.forEach((name, q) -> {
            if (name.startsWith("hugepages-")) {
                usage.put(name, q);
                usage.put("requests." + name, q);
            } else if (name.contains("/") && !name.contains("kubernetes.io/") && !name.startsWith("requests.")) {
                usage.put("requests." + name, q); // an extended resource
            }
        });
        return usage;
    }

    /** The pod's requests without its overhead, as the LimitRanger admission's podRequests measures a pod. */
    public static Map<String, Quantity> podRequests(PodSpec spec) {
        return sum(spec, PodEvaluator::requests, null, false);
    }

    /** The pod's limits without its overhead, as the LimitRanger admission's podLimits. */
    public static Map<String, Quantity> podLimits(PodSpec spec) {
        return sum(spec, PodEvaluator::limits, null, false);
    }

    private static Map<String, Quantity> sum(PodSpec spec, Function<Container, Map<String, Quantity>> of) {
        return sum(spec, of, spec.getOverhead(), false);
    }

    /**
     * resourcehelper.PodRequests/PodLimits: the app containers and sidecars (restartable init
     * containers) summed, at least the largest regular init container plus the sidecars started before
     * it, plus the overhead (for limits only where a limit is set).
     */
    private static Map<String, Quantity> sum(PodSpec spec, Function<Container, Map<String, Quantity>> of,
                                             Map<String, Quantity> overhead, boolean overheadOnlyWhereSet) {
        Map<String, Quantity> total = new TreeMap<>();
        for (Container c : spec.getContainers() == null ? List.<Container>of() : spec.getContainers()) {
            total = ResourceLists.add(total, of.apply(c));
        }
        Map<String, Quantity> sidecars = new TreeMap<>();
        Map<String, Quantity> initMax = new TreeMap<>();
        for (Container c : spec.getInitContainers() == null ? List.<Container>of() : spec.getInitContainers()) {
            Map<String, Quantity> own = of.apply(c);
            if ("Always".equals(c.getRestartPolicy())) {
                total = ResourceLists.add(total, own);
                sidecars = ResourceLists.add(sidecars, own);
                own = sidecars;
            } else {
                own = ResourceLists.add(own, sidecars);
            }
            initMax = max(initMax, own);
        }
        total = max(total, initMax);
        if (overhead != null) {
            for (var e : overhead.entrySet()) {
                if (!overheadOnlyWhereSet || total.containsKey(e.getKey())) {
                    total = ResourceLists.add(total, Map.of(e.getKey(), e.getValue()));
                }
            }
        }
        return total;
    }

    private static Map<String, Quantity> max(Map<String, Quantity> a, Map<String, Quantity> b) {
        Map<String, Quantity> out = new TreeMap<>(a);
        b.forEach((name, q) -> out.merge(name, q, (x, y) -> Quantities.compare(x, y) >= 0 ? x : y));
        return out;
    }

    private static Map<String, Quantity> requests(Container c) {
        return c.getResources() == null || c.getResources().getRequests() == null ? Map.of() : c.getResources().getRequests();
    }

    private static Map<String, Quantity> limits(Container c) {
        return c.getResources() == null || c.getResources().getLimits() == null ? Map.of() : c.getResources().getLimits();
    }

    /** "must specify limits.cpu for: c1; requests.memory for: c1,c2": containers leaving out what the quota tracks. */
    @Override
    public Optional<String> constraints(Set<String> required, HasMetadata object) {
        Pod pod = (Pod) object;
        Set<String> wanted = new TreeSet<>(required);
        wanted.retainAll(MUST_SPECIFY);
        Map<String, Set<String>> missing = new TreeMap<>();
        List<Container> all = new java.util.ArrayList<>(pod.getSpec().getContainers() == null ? List.of() : pod.getSpec().getContainers());
        all.addAll(pod.getSpec().getInitContainers() == null ? List.of() : pod.getSpec().getInitContainers());
        for (Container c : all) {
            Set<String> has = compute(requests(c), limits(c)).keySet();
            for (String r : wanted) {
                if (!has.contains(r)) {
                    missing.computeIfAbsent(r, k -> new TreeSet<>()).add(c.getName());
                }
            }
        }
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("must specify " + String.join("; ", missing.entrySet().stream()
                .map(e -> e.getKey() + " for: " + String.join(",", e.getValue())).toList()));
    }

    @Override
    public boolean matchesScope(ScopedResourceSelectorRequirement requirement, HasMetadata object) {
        Pod pod = (Pod) object;
        PodSpec spec = pod.getSpec();
        return switch (requirement.getScopeName()) {
            case "Terminating" -> terminating(spec);
            case "NotTerminating" -> !terminating(spec);
            case "BestEffort" -> bestEffort(spec);
            case "NotBestEffort" -> !bestEffort(spec);
            case "PriorityClass" -> priorityClassMatches(requirement, spec.getPriorityClassName());
            case "CrossNamespacePodAffinity" -> crossNamespaceAffinity(spec);
            default -> false;
        };
    }

    private static boolean terminating(PodSpec spec) {
        return spec.getActiveDeadlineSeconds() != null && spec.getActiveDeadlineSeconds() >= 0;
    }

    /** qos BestEffort: no container requests or limits any cpu or memory. */
    private static boolean bestEffort(PodSpec spec) {
        List<Container> all = new java.util.ArrayList<>(spec.getContainers() == null ? List.of() : spec.getContainers());
        all.addAll(spec.getInitContainers() == null ? List.of() : spec.getInitContainers());
        for (Container c : all) {
            for (Map<String, Quantity> list : List.of(requests(c), limits(c))) {
                for (String r : List.of("cpu", "memory")) {
                    if (list.get(r) != null && Quantities.value(list.get(r)).signum() != 0) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** The requirement as a label selector over {PriorityClass: the pod's class} (an empty set when it has none). */
    private static boolean priorityClassMatches(ScopedResourceSelectorRequirement requirement, String priorityClass) {
        boolean has = priorityClass != null && !priorityClass.isEmpty();
        List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
        return switch (requirement.getOperator()) {
            case "Exists" -> has;
            case "DoesNotExist" -> !has;
            case "In" -> has && values.contains(priorityClass);
            case "NotIn" -> !has || !values.contains(priorityClass);
            default -> false;
        };
    }

    private static boolean crossNamespaceAffinity(PodSpec spec) {
        var affinity = spec.getAffinity();
        if (affinity == null) {
            return false;
        }
        java.util.List<io.fabric8.kubernetes.api.model.PodAffinityTerm> terms = new java.util.ArrayList<>();
        if (affinity.getPodAffinity() != null) {
            terms.addAll(nullSafe(affinity.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()));
            nullSafe(affinity.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution()).forEach(w -> terms.add(w.getPodAffinityTerm()));
        }
        if (affinity.getPodAntiAffinity() != null) {
            terms.addAll(nullSafe(affinity.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()));
            nullSafe(affinity.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
                    .forEach(w -> terms.add(w.getPodAffinityTerm()));
        }
        return terms.stream().anyMatch(t -> t != null && (t.getNamespaces() != null && !t.getNamespaces().isEmpty()
                || t.getNamespaceSelector() != null));
    }

    private static <X> List<X> nullSafe(List<X> list) {
        return list == null ? List.of() : list;
    }
}
