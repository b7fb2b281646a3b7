package dev.skiff.proxy;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Predicate;

/**
 * Which endpoints a service port's traffic may go to (upstream's CategorizeEndpoints, pkg/proxy/topology.go):
 * ready endpoints; when none is ready, the ones still serving while terminating, so connections drain to
 * them instead of failing. Cluster traffic picks among all endpoints, local-policy traffic among this
 * node's, each falling back on its own.
 *
 * @param cluster endpoints for cluster-policy traffic (empty when the port uses none)
 * @param local this node's endpoints for local-policy traffic (empty when the port uses none)
 * @param allReachable the union: every endpoint some rule of this port can reach
 * @param hasAny whether the port has any usable endpoint anywhere (else its traffic is rejected)
 */
public record Topology(List<Endpoint> cluster, List<Endpoint> local, List<Endpoint> allReachable, boolean hasAny) {

    public static Topology categorize(ServicePort port) {
        List<Endpoint> endpoints = port.endpoints();
        List<Endpoint> cluster = List.of();
        boolean hasAny = false;
        if (port.usesClusterEndpoints()) {
            cluster = filter(endpoints, Endpoint::ready);
            if (cluster.isEmpty()) {
                cluster = filter(endpoints, e -> e.serving() && e.terminating());
            }
            hasAny = !cluster.isEmpty();
        }
        if (!port.usesLocalEndpoints()) {
            return new Topology(cluster, List.of(), cluster, hasAny);
        }
        hasAny |= endpoints.stream().anyMatch(e -> e.ready() || e.serving() && e.terminating());
        List<Endpoint> local = filter(endpoints, e -> e.local() && e.ready());
        if (local.isEmpty()) {
            local = filter(endpoints, e -> e.local() && e.serving() && e.terminating());
        }
        if (!port.usesClusterEndpoints()) {
            return new Topology(List.of(), local, local, hasAny);
        }
        var all = new LinkedHashSet<>(cluster);
        all.addAll(local);
        return new Topology(cluster, local, List.copyOf(all), hasAny);
    }

    private static List<Endpoint> filter(List<Endpoint> endpoints, Predicate<Endpoint> keep) {
        return endpoints.stream().filter(keep).toList();
    }
}
