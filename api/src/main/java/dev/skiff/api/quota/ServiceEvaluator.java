package dev.skiff.api.quota;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Upstream's service evaluator: each service counts one against {@code services} and
 * {@code count/services}; a NodePort service one node port per port, a LoadBalancer service one load
 * balancer and its node ports (only the explicit ones when allocateLoadBalancerNodePorts is false).
 * Creates and updates are charged (a type change can take node ports).
 */
public final class ServiceEvaluator implements Evaluator {
    private static final String COUNT = Evaluator.objectCountName("", "services");
    private static final Set<String> RESOURCES = Set.of(COUNT, "services", "services.nodeports", "services.loadbalancers");

    @Override
    public String resource() {
        return "services";
    }

    @Override
    public Set<String> matchingResources(Collection<String> names) {
        Set<String> matching = new TreeSet<>(names);
        matching.retainAll(RESOURCES);
        return matching;
    }

    @Override
    public Map<String, Quantity> usage(HasMetadata object, Instant now) {
        Service service = (Service) object;
        Map<String, Quantity> usage = new TreeMap<>(ResourceLists.of(List.of(COUNT, "services"), 1));
        List<ServicePort> ports = service.getSpec() == null || service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
        String type = service.getSpec() == null ? null : service.getSpec().getType();
        if ("NodePort".equals(type)) {
            usage.put("services.nodeports", new Quantity(Integer.toString(ports.size())));
        } else if ("LoadBalancer".equals(type)) {
            long nodePorts = Boolean.FALSE.equals(service.getSpec().getAllocateLoadBalancerNodePorts())
                    ? ports.stream().filter(p -> p.getNodePort() != null && p.getNodePort() != 0).count() : ports.size();
            usage.put("services.nodeports", new Quantity(Long.toString(nodePorts)));
            usage.put("services.loadbalancers", new Quantity("1"));
        }
        return usage;
    }
}
