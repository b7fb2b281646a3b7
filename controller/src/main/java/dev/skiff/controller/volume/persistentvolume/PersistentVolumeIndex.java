package dev.skiff.controller.volume.persistentvolume;

import dev.skiff.api.quantity.Quantities;
import dev.skiff.api.storage.volume.PersistentVolumes;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which volume a claim gets (upstream's index.go with the storage helpers it uses): volumes are
 * grouped by their set of access modes; the groups whose modes include all the claim's are tried
 * from the fewest modes up, and in the first group with a fit the smallest fitting Available volume
 * wins - same class, volume mode, capacity at least the request, labels matching the claim's
 * selector ({@link PersistentVolumes#findMatchingVolume}). A volume pre-bound to the claim
 * ({@code spec.claimRef} naming it) wins over any other.
 */
final class PersistentVolumeIndex {
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
            PersistentVolume match = PersistentVolumes.findMatchingVolume(claim, group, null, Set.of(), delayBinding);
            if (match != null) {
                return match;
            }
        }
        return null;
    }

    /** Why a volume the claim names in {@code spec.volumeName} cannot serve it, or null (upstream's checkVolumeSatisfyClaim). */
    static String unsatisfied(PersistentVolume volume, PersistentVolumeClaim claim) {
        if (volume.getMetadata().getDeletionTimestamp() != null) {
            return "the volume is marked for deletion \"" + volume.getMetadata().getName() + "\"";
        }
        if (Quantities.value(PersistentVolumes.capacity(volume)).compareTo(Quantities.value(PersistentVolumes.requestedStorage(claim))) < 0) {
            return "requested PV is too small";
        }
        if (!PersistentVolumes.volumeClass(volume).equals(PersistentVolumes.claimClass(claim))) {
            return "storageClassName does not match";
        }
        if (PersistentVolumes.volumeModeMismatch(claim, volume)) {
            return "incompatible volumeMode";
        }
        if (!PersistentVolumes.accessModesFit(claim, volume)) {
            return "incompatible accessMode";
        }
        return null;
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
