package dev.skiff.controller.volume.persistentvolume;

import dev.skiff.api.quantity.Quantities;
import dev.skiff.api.selector.LabelSelector;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which volume a claim gets (upstream's index.go with the storage helpers it uses): volumes are
 * grouped by their set of access modes; the groups whose modes include all the claim's are tried
 * from the fewest modes up, and in the first group with a fit the smallest fitting Available volume
 * wins - same class, volume mode, capacity at least the request, labels matching the claim's
 * selector. A volume pre-bound to the claim ({@code spec.claimRef} naming it) wins over any other.
 */
final class PersistentVolumeIndex {
    static final String BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";

    private PersistentVolumeIndex() {
    }

    /**
     * The best volume for the claim, or null (upstream's findBestMatchForClaim). With
     * {@code delayBinding} (WaitForFirstConsumer) only a volume pre-bound to the claim is returned:
     * the scheduler chooses the others.
     */
    static PersistentVolume findBestMatch(Collection<PersistentVolume> volumes, PersistentVolumeClaim claim, boolean delayBinding) {
        Set<String> wanted = new TreeSet<>(orEmpty(claim.getSpec().getAccessModes()));
        Map<String, List<PersistentVolume>> byModes = new TreeMap<>();
        for (PersistentVolume v : volumes) {
            Set<String> modes = new TreeSet<>(orEmpty(v.getSpec().getAccessModes()));
            if (modes.containsAll(wanted)) {
                byModes.computeIfAbsent(String.join(",", modes), k -> new ArrayList<>()).add(v);
            }
        }
        List<List<PersistentVolume>> groups = new ArrayList<>(byModes.values());
        groups.sort(Comparator.comparingInt(g -> orEmpty(g.getFirst().getSpec().getAccessModes()).size()));
        for (List<PersistentVolume> group : groups) {
            PersistentVolume match = findMatchingVolume(claim, group, delayBinding);
            if (match != null) {
                return match;
            }
        }
        return null;
    }

    /** Upstream's FindMatchingVolume within one access-mode group. */
    private static PersistentVolume findMatchingVolume(PersistentVolumeClaim claim, List<PersistentVolume> volumes, boolean delayBinding) {
        Quantity requested = requestedStorage(claim);
        String requestedClass = claimClass(claim);
        LabelSelector selector = claim.getSpec().getSelector() == null ? null : LabelSelector.from(claim.getSpec().getSelector());
        PersistentVolume smallest = null;
        for (PersistentVolume volume : volumes) {
            Quantity capacity = capacity(volume);
            if (Quantities.compare(capacity, requested) < 0 || volumeModeMismatch(claim, volume)
                    || volume.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            if (isBoundToClaim(volume, claim)) {
                return volume;
            }
            if (delayBinding) {
                continue;
            }
            if (!"Available".equals(phase(volume)) || volume.getSpec().getClaimRef() != null
                    || selector != null && !selector.matches(orEmpty(volume.getMetadata().getLabels()))
                    || !volumeClass(volume).equals(requestedClass)) {
                continue;
            }
            if (smallest == null || Quantities.compare(capacity(smallest), capacity) > 0) {
                smallest = volume;
            }
        }
        return smallest;
    }

    /** Why a volume the claim names in {@code spec.volumeName} cannot serve it, or null (upstream's checkVolumeSatisfyClaim). */
    static String unsatisfied(PersistentVolume volume, PersistentVolumeClaim claim) {
        if (volume.getMetadata().getDeletionTimestamp() != null) {
            return "the volume is marked for deletion \"" + volume.getMetadata().getName() + "\"";
        }
        if (Quantities.value(capacity(volume)).compareTo(Quantities.value(requestedStorage(claim))) < 0) {
            return "requested PV is too small";
        }
        if (!volumeClass(volume).equals(claimClass(claim))) {
            return "storageClassName does not match";
        }
        if (volumeModeMismatch(claim, volume)) {
            return "incompatible volumeMode";
        }
        if (!orEmpty(volume.getSpec().getAccessModes()).containsAll(orEmpty(claim.getSpec().getAccessModes()))) {
            return "incompatible accessMode";
        }
        return null;
    }

    /** Whether the volume's claimRef names the claim, with its UID or without one (upstream's IsVolumeBoundToClaim). */
    static boolean isBoundToClaim(PersistentVolume volume, PersistentVolumeClaim claim) {
        var ref = volume.getSpec().getClaimRef();
        if (ref == null || !Objects.equals(ref.getName(), claim.getMetadata().getName())
                || !Objects.equals(ref.getNamespace(), claim.getMetadata().getNamespace())) {
            return false;
        }
        return ref.getUid() == null || ref.getUid().isEmpty() || ref.getUid().equals(claim.getMetadata().getUid());
    }

    /** The claim's class: the beta annotation, else spec.storageClassName, else "" (upstream's GetPersistentVolumeClaimClass). */
    static String claimClass(PersistentVolumeClaim claim) {
        String beta = orEmpty(claim.getMetadata().getAnnotations()).get(BETA_STORAGE_CLASS);
        if (beta != null) {
            return beta;
        }
        return claim.getSpec().getStorageClassName() == null ? "" : claim.getSpec().getStorageClassName();
    }

    /** The volume's class, read the same way (upstream's GetPersistentVolumeClass). */
    static String volumeClass(PersistentVolume volume) {
        String beta = orEmpty(volume.getMetadata().getAnnotations()).get(BETA_STORAGE_CLASS);
        if (beta != null) {
            return beta;
        }
        return volume.getSpec().getStorageClassName() == null ? "" : volume.getSpec().getStorageClassName();
    }

    /** Whether claim and volume differ in volume mode, an unset mode being Filesystem (upstream's CheckVolumeModeMismatches). */
    static boolean volumeModeMismatch(PersistentVolumeClaim claim, PersistentVolume volume) {
        String claimMode = claim.getSpec().getVolumeMode() == null ? "Filesystem" : claim.getSpec().getVolumeMode();
        String volumeMode = volume.getSpec().getVolumeMode() == null ? "Filesystem" : volume.getSpec().getVolumeMode();
        return !claimMode.equals(volumeMode);
    }

    static String phase(PersistentVolume volume) {
        return volume.getStatus() == null ? "" : Objects.requireNonNullElse(volume.getStatus().getPhase(), "");
    }

    private static Quantity requestedStorage(PersistentVolumeClaim claim) {
        var resources = claim.getSpec().getResources();
        Quantity q = resources == null || resources.getRequests() == null ? null : resources.getRequests().get("storage");
        return q == null ? new Quantity("0") : q;
    }

    private static Quantity capacity(PersistentVolume volume) {
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
