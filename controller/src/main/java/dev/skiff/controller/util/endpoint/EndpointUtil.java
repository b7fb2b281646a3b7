package dev.skiff.controller.util.endpoint;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Indexer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What the Endpoints and EndpointSlice controllers share (upstream's pkg/controller/util/endpoint and
 * podutil.FindPort): which pods a service selects, whether a pod belongs in its endpoints, and the
 * port a service port targets on a pod.
 */
public final class EndpointUtil {
    private EndpointUtil() {
    }

    /** A service whose endpoints a controller manages: one with a selector (without one, its endpoints are the user's). */
    public static boolean managed(Service service) {
        return service.getSpec() != null && service.getSpec().getSelector() != null && !service.getSpec().getSelector().isEmpty();
    }

    public static boolean selects(Service service, Pod pod) {
        if (!managed(service) || !Objects.equals(service.getMetadata().getNamespace(), pod.getMetadata().getNamespace())) {
            return false;
        }
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        return service.getSpec().getSelector().entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /** The keys of the services in the pods' namespace that select any of {@code pods} (old and new versions of one pod). */
    public static Set<String> serviceKeysSelecting(Indexer<Service> services, Pod... pods) {
        Set<String> keys = new LinkedHashSet<>();
        for (Pod pod : pods) {
            if (pod == null) {
                continue;
            }
            for (Service service : services.byIndex(Cache.NAMESPACE_INDEX, pod.getMetadata().getNamespace())) {
                if (selects(service, pod)) {
                    keys.add(Cache.metaNamespaceKeyFunc(service));
                }
            }
        }
        return keys;
    }

    /** The pods {@code service} selects, from an indexer with the namespace index. */
    public static List<Pod> selectedPods(Indexer<Pod> pods, Service service) {
        return pods.byIndex(Cache.NAMESPACE_INDEX, service.getMetadata().getNamespace()).stream().filter(p -> selects(service, p)).toList();
    }

    /** Upstream's ShouldPodBeInEndpoints: an IP, not terminal, and not being deleted unless terminating pods are included. */
    public static boolean shouldPodBeInEndpoints(Pod pod, boolean includeTerminating) {
        var status = pod.getStatus();
        if (status == null || status.getPodIP() == null || status.getPodIP().isEmpty()) {
            return false;
        }
        if ("Succeeded".equals(status.getPhase()) || "Failed".equals(status.getPhase())) {
            return false;
        }
        return includeTerminating || pod.getMetadata().getDeletionTimestamp() == null;
    }

    public static boolean isReady(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    public static boolean isTerminating(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() != null;
    }

    /** Upstream's FindPort: a numeric targetPort as is (the port when unset), a named one by a container port of that name and protocol. */
    public static OptionalInt findPort(Pod pod, ServicePort servicePort) {
        IntOrString target = servicePort.getTargetPort();
        if (target == null || (target.getIntVal() == null && (target.getStrVal() == null || target.getStrVal().isEmpty()))) {
            return OptionalInt.of(servicePort.getPort());
        }
        if (target.getIntVal() != null) {
            return OptionalInt.of(target.getIntVal());
        }
        String protocol = servicePort.getProtocol() == null ? "TCP" : servicePort.getProtocol();
        for (Container c : pod.getSpec().getContainers()) {
            for (ContainerPort p : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                String pp = p.getProtocol() == null ? "TCP" : p.getProtocol();
                if (target.getStrVal().equals(p.getName()) && protocol.equals(pp)) {
                    return OptionalInt.of(p.getContainerPort());
                }
            }
        }
        return OptionalInt.empty();
    }

    /** Whether the service is headless (clusterIP None). */
    public static boolean headless(Service service) {
        return "None".equals(service.getSpec().getClusterIP());
    }

    /** Upstream's hostname rule: a pod's spec.hostname is published when its subdomain is the service's name. */
    public static String hostname(Pod pod, Service service) {
        String hostname = pod.getSpec().getHostname();
        if (hostname != null && !hostname.isEmpty() && service.getMetadata().getName().equals(pod.getSpec().getSubdomain())) {
            return hostname;
        }
        return null;
    }
}
