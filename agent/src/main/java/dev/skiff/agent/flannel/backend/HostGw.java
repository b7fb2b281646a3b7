package dev.skiff.agent.flannel.backend;

import dev.skiff.agent.flannel.SubnetLease;
import io.fabric8.kubernetes.api.model.Node;
import java.util.List;
import java.util.Optional;

/**
 * flannel's host-gw backend: the route to a peer's pods goes straight through the peer's
 * InternalIP, no encapsulation; the nodes must share a layer-2 segment.
 */
public final class HostGw implements Backend {

    @Override
    public Optional<Route> route(Node peer) {
        String cidr = SubnetLease.podCidr(peer);
        String ip = SubnetLease.internalIp(peer);
        return cidr == null || ip == null ? Optional.empty() : Optional.of(new Route(cidr, ip, null, null));
    }

    @Override
    public List<String> routeOptions() {
        return List.of();
    }

    @Override
    public void program(Route route) {
    }

    @Override
    public void forget(Route route) {
    }

    @Override
    public void close() {
    }
}
