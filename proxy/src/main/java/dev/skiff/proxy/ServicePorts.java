package dev.skiff.proxy;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A Service and its EndpointSlices as the proxy sees them (upstream's servicechangetracker and
 * endpointschangetracker, without the change bookkeeping: the proxier compares whole values). IPv4 only:
 * this proxy programs iptables, not ip6tables.
 */
public final class ServicePorts {
    /** The label an EndpointSlice names its service with. */
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    /** upstream's default sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
    static final int DEFAULT_STICKY_SECONDS = 10800;
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private ServicePorts() {
    }

    /**
     * The ports the proxy programs for {@code service}: none for headless services (clusterIP None),
     * ExternalName services and services without an IPv4 cluster IP, as upstream skips them.
     *
     * @param slices the service's EndpointSlices (any address type; only IPv4 ones are used)
     * @param nodeName this node, to tell local endpoints
     */
    public static List<ServicePort> of(Service service, Collection<EndpointSlice> slices, String nodeName) {
        ServiceSpec spec = service.getSpec();
        if (spec == null || "ExternalName".equals(spec.getType()) || spec.getClusterIP() == null || !isIpv4(spec.getClusterIP())
                || spec.getPorts() == null) {
            return List.of();
        }
        boolean externalLocal = "Local".equals(spec.getExternalTrafficPolicy());
        boolean internalLocal = "Local".equals(spec.getInternalTrafficPolicy());
        boolean nodePorts = "NodePort".equals(spec.getType()) || "LoadBalancer".equals(spec.getType());
        int sticky = 0;
        if ("ClientIP".equals(spec.getSessionAffinity())) {
            var config = spec.getSessionAffinityConfig();
            Integer timeout = config == null || config.getClientIP() == null ? null : config.getClientIP().getTimeoutSeconds();
            sticky = timeout == null ? DEFAULT_STICKY_SECONDS : timeout;
        }
        List<String> externalIps = spec.getExternalIPs() == null ? List.of()
                : spec.getExternalIPs().stream().filter(ServicePorts::isIpv4).distinct().toList();
        List<String> lbIps = "LoadBalancer".equals(spec.getType()) && service.getStatus() != null && service.getStatus().getLoadBalancer() != null
                && service.getStatus().getLoadBalancer().getIngress() != null
                ? service.getStatus().getLoadBalancer().getIngress().stream().map(LoadBalancerIngress::getIp)
                        .filter(ip -> ip != null && isIpv4(ip)).distinct().toList()
                : List.of();
        String namespace = service.getMetadata().getNamespace();
        String name = service.getMetadata().getName();
        List<ServicePort> ports = new ArrayList<>();
        for (var p : spec.getPorts()) {
            String portName = p.getName() == null ? "" : p.getName();
            String protocol = p.getProtocol() == null ? "TCP" : p.getProtocol();
            int nodePort = nodePorts && p.getNodePort() != null ? p.getNodePort() : 0;
            ports.add(new ServicePort(new ServicePortName(namespace, name, portName), spec.getClusterIP(), p.getPort(),
                    protocol.toLowerCase(Locale.ROOT), nodePort, externalIps, lbIps, sticky, externalLocal && (nodePort != 0
                    || !externalIps.isEmpty() || !lbIps.isEmpty()), internalLocal, endpoints(slices, portName, protocol, nodeName)));
        }
        return List.copyOf(ports);
    }

    /**
     * The endpoints the slices give for the service port named {@code portName}: each address once
     * (the first slice listing it wins, as upstream merges slices), sorted by address.
     */
    static List<Endpoint> endpoints(Collection<EndpointSlice> slices, String portName, String protocol, String nodeName) {
        Map<String, Endpoint> byAddress = new LinkedHashMap<>();
        for (EndpointSlice slice : slices) {
            if (!"IPv4".equals(slice.getAddressType()) || slice.getPorts() == null || slice.getEndpoints() == null) {
                continue;
            }
            for (var port : slice.getPorts()) {
                String name = port.getName() == null ? "" : port.getName();
                String proto = port.getProtocol() == null ? "TCP" : port.getProtocol();
                if (!name.equals(portName) || !proto.equals(protocol) || port.getPort() == null) {
                    continue;
                }
                for (var endpoint : slice.getEndpoints()) {
                    if (endpoint.getAddresses() == null || endpoint.getAddresses().isEmpty()) {
                        continue;
                    }
                    EndpointConditions c = endpoint.getConditions();
                    boolean ready = c == null || c.getReady() == null || c.getReady();
                    boolean serving = c == null || c.getServing() == null ? ready : c.getServing();
                    boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
                    var e = new Endpoint(endpoint.getAddresses().get(0), port.getPort(), ready, serving, terminating,
                            Objects.equals(nodeName, endpoint.getNodeName()));
                    byAddress.putIfAbsent(e.address(), e);
                }
            }
        }
        return byAddress.values().stream().sorted(Comparator.comparing(Endpoint::address)).toList();
    }

    private static boolean isIpv4(String ip) {
        return IPV4.matcher(ip).matches();
    }
}
