package dev.skiff.apiserver.handlers;

import dev.skiff.apiserver.handlers.TableConvertor.Column;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The node table as upstream's printNode: STATUS from the Ready condition (Ready, NotReady or
 * Unknown, plus SchedulingDisabled when cordoned), ROLES from the node-role labels, VERSION the
 * kubelet's; -o wide adds the addresses and the node's OS, kernel and runtime.
 */
final class NodeColumns {
    private static final String ROLE_PREFIX = "node-role.kubernetes.io/";

    private NodeColumns() {
    }

    static List<Column> columns(Column name, Column age) {
        return List.of(name,
                new Column("Status", "string", "", "The status of the node", o -> status((Node) o)),
                new Column("Roles", "string", "", "The roles of the node", o -> roles((Node) o)),
                age,
                new Column("Version", "string", "", "Kubelet Version reported by the node.", o -> info((Node) o, NodeSystemInfo::getKubeletVersion, "")),
                new Column("Internal-IP", "string", "", "List of addresses reachable to the node. Queried from cloud provider, if available.",
                        o -> address((Node) o, "InternalIP"), 1),
                new Column("External-IP", "string", "", "List of addresses reachable to the node. Queried from cloud provider, if available.",
                        o -> address((Node) o, "ExternalIP"), 1),
                new Column("OS-Image", "string", "", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
                        o -> info((Node) o, NodeSystemInfo::getOsImage, "<unknown>"), 1),
                new Column("Kernel-Version", "string", "", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
                        o -> info((Node) o, NodeSystemInfo::getKernelVersion, "<unknown>"), 1),
                new Column("Container-Runtime", "string", "", "ContainerRuntime Version reported by the node through runtime remote API "
                        + "(e.g. containerd://1.4.2).", o -> info((Node) o, NodeSystemInfo::getContainerRuntimeVersion, "<unknown>"), 1));
    }

    static String status(Node node) {
        List<String> parts = new ArrayList<>();
        List<NodeCondition> conditions = node.getStatus() == null || node.getStatus().getConditions() == null
                ? List.of() : node.getStatus().getConditions();
        NodeCondition ready = conditions.stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
        if (ready == null) {
            parts.add("Unknown");
        } else {
            parts.add("True".equals(ready.getStatus()) ? "Ready" : "NotReady");
        }
        if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
            parts.add("SchedulingDisabled");
        }
        return String.join(",", parts);
    }

    static String roles(Node node) {
        TreeSet<String> roles = new TreeSet<>();
        var labels = node.getMetadata().getLabels();
        if (labels != null) {
            labels.forEach((k, v) -> {
                if (k.startsWith(ROLE_PREFIX) && k.length() > ROLE_PREFIX.length()) {
                    roles.add(k.substring(ROLE_PREFIX.length()));
                } else if (k.equals("kubernetes.io/role") && !v.isEmpty()) {
                    roles.add(v);
                }
            });
        }
        return roles.isEmpty() ? "<none>" : String.join(",", roles);
    }

    private static String address(Node node, String type) {
        List<NodeAddress> addresses = node.getStatus() == null || node.getStatus().getAddresses() == null
                ? List.of() : node.getStatus().getAddresses();
        return addresses.stream().filter(a -> type.equals(a.getType())).map(NodeAddress::getAddress).findFirst().orElse("<none>");
    }

    private static String info(Node node, Function<NodeSystemInfo, String> field, String unknown) {
        NodeSystemInfo info = node.getStatus() == null ? null : node.getStatus().getNodeInfo();
        String value = info == null ? null : field.apply(info);
        return value == null || value.isEmpty() ? unknown : value;
    }
}
