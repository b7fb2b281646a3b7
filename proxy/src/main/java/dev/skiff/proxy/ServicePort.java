package dev.skiff.proxy;

import java.util.List;

/**
 * Everything the proxy programs for one service port (upstream's BaseServicePortInfo together with the
 * port's endpoints): a value, so a sync compares the previous and current value of a service to see
 * whether its chains must be rewritten.
 *
 * @param protocol lower case, as iptables takes it (tcp, udp, sctp)
 * @param nodePort 0 when the service has none
 * @param externalIps the spec's externalIPs followed by its load balancer ingress IPs
 * @param loadBalancerIps the status's load balancer ingress IPs
 * @param stickyMaxAgeSeconds 0 without sessionAffinity ClientIP, else its timeoutSeconds
 * @param endpoints sorted by address; every condition kept, {@link Topology} picks the usable ones
 */
public record ServicePort(ServicePortName name, String clusterIp, int port, String protocol, int nodePort,
                          List<String> externalIps, List<String> loadBalancerIps, int stickyMaxAgeSeconds,
                          boolean externalPolicyLocal, boolean internalPolicyLocal, List<Endpoint> endpoints) {

    /** Reachable from outside the cluster: a node port, an external IP or a load balancer IP. */
    public boolean externallyAccessible() {
        return nodePort != 0 || !externalIps.isEmpty() || !loadBalancerIps.isEmpty();
    }

    /** Traffic to some address of this port is routed to any endpoint of the cluster (upstream's UsesClusterEndpoints). */
    public boolean usesClusterEndpoints() {
        return !internalPolicyLocal || externallyAccessible() && !externalPolicyLocal;
    }

    /** Traffic to some address of this port is routed only to this node's endpoints (upstream's UsesLocalEndpoints). */
    public boolean usesLocalEndpoints() {
        return internalPolicyLocal || externallyAccessible() && externalPolicyLocal;
    }
}
