package dev.skiff.api.selector;

import dev.skiff.api.errors.ApiException;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which fields a resource's field selectors may name, and how to read them off an object: the
 * pair upstream keeps as a field label conversion func (pkg/apis/.../conversion.go) and a
 * registry's GetAttrs/ToSelectableFields. Objects are the fabric8 types; values are rendered as
 * upstream renders them (booleans and counts as decimal strings, absent as "").
 *
 * @param supported the field names a client may use
 * @param aliases   a client-facing name to the name read from the object (legacy spellings, events.k8s.io names)
 * @param reader    the object's selectable fields, by the names after aliasing
 */
public record SelectableFields(Set<String> supported, Map<String, String> aliases,
                               Function<HasMetadata, Map<String, String>> reader) {
    public SelectableFields {
        supported = Set.copyOf(supported);
        aliases = Map.copyOf(aliases);
    }

    /** The field name to evaluate, or a 400 "field label not supported: f". */
    public String convert(String field) {
        if (!supported.contains(field)) {
            throw ApiException.badRequest("field label not supported: " + field);
        }
        return aliases.getOrDefault(field, field);
    }

    /** The object's selectable fields, to pass to {@link FieldSelector#matches}. */
    public Map<String, String> of(HasMetadata object) {
        return reader.apply(object);
    }

    /** What upstream offers when a kind registers no conversion: metadata.name and metadata.namespace. */
    public static SelectableFields metadataOnly(boolean namespaced) {
        return new SelectableFields(Set.of("metadata.name", "metadata.namespace"), Map.of(), o -> meta(o, namespaced));
    }

    /** The fields for a built-in resource, by API group ("" for core) and plural resource name. */
    public static SelectableFields forResource(String group, String resource, boolean namespaced) {
        return switch (group + "/" + resource) {
            case "/pods" -> pods();
            case "/nodes" -> new SelectableFields(Set.of("metadata.name", "spec.unschedulable"), Map.of(), o -> {
                var m = meta(o, false);
                Node n = (Node) o;
                m.put("spec.unschedulable", String.valueOf(n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable())));
                return m;
            });
            case "/namespaces" -> new SelectableFields(Set.of("metadata.name", "status.phase"), Map.of(), o -> {
                var m = meta(o, false);
                Namespace ns = (Namespace) o;
                m.put("status.phase", ns.getStatus() == null ? "" : str(ns.getStatus().getPhase()));
                return m;
            });
            case "/replicationcontrollers" -> withMeta(Set.of("status.replicas"), o -> {
                ReplicationController rc = (ReplicationController) o;
                return Map.of("status.replicas", count(rc.getStatus() == null ? null : rc.getStatus().getReplicas()));
            });
            case "apps/replicasets" -> withMeta(Set.of("status.replicas"), o -> {
                ReplicaSet rs = (ReplicaSet) o;
                return Map.of("status.replicas", count(rs.getStatus() == null ? null : rs.getStatus().getReplicas()));
            });
            case "batch/jobs" -> withMeta(Set.of("status.successful"), o -> {
                Job job = (Job) o;
                return Map.of("status.successful", count(job.getStatus() == null ? null : job.getStatus().getSucceeded()));
            });
            case "/secrets" -> withMeta(Set.of("type"), o -> Map.of("type", str(((Secret) o).getType())));
            case "/services" -> withMeta(Set.of("spec.clusterIP", "spec.type"), o -> {
                Service s = (Service) o;
                return s.getSpec() == null ? Map.of() : Map.of("spec.clusterIP", str(s.getSpec().getClusterIP()),
                        "spec.type", str(s.getSpec().getType()));
            });
            case "/events" -> coreEvents();
            case "events.k8s.io/events" -> eventsV1();
            default -> metadataOnly(namespaced);
        };
    }

    private static SelectableFields pods() {
        Set<String> supported = Set.of("metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
                "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP",
                "status.podIPs", "status.nominatedNodeName", "spec.host");
        return new SelectableFields(supported, Map.of("spec.host", "spec.nodeName"), o -> {
            Pod pod = (Pod) o;
            var m = meta(o, true);
            var spec = pod.getSpec();
            m.put("spec.nodeName", spec == null ? "" : str(spec.getNodeName()));
            m.put("spec.restartPolicy", spec == null ? "" : str(spec.getRestartPolicy()));
            m.put("spec.schedulerName", spec == null ? "" : str(spec.getSchedulerName()));
            m.put("spec.serviceAccountName", spec == null ? "" : str(spec.getServiceAccountName()));
            m.put("spec.hostNetwork", String.valueOf(spec != null && Boolean.TRUE.equals(spec.getHostNetwork())));
            var status = pod.getStatus();
            m.put("status.phase", status == null ? "" : str(status.getPhase()));
            String podIp = "";
            if (status != null && status.getPodIPs() != null && !status.getPodIPs().isEmpty()) {
                podIp = str(status.getPodIPs().getFirst().getIp());
            } else if (status != null) {
                // fabric8 objects built by hand may carry only the singular field
                podIp = str(status.getPodIP());
            }
            m.put("status.podIP", podIp);
            m.put("status.nominatedNodeName", status == null ? "" : str(status.getNominatedNodeName()));
            return m;
        });
    }

    private static SelectableFields coreEvents() {
        Set<String> supported = Set.of("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type",
                "metadata.namespace", "metadata.name");
        return new SelectableFields(supported, Map.of(), o -> {
            Event e = (Event) o;
            var m = meta(o, true);
            putInvolved(m, e.getInvolvedObject());
            String source = e.getSource() == null ? "" : str(e.getSource().getComponent());
            if (source.isEmpty()) {
                source = str(e.getReportingComponent());
            }
            m.put("reason", str(e.getReason()));
            m.put("reportingComponent", str(e.getReportingComponent()));
            m.put("source", source);
            m.put("type", str(e.getType()));
            return m;
        });
    }

    /** events.k8s.io names map onto the core Event's fields, the storage both APIs share. */
    private static SelectableFields eventsV1() {
        Map<String, String> aliases = Map.ofEntries(
                Map.entry("regarding.kind", "involvedObject.kind"),
                Map.entry("regarding.namespace", "involvedObject.namespace"),
                Map.entry("regarding.name", "involvedObject.name"),
                Map.entry("regarding.uid", "involvedObject.uid"),
                Map.entry("regarding.apiVersion", "involvedObject.apiVersion"),
                Map.entry("regarding.resourceVersion", "involvedObject.resourceVersion"),
                Map.entry("regarding.fieldPath", "involvedObject.fieldPath"),
                Map.entry("reportingController", "reportingComponent"));
        Set<String> supported = new LinkedHashSet<>(aliases.keySet());
        supported.addAll(List.of("reason", "source", "type", "metadata.namespace", "metadata.name"));
        return new SelectableFields(supported, aliases, o -> {
            var e = (io.fabric8.kubernetes.api.model.events.v1.Event) o;
            var m = meta(o, true);
            putInvolved(m, e.getRegarding());
            String source = e.getDeprecatedSource() == null ? "" : str(e.getDeprecatedSource().getComponent());
            if (source.isEmpty()) {
                source = str(e.getReportingController());
            }
            m.put("reason", str(e.getReason()));
            m.put("reportingComponent", str(e.getReportingController()));
            m.put("source", source);
            m.put("type", str(e.getType()));
            return m;
        });
    }

    private static void putInvolved(Map<String, String> m, ObjectReference ref) {
        ObjectReference r = ref == null ? new ObjectReference() : ref;
        m.put("involvedObject.kind", str(r.getKind()));
        m.put("involvedObject.namespace", str(r.getNamespace()));
        m.put("involvedObject.name", str(r.getName()));
        m.put("involvedObject.uid", str(r.getUid()));
        m.put("involvedObject.apiVersion", str(r.getApiVersion()));
        m.put("involvedObject.resourceVersion", str(r.getResourceVersion()));
        m.put("involvedObject.fieldPath", str(r.getFieldPath()));
    }

    private static SelectableFields withMeta(Set<String> extra, Function<HasMetadata, Map<String, String>> fields) {
        Set<String> supported = new LinkedHashSet<>(List.of("metadata.name", "metadata.namespace"));
        supported.addAll(extra);
        return new SelectableFields(supported, Map.of(), o -> {
            var m = meta(o, true);
            m.putAll(fields.apply(o));
            return m;
        });
    }

    private static Map<String, String> meta(HasMetadata o, boolean namespaced) {
        Map<String, String> m = new HashMap<>();
        var meta = o.getMetadata();
        m.put("metadata.name", meta == null ? "" : str(meta.getName()));
        if (namespaced) {
            m.put("metadata.namespace", meta == null ? "" : str(meta.getNamespace()));
        }
        return m;
    }

    private static String count(Integer n) {
        return String.valueOf(n == null ? 0 : n);
    }

    private static String str(String s) {
        return s == null ? "" : s;
    }
}
