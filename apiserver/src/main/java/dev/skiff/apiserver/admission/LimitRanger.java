package dev.skiff.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.quantity.Quantities;
import dev.skiff.api.quota.PodEvaluator;
import dev.skiff.registry.generic.StoreHooks;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.LimitRangeItem;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Upstream's LimitRanger admission plugin (plugin/pkg/admission/limitranger) over the namespace's
 * LimitRanges. Mutating, on pod creation: containers and init containers get the Container items'
 * {@code default} as limits and {@code defaultRequest} as requests they lack, recorded in the
 * annotation {@code kubernetes.io/limit-ranger} ("LimitRanger plugin set: cpu, memory request for
 * container c; cpu limit for init container i"). Validating, on the decoded object: a created pod's
 * containers against the Container items' min, max and maxLimitRequestRatio, the pod's summed
 * requests and limits against the Pod items', a created or updated claim's storage requests against
 * the PersistentVolumeClaim items' min and max; the first LimitRange with violations refuses with
 * 403 and upstream's messages ("minimum cpu usage per Container is 100m, but request is 50m"), several
 * as one bracketed list. Pod updates are not checked (containers' resources are immutable), nor are
 * subresources or objects being deleted.
 */
public final class LimitRanger implements AdmissionPlugin {
    public static final String NAME = "LimitRanger";
    static final String ANNOTATION = "kubernetes.io/limit-ranger";
    private static final String CONTAINER = "Container";
    private static final String POD = "Pod";
    private static final String CLAIM = "PersistentVolumeClaim";

    private final Function<String, List<LimitRange>> limitRanges;

    /** {@code limitRanges}: the LimitRanges of a namespace. */
    public LimitRanger(Function<String, List<LimitRange>> limitRanges) {
        this.limitRanges = limitRanges;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean handles(AdmissionAttributes attributes) {
        return PodBodies.podCreate(attributes);
    }

    @Override
    public AdmissionAttributes admit(AdmissionAttributes attributes) {
        List<LimitRange> ranges = limitRanges.apply(attributes.request().namespace());
        if (ranges.stream().allMatch(r -> defaults(r, true).isEmpty() && defaults(r, false).isEmpty())) {
            return attributes;
        }
        ObjectNode pod = PodBodies.tree(attributes);
        if (pod == null || !(pod.get("spec") instanceof ObjectNode spec)) {
            return attributes;
        }
        // upstream's pod defaulting, which runs before admission there: a limit without a request is the request too
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode c : spec.path(list)) {
                if (c instanceof ObjectNode container && container.path("resources").path("limits") instanceof ObjectNode limits) {
                    ObjectNode requests = object(object(container, "resources"), "requests");
                    limits.properties().forEach(e -> {
                        if (!requests.has(e.getKey())) {
                            requests.set(e.getKey(), e.getValue());
                        }
                    });
                }
            }
        }
        for (LimitRange range : ranges) {
            Map<String, Quantity> limits = defaults(range, true);
            Map<String, Quantity> requests = defaults(range, false);
            var set = new ArrayList<String>();
            merge(spec.path("containers"), limits, requests, "container", set);
            merge(spec.path("initContainers"), limits, requests, "init container", set);
            if (!set.isEmpty()) {
                object(object(pod, "metadata"), "annotations").put(ANNOTATION, "LimitRanger plugin set: " + String.join("; ", set));
            }
        }
        return PodBodies.withTree(attributes, pod);
    }

    /** The Container items' default limits ({@code limits}) or default requests, later items winning. */
    private static Map<String, Quantity> defaults(LimitRange range, boolean limits) {
        Map<String, Quantity> out = new LinkedHashMap<>();
        for (LimitRangeItem item : items(range)) {
            if (CONTAINER.equals(item.getType())) {
                out.putAll(orEmpty(limits ? item.getDefault() : item.getDefaultRequest()));
            }
        }
        return out;
    }

    /** mergeContainerResources: what each container lacks from the defaults, noted as "cpu, memory request for container c". */
    private static void merge(JsonNode containers, Map<String, Quantity> limits, Map<String, Quantity> requests, String kind, List<String> set) {
        for (JsonNode c : containers) {
            if (!(c instanceof ObjectNode container)) {
                continue;
            }
            ObjectNode resources = object(container, "resources");
            var setRequests = fill(object(resources, "requests"), requests);
            var setLimits = fill(object(resources, "limits"), limits);
            String name = container.path("name").asText("");
            if (!setRequests.isEmpty()) {
                set.add(String.join(", ", setRequests) + " request for " + kind + " " + name);
            }
            if (!setLimits.isEmpty()) {
                set.add(String.join(", ", setLimits) + " limit for " + kind + " " + name);
            }
        }
    }

    private static TreeSet<String> fill(ObjectNode list, Map<String, Quantity> defaults) {
        var set = new TreeSet<String>();
        defaults.forEach((resource, quantity) -> {
            if (!list.has(resource)) {
                list.put(resource, Quantities.canonical(quantity));
                set.add(resource);
            }
        });
        return set;
    }

    private static ObjectNode object(ObjectNode parent, String field) {
        return parent.get(field) instanceof ObjectNode existing ? existing : parent.putObject(field);
    }

    @Override
    public StoreHooks.Transaction validateObject(ObjectAttributes a) {
        var info = a.request();
        if (!info.subresource().isEmpty() || !info.apiGroup().isEmpty()
                || (a.old() != null && a.old().getMetadata().getDeletionTimestamp() != null)) {
            return StoreHooks.Transaction.NONE;
        }
        Function<LimitRange, List<String>> check;
        if (a.object() instanceof Pod pod && a.create()) {
            check = range -> validatePod(range, pod);
        } else if (a.object() instanceof PersistentVolumeClaim claim) {
            check = range -> validateClaim(range, claim);
        } else {
            return StoreHooks.Transaction.NONE;
        }
        for (LimitRange range : limitRanges.apply(a.object().getMetadata().getNamespace())) {
            List<String> errors = check.apply(range);
            if (!errors.isEmpty()) {
                throw a.forbidden(aggregate(errors));
            }
        }
        return StoreHooks.Transaction.NONE;
    }

    /** PodValidateLimitFunc: every container and init container against the Container items, the pod's sums against the Pod items. */
    static List<String> validatePod(LimitRange range, Pod pod) {
        var errors = new ArrayList<String>();
        var spec = pod.getSpec();
        for (LimitRangeItem item : items(range)) {
            if (CONTAINER.equals(item.getType())) {
                List<Container> containers = new ArrayList<>(orEmpty(spec.getContainers()));
                containers.addAll(orEmpty(spec.getInitContainers()));
                for (Container c : containers) {
                    var resources = c.getResources();
                    errors.addAll(constraints(item, resources == null ? null : resources.getRequests(),
                            resources == null ? null : resources.getLimits()));
                }
            } else if (POD.equals(item.getType())) {
                errors.addAll(constraints(item, PodEvaluator.podRequests(spec), PodEvaluator.podLimits(spec)));
            }
        }
        return errors;
    }

    /** PersistentVolumeClaimValidateLimitFunc: the claim's requests (its limits are not user input here) against min and max. */
    static List<String> validateClaim(LimitRange range, PersistentVolumeClaim claim) {
        var errors = new ArrayList<String>();
        Map<String, Quantity> requests = claim.getSpec() == null || claim.getSpec().getResources() == null
                ? Map.of() : orEmpty(claim.getSpec().getResources().getRequests());
        for (LimitRangeItem item : items(range)) {
            if (!CLAIM.equals(item.getType())) {
                continue;
            }
            orEmpty(item.getMin()).forEach((resource, min) -> bound(true, CLAIM, resource, min, requests, Map.of(), errors));
            orEmpty(item.getMax()).forEach((resource, max) -> bound(false, CLAIM, resource, max, requests, Map.of(), errors));
        }
        return errors;
    }

    private static List<String> constraints(LimitRangeItem item, Map<String, Quantity> requestsOrNull, Map<String, Quantity> limitsOrNull) {
        var errors = new ArrayList<String>();
        String type = item.getType();
        Map<String, Quantity> requests = orEmpty(requestsOrNull);
        Map<String, Quantity> limits = orEmpty(limitsOrNull);
        orEmpty(item.getMin()).forEach((resource, min) -> bound(true, type, resource, min, requests, limits, errors));
        orEmpty(item.getMax()).forEach((resource, max) -> {
            Quantity request = requests.get(resource);
            Quantity limit = limits.get(resource);
            String prefix = "maximum " + resource + " usage per " + type + " is " + Quantities.canonical(max);
            if (limit == null) {
                errors.add(prefix + ".  No limit is specified");
            } else if (Quantities.compare(limit, max) > 0) {
                errors.add(prefix + ", but limit is " + Quantities.canonical(limit));
            } else if (request != null && Quantities.compare(request, max) > 0) {
                errors.add(prefix + ", but request is " + Quantities.canonical(request));
            }
        });
        orEmpty(item.getMaxLimitRequestRatio()).forEach((resource, ratio) -> {
            long request = requests.containsKey(resource) ? milli(requests.get(resource)) : 0;
            long limit = limits.containsKey(resource) ? milli(limits.get(resource)) : 0;
            String prefix = resource + " max limit to request ratio per " + type + " is " + Quantities.canonical(ratio);
            if (request == 0) {
                errors.add(prefix + ", but no request is specified or request is 0");
            } else if (limit == 0) {
                errors.add(prefix + ", but no limit is specified or limit is 0");
            } else {
                double observed = (double) limit / (double) request;
                if (observed * 1000 > milli(ratio)) {
                    errors.add(prefix + ", but provided ratio is " + String.format(Locale.ROOT, "%f", observed));
                }
            }
        });
        return errors;
    }

    /**
     * minConstraint ({@code minimum}) and maxRequestConstraint: the request must be stated and within
     * the bound, and for a minimum a stated limit too.
     */
    private static void bound(boolean minimum, String type, String resource, Quantity bound, Map<String, Quantity> requests,
                              Map<String, Quantity> limits, List<String> errors) {
        Quantity request = requests.get(resource);
        Quantity limit = limits.get(resource);
        int sign = minimum ? 1 : -1;
        String prefix = (minimum ? "minimum " : "maximum ") + resource + " usage per " + type + " is " + Quantities.canonical(bound);
        if (request == null) {
            errors.add(prefix + ".  No request is specified");
        } else if (sign * Quantities.compare(bound, request) > 0) {
            errors.add(prefix + ", but request is " + Quantities.canonical(request));
        } else if (limit != null && sign * Quantities.compare(bound, limit) > 0) {
            errors.add(prefix + ", but limit is " + Quantities.canonical(limit));
        }
    }

    /** Quantity.MilliValue: thousandths, rounded up. */
    private static long milli(Quantity q) {
        return Quantities.value(q).movePointRight(3).setScale(0, RoundingMode.CEILING).min(BigDecimal.valueOf(Long.MAX_VALUE)).longValue();
    }

    /** utilerrors.NewAggregate(...).Error(): one message as it is, several (each once) bracketed and comma-separated. */
    static String aggregate(List<String> errors) {
        var distinct = new LinkedHashSet<>(errors);
        return distinct.size() == 1 ? distinct.getFirst() : "[" + String.join(", ", distinct) + "]";
    }

    private static List<LimitRangeItem> items(LimitRange range) {
        return range.getSpec() == null || range.getSpec().getLimits() == null ? List.of() : range.getSpec().getLimits();
    }

    private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }

    private static <X> List<X> orEmpty(List<X> list) {
        return list == null ? List.of() : list;
    }
}
