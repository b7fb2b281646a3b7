package dev.skiff.apiserver.handlers;

import dev.skiff.api.quantity.Quantities;
import dev.skiff.apiserver.handlers.TableConvertor.Column;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.api.model.storage.CSINode;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tables of the volume resources as upstream's printers compute them: persistent volumes
 * (CAPACITY, ACCESS MODES as RWO,ROX,RWX,RWOP, RECLAIM POLICY, STATUS with Terminating, CLAIM
 * ns/name, STORAGECLASS from the beta annotation first, VOLUMEATTRIBUTESCLASS, REASON; wide
 * VOLUMEMODE), claims (capacity and access modes only once bound to a volume), volume attachments,
 * CSI drivers and CSI nodes.
 */
final class StorageColumns {
    private static final String BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";

    private StorageColumns() {
    }

    static Optional<List<Column>> forKind(String kind, Column name, Column age) {
        List<Column> columns = switch (kind) {
            case "PersistentVolume" -> List.of(name,
                    col("Capacity", "The capacity of the volume.", o -> capacity(((PersistentVolume) o).getSpec().getCapacity())),
                    col("Access Modes", "The ways the volume can be mounted.", o -> accessModes(((PersistentVolume) o).getSpec().getAccessModes())),
                    col("Reclaim Policy", "What happens to the volume when it is released from its claim.",
                            o -> str(((PersistentVolume) o).getSpec().getPersistentVolumeReclaimPolicy())),
                    col("Status", "The phase of the volume.", o -> {
                        var pv = (PersistentVolume) o;
                        return terminatingOr(o, pv.getStatus() == null ? "" : str(pv.getStatus().getPhase()));
                    }),
                    col("Claim", "The claim bound to the volume.", o -> {
                        var ref = ((PersistentVolume) o).getSpec().getClaimRef();
                        return ref == null ? "" : str(ref.getNamespace()) + "/" + str(ref.getName());
                    }),
                    col("StorageClass", "StorageClass of the pv", o -> storageClass(o, ((PersistentVolume) o).getSpec().getStorageClassName())),
                    col("VolumeAttributesClass", "VolumeAttributesClass of the pv",
                            o -> unset(((PersistentVolume) o).getSpec().getVolumeAttributesClassName())),
                    col("Reason", "The reason of the volume's phase.", o -> {
                        var status = ((PersistentVolume) o).getStatus();
                        return status == null ? "" : str(status.getReason());
                    }),
                    age,
                    new Column("VolumeMode", "string", "", "Block or Filesystem.", o -> unset(((PersistentVolume) o).getSpec().getVolumeMode()), 1));
            case "PersistentVolumeClaim" -> List.of(name,
                    col("Status", "The phase of the claim.", o -> {
                        var pvc = (PersistentVolumeClaim) o;
                        return terminatingOr(o, pvc.getStatus() == null ? "" : str(pvc.getStatus().getPhase()));
                    }),
                    col("Volume", "The volume bound to the claim.", o -> str(((PersistentVolumeClaim) o).getSpec().getVolumeName())),
                    col("Capacity", "The capacity of the bound volume.", o -> {
                        var pvc = (PersistentVolumeClaim) o;
                        return bound(pvc) ? capacity(pvc.getStatus() == null ? null : pvc.getStatus().getCapacity()) : "";
                    }),
                    col("Access Modes", "The access modes of the bound volume.", o -> {
                        var pvc = (PersistentVolumeClaim) o;
                        return bound(pvc) ? accessModes(pvc.getStatus() == null ? null : pvc.getStatus().getAccessModes()) : "";
                    }),
                    col("StorageClass", "StorageClass of the pvc", o -> storageClass(o, ((PersistentVolumeClaim) o).getSpec().getStorageClassName())),
                    col("VolumeAttributesClass", "VolumeAttributesClass of the pvc",
                            o -> unset(((PersistentVolumeClaim) o).getSpec().getVolumeAttributesClassName())),
                    age,
                    new Column("VolumeMode", "string", "", "Block or Filesystem.",
                            o -> unset(((PersistentVolumeClaim) o).getSpec().getVolumeMode()), 1));
            case "VolumeAttachment" -> List.of(name,
                    new Column("Attacher", "string", "name", "The CSI driver that attaches the volume.",
                            o -> str(((VolumeAttachment) o).getSpec().getAttacher())),
                    col("PV", "The persistent volume attached.", o -> {
                        var source = ((VolumeAttachment) o).getSpec().getSource();
                        return source == null ? "" : str(source.getPersistentVolumeName());
                    }),
                    col("Node", "The node the volume is attached to.", o -> str(((VolumeAttachment) o).getSpec().getNodeName())),
                    bool("Attached", "Whether the volume is attached.", o -> {
                        var status = ((VolumeAttachment) o).getStatus();
                        return status != null && Boolean.TRUE.equals(status.getAttached());
                    }),
                    age);
            case "CSIDriver" -> List.of(name,
                    bool("AttachRequired", "Whether the driver needs an attach operation.",
                            o -> !Boolean.FALSE.equals(((CSIDriver) o).getSpec().getAttachRequired())),
                    bool("PodInfoOnMount", "Whether the driver gets pod information on mount.",
                            o -> Boolean.TRUE.equals(((CSIDriver) o).getSpec().getPodInfoOnMount())),
                    bool("StorageCapacity", "Whether the driver publishes storage capacity.",
                            o -> Boolean.TRUE.equals(((CSIDriver) o).getSpec().getStorageCapacity())),
                    col("TokenRequests", "The audiences of the service account tokens the driver receives.", o -> {
                        var tokens = ((CSIDriver) o).getSpec().getTokenRequests();
                        return tokens == null || tokens.isEmpty() ? "<unset>"
                                : String.join(",", tokens.stream().map(t -> str(t.getAudience())).toList());
                    }),
                    bool("RequiresRepublish", "Whether the driver wants NodePublishVolume called periodically.",
                            o -> Boolean.TRUE.equals(((CSIDriver) o).getSpec().getRequiresRepublish())),
                    col("Modes", "The volume lifecycle modes the driver supports.", o -> {
                        var modes = ((CSIDriver) o).getSpec().getVolumeLifecycleModes();
                        return modes == null || modes.isEmpty() ? "<none>" : String.join(",", modes);
                    }),
                    age);
            case "CSINode" -> List.of(name,
                    new Column("Drivers", "integer", "", "Drivers indicates the number of CSI drivers registered on the node", o -> {
                        var spec = ((CSINode) o).getSpec();
                        return (long) (spec == null || spec.getDrivers() == null ? 0 : spec.getDrivers().size());
                    }),
                    age);
            default -> null;
        };
        return Optional.ofNullable(columns);
    }

