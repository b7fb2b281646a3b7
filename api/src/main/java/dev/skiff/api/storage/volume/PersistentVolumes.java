package dev.skiff.api.storage.volume;

import dev.skiff.api.quantity.Quantities;
import dev.skiff.api.scheduling.RequiredNodeAffinity;
import dev.skiff.api.selector.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The PersistentVolume helpers the PV controller and the scheduler's VolumeBinding share, as
 * upstream's component-helpers/storage/volume: which volume fits a claim, classes, volume modes,
 * access modes, a volume's node affinity, the binding mode of a claim's class, and the volume
 * written to pre-bind it to a claim.
 */
public final class PersistentVolumes {
    public static final String BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";
    public static final String ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
    public static final String ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";
    public static final String ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node";
    /** The provisioner of classes whose volumes are only ever created by hand (local volumes). */
    public static final String NOT_SUPPORTED_PROVISIONER = "kubernetes.io/no-provisioner";

    private PersistentVolumes() {
    }

    /**
     * The smallest volume that can serve the claim, or null (upstream's FindMatchingVolume): at
     * least the requested capacity, the same volume mode, not being deleted; a volume whose claimRef
     * names the claim wins at once (on a node, only if its node affinity admits the node); otherwise
     * it must be Available, unclaimed, of the claim's class, matching the claim's selector and
     * access modes, and admit {@code node} when one is given. With {@code delayBinding} and no node
     * (the PV controller looking at a WaitForFirstConsumer claim) only a pre-bound volume is
     * returned. Volumes named in {@code excluded} (chosen for another claim of the pod) are skipped.
     */
    public static PersistentVolume findMatchingVolume(PersistentVolumeClaim claim, Collection<PersistentVolume> volumes, Node node,
                                                      Set<String> excluded, boolean delayBinding) {
        Quantity requested = requestedStorage(claim);
        String requestedClass = claimClass(claim);
        LabelSelector selector = claim.getSpec().getSelector() == null ? null : LabelSelector.from(claim.getSpec().getSelector());
        PersistentVolume smallest = null;
        for (PersistentVolume volume : volumes) {
            if (excluded.contains(volume.getMetadata().getName())) {
                continue;
            }
            Quantity capacity = capacity(volume);
            if (Quantities.compare(capacity, requested) < 0 || volumeModeMismatch(claim, volume)
                    || volume.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            boolean nodeAffinityValid = node == null || nodeAffinityAdmits(volume, node);
            if (isBoundToClaim(volume, claim)) {
                return nodeAffinityValid ? volume : null;
            }
            if (node == null && delayBinding) {
                continue;
            }
            if (!"Available".equals(phase(volume)) || volume.getSpec().getClaimRef() != null
                    || selector != null && !selector.matches(orEmpty(volume.getMetadata().getLabels()))
                    || !volumeClass(volume).equals(requestedClass) || !nodeAffinityValid || !accessModesFit(claim, volume)) {
                continue;
            }
            if (smallest == null || Quantities.compare(capacity(smallest), capacity) > 0) {
                smallest = volume;
            }
        }
        return smallest;
    }

    /** Whether the volume's required node affinity admits the node; a volume without one goes anywhere (upstream's CheckNodeAffinity). */
    public static boolean nodeAffinityAdmits(PersistentVolume volume, Node node) {
        var affinity = volume.getSpec().getNodeAffinity();
        if (affinity == null || affinity.getRequired() == null) {
            return true;
        }
        return RequiredNodeAffinity.matchesSelector(affinity.getRequired(), node.getMetadata().getName(),
                orEmpty(node.getMetadata().getLabels()));
    }

    /** Whether the volume offers every access mode the claim asks for (upstream's CheckAccessModes). */
    public static boolean accessModesFit(PersistentVolumeClaim claim, PersistentVolume volume) {
        return orEmpty(volume.getSpec().getAccessModes()).containsAll(orEmpty(claim.getSpec().getAccessModes()));
    }

    /** Whether the volume's claimRef names the claim, with its UID or without one (upstream's IsVolumeBoundToClaim). */
    public static boolean isBoundToClaim(PersistentVolume volume, PersistentVolumeClaim claim) {
        var ref = volume.getSpec().getClaimRef();
        if (ref == null || !Objects.equals(ref.getName(), claim.getMetadata().getName())
                || !Objects.equals(ref.getNamespace(), claim.getMetadata().getNamespace())) {
            return false;
        }
        return ref.getUid() == null || ref.getUid().isEmpty() || ref.getUid().equals(claim.getMetadata().getUid());
    }

    /**
     * The volume pre-bound to the claim - claimRef with the claim's UID and resourceVersion, and
     * {@code pv.kubernetes.io/bound-by-controller} when the claimRef did not name the claim yet - or
     * null when the volume already says so (upstream's GetBindVolumeToClaim, its "dirty" false).
     */
    public static PersistentVolume bindVolumeToClaim(PersistentVolume volume, PersistentVolumeClaim claim) {
        var ref = volume.getSpec().getClaimRef();
        boolean byController = !isBoundToClaim(volume, claim);
        boolean dirty = ref == null || !Objects.equals(ref.getUid(), claim.getMetadata().getUid())
                || !Objects.equals(ref.getName(), claim.getMetadata().getName())
                || !Objects.equals(ref.getNamespace(), claim.getMetadata().getNamespace());
        if (byController && !orEmpty(volume.getMetadata().getAnnotations()).containsKey(ANN_BOUND_BY_CONTROLLER)) {
            dirty = true;
        }
        if (!dirty) {
            return null;
        }
        var builder = new PersistentVolumeBuilder(volume).editSpec().withClaimRef(new ObjectReferenceBuilder()
                .withKind("PersistentVolumeClaim").withApiVersion("v1").withNamespace(claim.getMetadata().getNamespace())
                .withName(claim.getMetadata().getName()).withUid(claim.getMetadata().getUid())
                .withResourceVersion(claim.getMetadata().getResourceVersion()).build()).endSpec();
        if (byController) {
            builder.editMetadata().addToAnnotations(ANN_BOUND_BY_CONTROLLER, "yes").endMetadata();
        }
        return builder.build();
    }

    /** Whether the claim's class binds on the first consumer (upstream's IsDelayBindingMode); no class or a missing one does not. */
    public static boolean isDelayBindingMode(PersistentVolumeClaim claim, Function<String, StorageClass> classes) {
        String className = claimClass(claim);
        if (className.isEmpty()) {
            return false;
        }
        StorageClass sc = classes.apply(className);
        return sc != null && "WaitForFirstConsumer".equals(sc.getVolumeBindingMode());
    }

    /** The claim's class: the beta annotation, else spec.storageClassName, else "" (upstream's GetPersistentVolumeClaimClass). */
    public static String claimClass(PersistentVolumeClaim claim) {
        String beta = orEmpty(claim.getMetadata().getAnnotations()).get(BETA_STORAGE_CLASS);
        if (beta != null) {
            return beta;
        }
        return claim.getSpec().getStorageClassName() == null ? "" : claim.getSpec().getStorageClassName();
    }

    /** The volume's class, read the same way (upstream's GetPersistentVolumeClass). */
    public static String volumeClass(PersistentVolume volume) {
        String beta = orEmpty(volume.getMetadata().getAnnotations()).get(BETA_STORAGE_CLASS);
        if (beta != null) {
            return beta;
        }
        return volume.getSpec().getStorageClassName() == null ? "" : volume.getSpec().getStorageClassName();
    }

    /** Whether claim and volume differ in volume mode, an unset mode being Filesystem (upstream's CheckVolumeModeMismatches). */
    public static boolean volumeModeMismatch(PersistentVolumeClaim claim, PersistentVolume volume) {
        String claimMode = claim.getSpec().getVolumeMode() == null ? "Filesystem" : claim.getSpec().getVolumeMode();
        String volumeMode = volume.getSpec().getVolumeMode() == null ? "Filesystem" : volume.getSpec().getVolumeMode();
        return !claimMode.equals(volumeMode);
    }

    public static String phase(PersistentVolume volume) {
        return volume.getStatus() == null ? "" : Objects.requireNonNullElse(volume.getStatus().getPhase(), "");
    }

    /** The claim's storage request, 0 when it has none. */
    public static Quantity requestedStorage(PersistentVolumeClaim claim) {
        var resources = claim.getSpec().getResources();
        Quantity q = resources == null || resources.getRequests() == null ? null : resources.getRequests().get("storage");
        return q == null ? new Quantity("0") : q;
    }

    /** The volume's storage capacity, 0 when it has none. */
    public static Quantity capacity(PersistentVolume volume) {
        Quantity q = volume.getSpec().getCapacity() == null ? null : volume.getSpec().getCapacity().get("storage");
        return q == null ? new Quantity("0") : q;
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static Map<String, String> orEmpty(Map<String, String> map) {
        return map == null ? Map.of() : map;
    }
}
