package dev.skiff.agent.flannel.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.agent.flannel.IpCommand;
import dev.skiff.agent.flannel.SubnetLease;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * flannel's vxlan backend, for nodes that do not share a layer-2 segment: this node's VXLAN device
 * {@value #DEVICE} (VNI 1, UDP 8472 - the Linux default port flannel uses - learning off) holds the
 * address {@code <pod network>.0/32}; the node publishes the device's MAC and its own address in
 * flannel's annotations ({@value #BACKEND_DATA}, {@value #PUBLIC_IP}); each peer is reached by a
 * route to its pod CIDR via the peer's {@code .0} address on the device (onlink), a permanent
 * neighbour entry giving that address the peer's VTEP MAC and a forwarding entry sending that MAC's
 * frames to the peer's address. Closing deletes the device, which takes its routes and entries along. A
 * stopped agent leaves the device; a start on the same node address and pod CIDR keeps it (its MAC, so the
 * peers' entries for it stay right), any other is replaced.
 */
public final class Vxlan implements Backend {
    public static final String DEVICE = "flannel.1";
    public static final String BACKEND_DATA = "flannel.alpha.coreos.com/backend-data";
    public static final String BACKEND_TYPE = "flannel.alpha.coreos.com/backend-type";
    public static final String PUBLIC_IP = "flannel.alpha.coreos.com/public-ip";
    static final int VNI = 1;
    static final int PORT = 8472;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Vxlan() {
    }

    /** Creates this node's VXLAN device on {@code nodeIp} for {@code podCidr} and publishes it on the node. */
    public static Vxlan start(KubernetesClient client, String nodeName, String nodeIp, String podCidr) throws IOException {
        if (!reusable(nodeIp, podCidr)) {
            removeDevice(); // what another run left, on another address or pod CIDR
            String device = deviceOf(nodeIp);
            IpCommand.run("ip", "link", "add", DEVICE, "type", "vxlan", "id", String.valueOf(VNI), "local", nodeIp, "dev", device,
                    "dstport", String.valueOf(PORT), "nolearning");
            IpCommand.run("ip", "addr", "add", networkAddress(podCidr) + "/32", "dev", DEVICE);
        }
        IpCommand.run("ip", "link", "set", DEVICE, "up");
        String mac = mac(IpCommand.run("ip", "-o", "link", "show", DEVICE));
        String data = JSON.writeValueAsString(Map.of("VNI", VNI, "VtepMAC", mac));
        client.nodes().withName(nodeName).patch(PatchContext.of(PatchType.JSON_MERGE), JSON.writeValueAsString(Map.of("metadata",
                Map.of("annotations", Map.of(BACKEND_DATA, data, BACKEND_TYPE, "vxlan", PUBLIC_IP, nodeIp)))));
        return new Vxlan();
    }

    @Override
    public Optional<Route> route(Node peer) {
        String cidr = SubnetLease.podCidr(peer);
        var annotations = peer.getMetadata().getAnnotations();
        if (cidr == null || annotations == null || !"vxlan".equals(annotations.get(BACKEND_TYPE))
                || annotations.get(PUBLIC_IP) == null || annotations.get(BACKEND_DATA) == null) {
            return Optional.empty();
        }
        try {
            JsonNode data = JSON.readTree(annotations.get(BACKEND_DATA));
            String mac = data.path("VtepMAC").asText(null);
            return mac == null ? Optional.empty() : Optional.of(new Route(cidr, networkAddress(cidr), mac, annotations.get(PUBLIC_IP)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<String> routeOptions() {
        return List.of("dev", DEVICE, "onlink");
    }

    @Override
    public void program(Route route) throws IOException {
        IpCommand.run("ip", "neigh", "replace", route.gateway(), "lladdr", route.vtepMac(), "dev", DEVICE, "nud", "permanent");
        IpCommand.run("bridge", "fdb", "replace", route.vtepMac(), "dev", DEVICE, "dst", route.publicIp(), "self", "permanent");
    }

    @Override
    public void forget(Route route) throws IOException {
        IpCommand.run("ip", "neigh", "del", route.gateway(), "dev", DEVICE);
        IpCommand.run("bridge", "fdb", "del", route.vtepMac(), "dev", DEVICE, "dst", route.publicIp(), "self");
    }

    @Override
    public void close() throws IOException {
        IpCommand.run("ip", "link", "delete", DEVICE);
    }

    /** Whether the device a stopped agent left is the one this start would create (VNI, local address, VTEP address). */
    private static boolean reusable(String nodeIp, String podCidr) {
        try {
            String link = IpCommand.run("ip", "-d", "-o", "link", "show", DEVICE);
            String addresses = IpCommand.run("ip", "-o", "-4", "addr", "show", "dev", DEVICE);
            return link.contains(" vxlan id " + VNI + " ") && link.contains(" local " + nodeIp + " ")
                    && addresses.contains(" inet " + networkAddress(podCidr) + "/32 ");
        } catch (IOException absent) {
            return false;
        }
    }

    /** Deletes the device (with its routes, neighbour and forwarding entries) if there is one. */
    public static void removeDevice() throws IOException {
        if (!IpCommand.run("ip", "-o", "link", "show").contains(" " + DEVICE + ":")) {
            return;
        }
        IpCommand.run("ip", "link", "delete", DEVICE);
    }

    /** The network address of a CIDR (10.42.3.0/24 -> 10.42.3.0), the VTEP address flannel gives a node. */
    static String networkAddress(String cidr) {
        return cidr.substring(0, cidr.indexOf('/'));
    }

    /** The interface holding {@code ip}. */
    private static String deviceOf(String ip) throws IOException {
        for (String line : IpCommand.run("ip", "-o", "-4", "addr", "show").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 3 && f[3].startsWith(ip + "/")) {
                return f[1];
            }
        }
        throw new IOException("no interface holds the node address " + ip + " (--node-ip)");
    }

    private static String mac(String link) throws IOException {
        String[] f = link.trim().split("\\s+");
        for (int i = 0; i < f.length - 1; i++) {
            if ("link/ether".equals(f[i])) {
                return f[i + 1];
            }
        }
        throw new IOException("no MAC address in: " + link.strip());
    }
}