    /** helper.GetAccessModesAsString: the short forms in a fixed order, each once. */
    static String accessModes(List<String> modes) {
        if (modes == null) {
            return "";
        }
        List<String> out = new ArrayList<>();
        for (var mode : List.of(Map.entry("ReadWriteOnce", "RWO"), Map.entry("ReadOnlyMany", "ROX"), Map.entry("ReadWriteMany", "RWX"),
                Map.entry("ReadWriteOncePod", "RWOP"))) {
            if (modes.contains(mode.getKey())) {
                out.add(mode.getValue());
            }
        }
        return String.join(",", out);
    }

    private static String capacity(Map<String, Quantity> resources) {
        return Quantities.canonical(resources == null ? null : resources.get("storage"));
    }

    private static boolean bound(PersistentVolumeClaim pvc) {
        return pvc.getSpec().getVolumeName() != null && !pvc.getSpec().getVolumeName().isEmpty();
    }

    /** GetPersistentVolume(Claim)Class: the beta annotation wins when present. */
    private static String storageClass(HasMetadata o, String field) {
        var annotations = o.getMetadata().getAnnotations();
        if (annotations != null && annotations.containsKey(BETA_STORAGE_CLASS)) {
            return annotations.get(BETA_STORAGE_CLASS);
        }
        return str(field);
    }

    private static String terminatingOr(HasMetadata o, String phase) {
        return o.getMetadata().getDeletionTimestamp() != null ? "Terminating" : phase;
    }

    private static Column col(String name, String description, java.util.function.Function<HasMetadata, Object> cell) {
        return new Column(name, "string", "", description, cell);
    }

    private static Column bool(String name, String description, java.util.function.Function<HasMetadata, Object> cell) {
        return new Column(name, "boolean", "", description, cell);
    }

    private static String unset(String s) {
        return s == null ? "<unset>" : s;
    }

    private static String str(String s) {
        return s == null ? "" : s;
    }
}
