package dev.skiff.agent.flannel.backend;

import io.fabric8.kubernetes.api.model.Node;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * How this node reaches another node's pods (flannel's backend): the route to its pod CIDR, and
 * whatever else the route needs (VXLAN's neighbour and forwarding entries).
 */
public interface Backend extends AutoCloseable {
    /** The route to {@code peer}'s pods, or empty while the peer lacks what it needs (a pod CIDR, an address, a VTEP). */
    Optional<Route> route(Node peer);

    /** What the route command takes after {@code via <gateway>} (VXLAN: its device, onlink). */
    List<String> routeOptions();

    /** Makes {@code route}'s gateway reachable (idempotent; done on every reconcile). */
    void program(Route route) throws IOException;

    /** Undoes {@link #program} for a peer gone. */
    void forget(Route route) throws IOException;

    @Override
    void close() throws IOException;
}
