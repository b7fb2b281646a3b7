package dev.skiff.apiserver.handlers;

import dev.skiff.apiserver.handlers.TableConvertor.Column;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import java.util.ArrayList;
import java.util.List;

/**
 * The endpoints table as upstream's printEndpoints: ENDPOINTS lists "ip:port" per ready address and
 * port (the bare IP for a subset without ports), at most three, then " + N more...".
 */
final class EndpointsColumns {
    private static final int MAX = 3;

    private EndpointsColumns() {
    }

    static List<Column> columns(Column name, Column age) {
        return List.of(name,
                new Column("Endpoints", "string", "", "Endpoints of the service", o -> format((Endpoints) o)),
                age);
    }

    static String format(Endpoints endpoints) {
        List<EndpointSubset> subsets = endpoints.getSubsets() == null ? List.of() : endpoints.getSubsets();
        if (subsets.isEmpty()) {
            return "<none>";
        }
        List<String> shown = new ArrayList<>();
        int count = 0;
        for (EndpointSubset subset : subsets) {
            List<EndpointAddress> addresses = subset.getAddresses() == null ? List.of() : subset.getAddresses();
            List<EndpointPort> ports = subset.getPorts() == null ? List.of() : subset.getPorts();
            if (ports.isEmpty()) {
                count += addresses.size();
                addresses.stream().limit(Math.max(0, MAX - shown.size())).forEach(a -> shown.add(a.getIp()));
                continue;
            }
            for (EndpointPort port : ports) {
                count += addresses.size();
                addresses.stream().limit(Math.max(0, MAX - shown.size())).forEach(a -> shown.add(hostPort(a.getIp(), port.getPort())));
            }
        }
        String joined = String.join(",", shown);
        return count > shown.size() ? joined + " + " + (count - shown.size()) + " more..." : joined;
    }

    /** net.JoinHostPort: IPv6 literals in brackets. */
    private static String hostPort(String ip, Integer port) {
        return (ip != null && ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port;
    }
}
