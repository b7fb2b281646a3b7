package dev.skiff.apiserver.handlers;

import dev.skiff.apiserver.handlers.TableConvertor.Column;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The service table as upstream's printService: CLUSTER-IP the first of clusterIPs ("None" for headless, "<none>" without one), EXTERNAL-IP from
 * the type ("<none>", "<pending>" for a LoadBalancer without ingress, the external name), PORT(S)
 * as "80/TCP" or "80:30080/TCP"; -o wide adds SELECTOR.
 */
final class ServiceColumns {

    private ServiceColumns() {
    }

    static List<Column> columns(Column name, Column age) {
        return List.of(name,
                new Column("Type", "string", "", "The type of the service", o -> spec((Service) o).getType() == null ? "" : spec((Service) o).getType()),
                new Column("Cluster-IP", "string", "", "The cluster IP of the service", o -> clusterIp((Service) o)),
                new Column("External-IP", "string", "", "The external IP of the service", o -> externalIp((Service) o)),
                new Column("Port(s)", "string", "", "The ports of the service", o -> ports(spec((Service) o).getPorts())),
                age,
                new Column("Selector", "string", "", "Route service traffic to pods with label keys and values matching this selector.",
                        o -> TableConvertor.selector(spec((Service) o).getSelector()), 1));
    }

    private static ServiceSpec spec(Service service) {
        return service.getSpec() == null ? new ServiceSpec() : service.getSpec();
    }

    static String clusterIp(Service service) {
        List<String> ips = spec(service).getClusterIPs();
        return ips == null || ips.isEmpty() ? "<none>" : ips.get(0);
    }

    static String externalIp(Service service) {
        ServiceSpec spec = spec(service);
        String type = spec.getType() == null ? "" : spec.getType();
        List<String> external = spec.getExternalIPs() == null ? List.of() : spec.getExternalIPs();
        return switch (type) {
            case "ClusterIP", "NodePort" -> external.isEmpty() ? "<none>" : String.join(",", external);
            case "LoadBalancer" -> {
                List<String> ips = new ArrayList<>();
                var lb = service.getStatus() == null ? null : service.getStatus().getLoadBalancer();
                if (lb != null && lb.getIngress() != null) {
                    for (LoadBalancerIngress ingress : lb.getIngress()) {
                        if (ingress.getIp() != null && !ingress.getIp().isEmpty()) {
                            ips.add(ingress.getIp());
                        } else if (ingress.getHostname() != null && !ingress.getHostname().isEmpty()) {
                            ips.add(ingress.getHostname());
                        }
                    }
                }
                ips.addAll(external);
                yield ips.isEmpty() ? "<pending>" : String.join(",", ips);
            }
            case "ExternalName" -> spec.getExternalName() == null ? "" : spec.getExternalName();
            default -> "<unknown>";
        };
    }

    static String ports(List<ServicePort> ports) {
        if (ports == null || ports.isEmpty()) {
            return "<none>";
        }
        List<String> parts = new ArrayList<>();
        for (ServicePort port : ports) {
            String number = String.valueOf(port.getPort());
            if (port.getNodePort() != null && port.getNodePort() > 0) {
                number += ":" + port.getNodePort();
            }
            parts.add(number + "/" + port.getProtocol());
        }
        return String.join(",", parts);
    }
}
