package dev.skiff.scheduler.framework;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.List;

/**
 * The storage objects volume plugins see and change, as upstream's handle gives them through its
 * SharedInformerFactory (the claims, volumes and classes the scheduler's informers hold) and its
 * ClientSet (the writes VolumeBinding makes in PreBind). {@link #NONE} is a cluster without any,
 * for schedulers run without an API server.
 */
public interface StorageAccess {
    /** The claim from the informer's cache, or null. */
    PersistentVolumeClaim claim(String namespace, String name);

    /** The volume from the informer's cache, or null. */
    PersistentVolume volume(String name);

    List<PersistentVolume> volumes();

    /** The class from the informer's cache, or null. */
    StorageClass storageClass(String name);

    /** Writes the volume through the API (an update: its resourceVersion must be current); returns what was stored. */
    PersistentVolume updateVolume(PersistentVolume volume);

    /** Writes the claim through the API, as {@link #updateVolume}. */
    PersistentVolumeClaim updateClaim(PersistentVolumeClaim claim);

    StorageAccess NONE = new StorageAccess() {
        @Override
        public PersistentVolumeClaim claim(String namespace, String name) {
            return null;
        }

        @Override
        public PersistentVolume volume(String name) {
            return null;
        }

        @Override
        public List<PersistentVolume> volumes() {
            return List.of();
        }

        @Override
        public StorageClass storageClass(String name) {
            return null;
        }

        @Override
        public PersistentVolume updateVolume(PersistentVolume volume) {
            throw new IllegalStateException("no API server to write persistentvolume \"" + volume.getMetadata().getName() + "\" to");
        }

        @Override
        public PersistentVolumeClaim updateClaim(PersistentVolumeClaim claim) {
            throw new IllegalStateException("no API server to write persistentvolumeclaim \"" + claim.getMetadata().getName() + "\" to");
        }
    };
}
