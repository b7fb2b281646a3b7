package dev.skiff.agent.kubelet.nodestatus;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node as the kubelet registers and reports it (upstream: kubelet_node_status.go and the
 * nodestatus setters): upstream's well-known labels, capacity and allocatable, addresses, nodeInfo,
 * the kubelet endpoint, and the four conditions with upstream's reasons and messages.
 *
 * @param capacity cpu, memory, ephemeral-storage and pods (allocatable is the same: no reservations yet)
 * @param podCidr  the pod CIDR to register the node with (a simulated node's own), or null: node IPAM's or --pod-cidr's, set before
 */
public record NodeStatus(String name, Map<String, String> labels, List<Taint> taints, Map<String, Quantity> capacity,
                         String internalIp, NodeSystemInfo nodeInfo, int kubeletPort, String podCidr) {

    public static final String KUBELET_VERSION = "v1.33.0+skiff";

    /** The well-known labels every kubelet sets, then the user's --node-labels. */
    public static Map<String, String> labels(String nodeName, Map<String, String> nodeLabels) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("kubernetes.io/hostname", nodeName);
        labels.put("kubernetes.io/os", "linux");
        labels.put("kubernetes.io/arch", arch());
        labels.put("beta.kubernetes.io/os", "linux");
        labels.put("beta.kubernetes.io/arch", arch());
        labels.putAll(nodeLabels);
        return labels;
    }

    /** GOARCH naming of this machine's architecture. */
    public static String arch() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> arch;
        };
    }

    /** The Node to create at registration. */
    public Node toNode(String now) {
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels)
                .addToAnnotations("node.alpha.kubernetes.io/ttl", "0")
                .addToAnnotations("volumes.kubernetes.io/controller-managed-attach-detach", "true").endMetadata()
                .withNewSpec().withTaints(taints.isEmpty() ? null : taints).withPodCIDR(podCidr)
                .withPodCIDRs(podCidr == null ? null : List.of(podCidr)).endSpec()
                .withStatus(status(now, List.of()))
                .build();
    }

    /** The status to report: conditions keep their lastTransitionTime while their status stays. */
    public io.fabric8.kubernetes.api.model.NodeStatus status(String now, List<NodeCondition> previous) {
        return new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
                .withCapacity(capacity).withAllocatable(capacity)
                .withAddresses(new NodeAddressBuilder().withType("InternalIP").withAddress(internalIp).build(),
                        new NodeAddressBuilder().withType("Hostname").withAddress(name).build())
                .withNodeInfo(nodeInfo)
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(kubeletPort).endKubeletEndpoint().endDaemonEndpoints()
                .withConditions(conditions(now, previous))
                .build();
    }

    static List<NodeCondition> conditions(String now, List<NodeCondition> previous) {
        List<NodeCondition> out = new ArrayList<>();
        out.add(condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now, previous));
        out.add(condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now, previous));
        out.add(condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now, previous));
        out.add(condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", now, previous));
        return out;
    }

    private static NodeCondition condition(String type, String status, String reason, String message, String now,
                                           List<NodeCondition> previous) {
        String transition = previous.stream().filter(c -> type.equals(c.getType()) && status.equals(c.getStatus()))
                .map(NodeCondition::getLastTransitionTime).findFirst().orElse(now);
        return new NodeConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastHeartbeatTime(now).withLastTransitionTime(transition).build();
    }
}
