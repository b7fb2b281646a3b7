package dev.skiff.registry.storage.csinode;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.validation.NameFormats;
import dev.skiff.registry.core.persistentvolume.PersistentVolumeValidation;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.storage.CSINode;
import io.fabric8.kubernetes.api.model.storage.CSINodeDriver;
import io.fabric8.kubernetes.api.model.storage.CSINodeSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * CSINodes as upstream's pkg/registry/storage/csinode strategy and ValidateCSINode(Update): each
 * driver a valid, unique CSI driver name with a nodeID of at most 192 characters (256 once an
 * existing object used a longer one), a non-negative allocatable count and qualified topology
 * keys; a driver entry already present may not change (MutableCSINodeAllocatableCount is off in v1.33).
 */
public final class CSINodeStrategy implements Strategy<CSINode> {
    public static final Resource<CSINode> RESOURCE =
            Resource.of("storage.k8s.io", "csinodes", "CSINode", false, CSINode.class, CSINode::new);
    private static final int NODE_ID_MAX = 192;
    private static final int NODE_ID_LONG_MAX = 256;

    @Override
    public boolean namespaced() {
        return false;
    }

    @Override
    public void prepareForCreate(CSINode node) {
        if (node.getSpec() == null) {
            node.setSpec(new CSINodeSpec());
        }
    }

    @Override
    public void prepareForUpdate(CSINode node, CSINode old) {
        prepareForCreate(node);
    }

    @Override
    public List<Cause> validate(CSINode node) {
        return validate(node, false);
    }

    private static List<Cause> validate(CSINode node, boolean allowLongNodeId) {
        List<Cause> causes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<CSINodeDriver> drivers = drivers(node);
        for (int i = 0; i < drivers.size(); i++) {
            CSINodeDriver driver = drivers.get(i);
            String path = "spec.drivers[" + i + "]";
            causes.addAll(PersistentVolumeValidation.validateCsiDriverName(driver.getName(), path + ".name"));
            String nodeId = driver.getNodeID() == null ? "" : driver.getNodeID();
            if (nodeId.isEmpty()) {
                causes.add(Cause.required(path + ".nodeID"));
            }
            int max = allowLongNodeId ? NODE_ID_LONG_MAX : NODE_ID_MAX;
            if (nodeId.length() > max) {
                causes.add(Cause.invalid(path + ".nodeID", nodeId, "must be " + max + " characters or less"));
            }
            if (driver.getAllocatable() != null && driver.getAllocatable().getCount() != null && driver.getAllocatable().getCount() < 0) {
                causes.add(Cause.invalid(path + ".allocatable.count", driver.getAllocatable().getCount(), "must be greater than or equal to 0"));
            }
            if (!names.add(String.valueOf(driver.getName()))) {
                causes.add(Cause.duplicate(path + ".name", driver.getName()));
            }
            Set<String> keys = new HashSet<>();
            for (String key : driver.getTopologyKeys() == null ? List.<String>of() : driver.getTopologyKeys()) {
                if (key.isEmpty()) {
                    causes.add(Cause.required(path));
                }
                if (!keys.add(key)) {
                    causes.add(Cause.duplicate(path, key));
                }
                for (String msg : NameFormats.isQualifiedName(key)) {
                    causes.add(Cause.invalid(path, key, msg));
                }
            }
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(CSINode node, CSINode old) {
        boolean longIds = drivers(old).stream().anyMatch(d -> d.getNodeID() != null && d.getNodeID().length() > NODE_ID_MAX);
        List<Cause> causes = new ArrayList<>(validate(node, longIds));
        for (CSINodeDriver oldDriver : drivers(old)) {
            for (CSINodeDriver driver : drivers(node)) {
                if (Objects.equals(oldDriver.getName(), driver.getName()) && !Objects.equals(oldDriver, driver)) {
                    causes.add(new Cause("FieldValueInvalid", "spec.drivers", "Invalid value: " + goDriver(driver) + ": field is immutable"));
                }
            }
        }
        return causes;
    }

    /** Go's %#v of a CSINodeDriver, as the immutable-field error prints it. */
    private static String goDriver(CSINodeDriver d) {
        String keys = d.getTopologyKeys() == null ? "[]string(nil)"
                : "[]string{" + String.join(", ", d.getTopologyKeys().stream().map(ApiException::goQuote).toList()) + "}";
        String allocatable = d.getAllocatable() == null ? "(*storage.VolumeNodeResources)(nil)" : "(*storage.VolumeNodeResources)(...)";
        return "storage.CSINodeDriver{Name:" + ApiException.goQuote(String.valueOf(d.getName())) + ", NodeID:"
                + ApiException.goQuote(String.valueOf(d.getNodeID())) + ", TopologyKeys:" + keys + ", Allocatable:" + allocatable + "}";
    }

    private static List<CSINodeDriver> drivers(CSINode node) {
        return node.getSpec() == null || node.getSpec().getDrivers() == null ? List.of() : node.getSpec().getDrivers();
    }
}
