package dev.skiff.dns.kubernetes;

import java.net.InetAddress;
import java.util.List;
import org.xbill.DNS.Name;

/**
 * What DNS needs of one Service and its EndpointSlices, rebuilt whole on every change of either
 * (so a query reads one immutable value).
 *
 * @param name         {@code <svc>.<ns>.svc.<domain>}
 * @param clusterIps   the ClusterIPs; empty for headless and ExternalName services
 * @param externalName the CNAME target of an ExternalName service, else null
 * @param ports        the service's ports (what a ClusterIP service's SRV records carry)
 * @param endpoints    the endpoints DNS publishes: ready ones, or all with publishNotReadyAddresses
 */
record ServiceEntry(String namespace, String service, Name name, boolean headless, List<InetAddress> clusterIps,
                    Name externalName, List<Port> ports, List<Endpoint> endpoints) {

    /** A service or endpoint port; {@code name} is empty for an unnamed port, {@code protocol} is TCP, UDP or SCTP. */
    record Port(String name, String protocol, int port) {
        boolean matches(String wantName, String wantProtocol) {
            return (wantName == null || wantName.equalsIgnoreCase(name)) && (wantProtocol == null || wantProtocol.equalsIgnoreCase(protocol));
        }
    }

    /**
     * One endpoint address. {@code label} is its hostname, or the address with dashes (10-42-0-5) when it has
     * none, as CoreDNS names endpoints; {@code name} is {@code <label>.<svc>.<ns>.svc.<domain>}.
     */
    record Endpoint(InetAddress ip, String label, Name name, List<Port> ports) {
    }
}
