package dev.skiff.agent.simulated;

import dev.skiff.agent.kubelet.nodestatus.MachineInfo;
import dev.skiff.agent.kubelet.nodestatus.NodeStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fleet of hollow nodes for one process (kwok's way): {@code <prefix>-<i>} with kwok's default
 * capacity (32 cpu, 256Gi memory, --max-pods), the InternalIP {@code 10.200.x.y} and the pod CIDR
 * {@code 10.(64 + i / 256).(i % 256).0/24} - addresses no traffic is ever sent to.
 */
public final class SimulatedNodes {
    /** The most nodes the address plan above gives distinct addresses. */
    public static final int MAX_COUNT = 16384;

    private SimulatedNodes() {
    }

    public static String name(String prefix, int i) {
        return prefix + "-" + i;
    }

    public static String internalIp(int i) {
        return "10.200." + ((i + 1) / 256) + "." + ((i + 1) % 256);
    }

    public static String podCidrPrefix(int i) {
        return "10." + (64 + i / 256) + "." + (i % 256);
    }

    public static List<NodeStatus> fleet(String prefix, int count, int maxPods, Map<String, String> nodeLabels, List<Taint> taints) {
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("--count must be between 1 and " + MAX_COUNT + ", not " + count);
        }
        Map<String, Quantity> capacity = new LinkedHashMap<>();
        capacity.put("cpu", new Quantity("32"));
        capacity.put("memory", new Quantity("256Gi"));
        capacity.put("ephemeral-storage", new Quantity("1Ti"));
        capacity.put("pods", new Quantity(Integer.toString(maxPods)));
        var nodeInfo = MachineInfo.nodeInfo("simulated://1.0");
        List<NodeStatus> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = name(prefix, i);
            Map<String, String> labels = NodeStatus.labels(name, nodeLabels);
            labels.put(dev.skiff.api.core.v1.SimulatedNodes.LABEL, "true");
            nodes.add(new NodeStatus(name, labels, taints, capacity, internalIp(i), nodeInfo, 10250, podCidrPrefix(i) + ".0/24"));
        }
        return nodes;
    }
}
