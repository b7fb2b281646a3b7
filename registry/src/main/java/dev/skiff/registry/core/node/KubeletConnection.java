package dev.skiff.registry.core.node;

import dev.skiff.api.errors.ApiException;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * How the API server reaches a node's kubelet (upstream: the node registry's connection info):
 * HTTPS on the node's InternalIP (else its first address) at the port its status reports in
 * daemonEndpoints, 10250 when it reports none.
 */
public final class KubeletConnection {
    /** The kubelet port when a node reports none (upstream's default). */
    public static final int DEFAULT_KUBELET_PORT = 10250;

    private KubeletConnection() {
    }

    /** {@code https://<address>:<port>}, without a path; 500 when the node has no address. */
    public static URI baseUri(Node node) {
        List<NodeAddress> addresses = node.getStatus() == null || node.getStatus().getAddresses() == null ? List.of()
                : node.getStatus().getAddresses();
        String host = addresses.stream().filter(a -> "InternalIP".equals(a.getType())).map(NodeAddress::getAddress).findFirst()
                .or(() -> addresses.stream().map(NodeAddress::getAddress).filter(Objects::nonNull).findFirst())
                .orElseThrow(() -> ApiException.internal("node " + node.getMetadata().getName() + " has no address"));
        Integer port = node.getStatus().getDaemonEndpoints() == null || node.getStatus().getDaemonEndpoints().getKubeletEndpoint() == null
                ? null : node.getStatus().getDaemonEndpoints().getKubeletEndpoint().getPort();
        return URI.create("https://" + (host.contains(":") ? "[" + host + "]" : host) + ":"
                + (port == null || port == 0 ? DEFAULT_KUBELET_PORT : port));
    }
}
