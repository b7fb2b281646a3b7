package dev.skiff.scheduler;

import dev.skiff.scheduler.framework.StorageAccess;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.util.List;

/** Claims, volumes and classes from the scheduler's informers; writes through the API server as updates (resourceVersion checked). */
public final class ApiServerStorage implements StorageAccess {
    private final KubernetesClient client;
    private final Lister<PersistentVolumeClaim> claims;
    private final Lister<PersistentVolume> volumes;
    private final Lister<StorageClass> classes;

    public ApiServerStorage(KubernetesClient client, SharedIndexInformer<PersistentVolumeClaim> claims,
                            SharedIndexInformer<PersistentVolume> volumes, SharedIndexInformer<StorageClass> classes) {
        this.client = client;
        this.claims = new Lister<>(claims.getIndexer());
        this.volumes = new Lister<>(volumes.getIndexer());
        this.classes = new Lister<>(classes.getIndexer());
    }

    @Override
    public PersistentVolumeClaim claim(String namespace, String name) {
        return claims.namespace(namespace).get(name);
    }

    @Override
    public PersistentVolume volume(String name) {
        return volumes.get(name);
    }

    @Override
    public List<PersistentVolume> volumes() {
        return volumes.list();
    }

    @Override
    public StorageClass storageClass(String name) {
        return classes.get(name);
    }

    @Override
    public PersistentVolume updateVolume(PersistentVolume volume) {
        return client.persistentVolumes().resource(volume).update();
    }

    @Override
    public PersistentVolumeClaim updateClaim(PersistentVolumeClaim claim) {
        return client.persistentVolumeClaims().inNamespace(claim.getMetadata().getNamespace()).resource(claim).update();
    }
}
