package dev.skiff.registry.core.service;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.core.service.allocator.AllocationResult;
import dev.skiff.registry.core.service.ipallocator.IpAllocator;
import dev.skiff.registry.core.service.ipallocator.ServiceCidr;
import dev.skiff.registry.core.service.portallocator.PortAllocator;
import dev.skiff.registry.core.service.portallocator.PortRange;
import dev.skiff.registry.generic.StoreHooks;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster IPs and node ports of services, as upstream's service REST storage allocators
 * (pkg/registry/core/service/storage/alloc.go): the services registry's {@link StoreHooks}. What is
 * taken lives in two in-memory bitmaps, rebuilt from the stored services when the server starts and
 * kept in step by these hooks, which every service write goes through; the bitmaps' locks make two
 * concurrent creates pick different values. A failed write gives back what its begin took; what an
 * update or a delete frees is given back only once the write happened.
 */
public final class ServiceAllocations implements StoreHooks<Service> {
    private static final Logger log = LoggerFactory.getLogger(ServiceAllocations.class);
    private final IpAllocator ips;
    private final PortAllocator nodePorts;

    public ServiceAllocations(ServiceCidr cidr, PortRange nodePortRange, RandomGenerator random) {
        this.ips = new IpAllocator(cidr, random);
        this.nodePorts = new PortAllocator(nodePortRange, random);
    }

    /** Marks what the stored services hold; run once at start, before the server takes writes. */
    public void restore(List<Service> stored) {
        for (Service service : stored) {
            String key = service.getMetadata().getNamespace() + "/" + service.getMetadata().getName();
            String ip = clusterIp(service.getSpec());
            if (ip != null) {
                var result = ips.allocate(ip);
                if (result != AllocationResult.ALLOCATED) {
                    log.warn("stored service holds a cluster IP it cannot own service={} clusterIP={} result={}; left as is", key, ip, result);
                }
            }
            for (int port : heldNodePorts(service.getSpec())) {
                var result = nodePorts.allocate(port);
                if (result != AllocationResult.ALLOCATED) {
                    log.warn("stored service holds a node port it cannot own service={} nodePort={} result={}; left as is", key, port, result);
                }
            }
        }
    }

    public IpAllocator ips() {
        return ips;
    }

    public PortAllocator nodePorts() {
        return nodePorts;
    }

    @Override
    public Transaction beginCreate(Service service, boolean dryRun) {
        var txn = new Reservation(dryRun);
        try {
            ServiceSpec spec = service.getSpec();
            if (needsClusterIp(spec)) {
                allocateClusterIp(service, txn);
            }
            allocateNodePorts(service, Set.of(), txn);
        } catch (RuntimeException e) {
            txn.revert();
            throw e;
        }
        return txn;
    }

    @Override
    public Transaction beginUpdate(Service service, Service old, boolean dryRun) {
        var txn = new Reservation(dryRun);
        try {
            ServiceSpec spec = service.getSpec();
            String oldIp = clusterIp(old.getSpec());
            String newIp = clusterIp(spec);
            if (needsClusterIp(spec) && oldIp == null) {
                allocateClusterIp(service, txn); // e.g. ExternalName -> ClusterIP
            } else if (oldIp != null && !oldIp.equals(newIp)) {
                txn.laterReleaseIp(oldIp); // e.g. ClusterIP -> ExternalName
            }
            allocateNodePorts(service, heldNodePorts(old.getSpec()), txn);
            Set<Integer> kept = heldNodePorts(spec);
            for (int port : heldNodePorts(old.getSpec())) {
                if (!kept.contains(port)) {
                    txn.laterReleasePort(port);
                }
            }
        } catch (RuntimeException e) {
            txn.revert();
            throw e;
        }
        return txn;
    }

    @Override
    public void afterDelete(Service removed, boolean dryRun) {
        if (dryRun) {
            return;
        }
        String ip = clusterIp(removed.getSpec());
        if (ip != null) {
            ips.release(ip);
        }
        heldNodePorts(removed.getSpec()).forEach(nodePorts::release);
    }

    private void allocateClusterIp(Service service, Reservation txn) {
        ServiceSpec spec = service.getSpec();
        String requested = spec.getClusterIP();
        String ip;
        if (isEmpty(requested)) {
            ip = ips.allocateNext().orElseThrow(() -> ApiException.internal("failed to allocate a serviceIP: range is full"));
        } else {
            ip = requested;
            String problem = switch (ips.allocate(ip)) {
                case ALLOCATED -> null;
                case NOT_IN_RANGE -> "provided IP is not in the valid range. The range of valid IPs is " + ips.cidr();
                case ALREADY_ALLOCATED -> "provided IP is already allocated";
            };
            if (problem != null) {
                throw invalid(service, Cause.invalid("spec.clusterIPs[0]", ip, problem));
            }
        }
        txn.ips.add(ip);
        spec.setClusterIP(ip);
        spec.setClusterIPs(new ArrayList<>(List.of(ip)));
    }

