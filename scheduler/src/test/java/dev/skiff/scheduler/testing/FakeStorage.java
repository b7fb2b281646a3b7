package dev.skiff.scheduler.testing;

import dev.skiff.scheduler.framework.StorageAccess;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Claims, volumes and classes held in memory, for running VolumeBinding alone: updates check and
 * bump the resourceVersion as the API server does, and {@link #onVolumeUpdate} stands where the PV
 * controller reacts to a written volume.
 */
public final class FakeStorage implements StorageAccess {
    private final AtomicLong version = new AtomicLong(100);
    private final Map<String, PersistentVolumeClaim> claims = new ConcurrentHashMap<>();
    private final Map<String, PersistentVolume> volumes = new ConcurrentHashMap<>();
    private final Map<String, StorageClass> classes = new ConcurrentHashMap<>();
    public final List<HasMetadata> writes = new ArrayList<>();
    public volatile Consumer<PersistentVolume> onVolumeUpdate = v -> { };

    public FakeStorage add(HasMetadata obj) {
        obj.getMetadata().setResourceVersion(Long.toString(version.incrementAndGet()));
        switch (obj) {
            case PersistentVolumeClaim c -> claims.put(c.getMetadata().getNamespace() + "/" + c.getMetadata().getName(), c);
            case PersistentVolume v -> volumes.put(v.getMetadata().getName(), v);
            case StorageClass sc -> classes.put(sc.getMetadata().getName(), sc);
            default -> throw new IllegalArgumentException(obj.getKind());
        }
        return this;
    }

    @Override
    public PersistentVolumeClaim claim(String namespace, String name) {
        return claims.get(namespace + "/" + name);
    }

    @Override
    public PersistentVolume volume(String name) {
        return volumes.get(name);
    }

    @Override
    public List<PersistentVolume> volumes() {
        return List.copyOf(volumes.values());
    }

    @Override
    public StorageClass storageClass(String name) {
        return classes.get(name);
    }

    @Override
    public synchronized PersistentVolume updateVolume(PersistentVolume volume) {
        checkVersion(volume, volumes.get(volume.getMetadata().getName()));
        volume = new PersistentVolumeBuilder(volume).build();
        add(volume);
        writes.add(volume);
        onVolumeUpdate.accept(volume);
        return volume;
    }

    @Override
    public synchronized PersistentVolumeClaim updateClaim(PersistentVolumeClaim claim) {
        checkVersion(claim, claim(claim.getMetadata().getNamespace(), claim.getMetadata().getName()));
        claim = new PersistentVolumeClaimBuilder(claim).build();
        add(claim);
        writes.add(claim);
        return claim;
    }

    private static void checkVersion(HasMetadata sent, HasMetadata stored) {
        if (stored == null || !Objects.equals(sent.getMetadata().getResourceVersion(), stored.getMetadata().getResourceVersion())) {
            throw new IllegalStateException("Operation cannot be fulfilled on " + sent.getKind() + " \"" + sent.getMetadata().getName()
                    + "\": the object has been modified; please apply your changes to the latest version and try again");
        }
    }
}
