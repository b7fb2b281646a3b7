package dev.skiff.registry.core.node;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.validation.NameFormats;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Nodes as upstream's pkg/registry/core/node: cluster-scoped, stored under {@code /registry/minions};
 * a node registers with its status (the kubelet creates it so), a main update keeps the stored
 * status and nodes/status keeps the spec; allocatable defaults to capacity; taints and the
 * podCIDR/providerID update rules of ValidateNode(Update).
 */
public final class NodeStrategy implements Strategy<Node> {
    public static final Resource<Node> RESOURCE = new Resource<>("", "nodes", "Node", false, "/registry/minions", Node.class, Node::new);
    private static final List<String> TAINT_EFFECTS = List.of("NoExecute", "NoSchedule", "PreferNoSchedule");

    @Override
    public boolean namespaced() {
        return false;
    }

    @Override
    public void prepareForCreate(Node node) {
        if (node.getSpec() == null) {
            node.setSpec(new NodeSpec());
        }
        defaultAllocatable(node);
    }

    @Override
    public void prepareForUpdate(Node node, Node old) {
        node.setStatus(old.getStatus());
        if (node.getSpec() == null) {
            node.setSpec(new NodeSpec());
        }
    }

    /** SetDefaults_NodeStatus: allocatable is the capacity unless given. */
    private static void defaultAllocatable(Node node) {
        var status = node.getStatus();
        if (status != null && (status.getAllocatable() == null || status.getAllocatable().isEmpty()) && status.getCapacity() != null) {
            status.setAllocatable(new java.util.LinkedHashMap<>(status.getCapacity()));
        }
    }

    @Override
    public List<Cause> validate(Node node) {
        List<Cause> causes = new ArrayList<>();
        NodeSpec spec = node.getSpec();
        List<Taint> taints = spec.getTaints() == null ? List.of() : spec.getTaints();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < taints.size(); i++) {
            Taint taint = taints.get(i);
            String at = "spec.taints[" + i + "]";
            if (taint.getKey() == null || taint.getKey().isEmpty()) {
                causes.add(Cause.required(at + ".key"));
            } else {
                for (String message : NameFormats.isQualifiedName(taint.getKey())) {
                    causes.add(Cause.invalid(at + ".key", taint.getKey(), message));
                }
            }
            if (taint.getValue() != null && !taint.getValue().isEmpty()) {
                for (String message : NameFormats.isValidLabelValue(taint.getValue())) {
                    causes.add(Cause.invalid(at + ".value", taint.getValue(), message));
                }
            }
            if (taint.getEffect() == null || taint.getEffect().isEmpty()) {
                causes.add(Cause.required(at + ".effect"));
            } else if (!TAINT_EFFECTS.contains(taint.getEffect())) {
                causes.add(Cause.notSupported(at + ".effect", taint.getEffect(), TAINT_EFFECTS));
            }
            if (!seen.add(taint.getKey() + ":" + taint.getEffect())) {
                causes.add(Cause.duplicate("spec.taints", taint.getKey() + "=" + taint.getValue() + ":" + taint.getEffect()));
            }
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(Node node, Node old) {
        List<Cause> causes = new ArrayList<>(validate(node));
        List<String> oldCidrs = old.getSpec() == null || old.getSpec().getPodCIDRs() == null ? List.of() : old.getSpec().getPodCIDRs();
        if (!oldCidrs.isEmpty() && !Objects.equals(oldCidrs, node.getSpec().getPodCIDRs())) {
            causes.add(Cause.forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"));
        }
        String oldProvider = old.getSpec() == null ? null : old.getSpec().getProviderID();
        if (oldProvider != null && !oldProvider.isEmpty() && !oldProvider.equals(node.getSpec().getProviderID())) {
            causes.add(Cause.forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"));
        }
        return causes;
    }

    @Override
    public Map<String, Strategy<Node>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (node, old) -> {
            node.setSpec(old.getSpec());
            defaultAllocatable(node);
        }));
    }
}