    /**
     * Node ports for a NodePort service, or a LoadBalancer one that allocates them: requested ones
     * not held before are taken, missing ones handed out (service ports with the same number share
     * one, as upstream, so TCP and UDP 53 get one node port); then the health check node port of a
     * LoadBalancer with externalTrafficPolicy Local.
     */
    private void allocateNodePorts(Service service, Set<Integer> heldBefore, Reservation txn) {
        ServiceSpec spec = service.getSpec();
        boolean allocate = "NodePort".equals(spec.getType())
                || "LoadBalancer".equals(spec.getType()) && !Boolean.FALSE.equals(spec.getAllocateLoadBalancerNodePorts());
        boolean external = "NodePort".equals(spec.getType()) || "LoadBalancer".equals(spec.getType());
        if (external) {
            Map<Integer, Integer> byServicePort = new HashMap<>();
            List<ServicePort> ports = spec.getPorts() == null ? List.of() : spec.getPorts();
            for (int i = 0; i < ports.size(); i++) {
                ServicePort port = ports.get(i);
                Integer requested = port.getNodePort();
                if (requested == null || requested == 0) {
                    if (!allocate) {
                        continue;
                    }
                    Integer shared = byServicePort.get(port.getPort());
                    if (shared == null) {
                        shared = nodePorts.allocateNext().orElseThrow(() -> ApiException.internal("failed to allocate a nodePort: range is full"));
                        txn.ports.add(shared);
                    }
                    port.setNodePort(shared);
                } else {
                    takePort(service, requested, "spec.ports[" + i + "].nodePort", heldBefore, txn);
                }
                byServicePort.putIfAbsent(port.getPort(), port.getNodePort());
            }
        }
        if ("LoadBalancer".equals(spec.getType()) && "Local".equals(spec.getExternalTrafficPolicy())) {
            Integer requested = spec.getHealthCheckNodePort();
            if (requested == null || requested == 0) {
                int port = nodePorts.allocateNext().orElseThrow(() -> ApiException.internal("failed to allocate a HealthCheck NodePort: range is full"));
                txn.ports.add(port);
                spec.setHealthCheckNodePort(port);
            } else {
                takePort(service, requested, "spec.healthCheckNodePort", heldBefore, txn);
            }
        }
    }

    private void takePort(Service service, int port, String field, Set<Integer> heldBefore, Reservation txn) {
        if (heldBefore.contains(port) || txn.ports.contains(port)) {
            return;
        }
        String problem = switch (nodePorts.allocate(port)) {
            case ALLOCATED -> null;
            case NOT_IN_RANGE -> "provided port is not in the valid range. The range of valid ports is " + nodePorts.range();
            case ALREADY_ALLOCATED -> "provided port is already allocated";
        };
        if (problem != null) {
            throw invalid(service, Cause.invalid(field, port, problem));
        }
        txn.ports.add(port);
    }

    /** What one begin took (given back on revert, and after a dry run) and what the old object held that the new one no longer does. */
    private final class Reservation implements Transaction {
        private final boolean dryRun;
        private final List<String> ips = new ArrayList<>();
        private final Set<Integer> ports = new LinkedHashSet<>();
        private final List<String> releaseIps = new ArrayList<>();
        private final List<Integer> releasePorts = new ArrayList<>();

        Reservation(boolean dryRun) {
            this.dryRun = dryRun;
        }

        void laterReleaseIp(String ip) {
            releaseIps.add(ip);
        }

        void laterReleasePort(int port) {
            releasePorts.add(port);
        }

        @Override
        public void commit() {
            if (dryRun) {
                revert(); // a dry run only checked that it could take them
                return;
            }
            releaseIps.forEach(ServiceAllocations.this.ips::release);
            releasePorts.forEach(nodePorts::release);
        }

        @Override
        public void revert() {
            ips.forEach(ServiceAllocations.this.ips::release);
            ports.forEach(nodePorts::release);
            ips.clear();
            ports.clear();
        }
    }

    /** Headless and ExternalName services get no cluster IP. */
    static boolean needsClusterIp(ServiceSpec spec) {
        return !"ExternalName".equals(spec.getType()) && !"None".equals(spec.getClusterIP());
    }

    /** The cluster IP a stored spec holds, null for none (headless, ExternalName, unset). */
    private static String clusterIp(ServiceSpec spec) {
        if (spec == null || !needsClusterIp(spec) || isEmpty(spec.getClusterIP())) {
            return null;
        }
        return spec.getClusterIP();
    }

    /** The node ports a spec holds: its ports' and its health check node port. */
    static Set<Integer> heldNodePorts(ServiceSpec spec) {
        Set<Integer> held = new LinkedHashSet<>();
        if (spec == null) {
            return held;
        }
        for (ServicePort port : spec.getPorts() == null ? List.<ServicePort>of() : spec.getPorts()) {
            if (port.getNodePort() != null && port.getNodePort() != 0) {
                held.add(port.getNodePort());
            }
        }
        if (spec.getHealthCheckNodePort() != null && spec.getHealthCheckNodePort() != 0) {
            held.add(spec.getHealthCheckNodePort());
        }
        return held;
    }

    private static ApiException invalid(Service service, Cause cause) {
        return ApiException.invalid("", "Service", service.getMetadata().getName() == null ? "" : service.getMetadata().getName(), List.of(cause));
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }
}
