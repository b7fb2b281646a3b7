package dev.skiff.controller.volume.persistentvolume;

import dev.skiff.api.storage.volume.PersistentVolumes;
import dev.skiff.client.controller.Controller;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's PersistentVolume controller (pkg/controller/volume/persistentvolume, the
 * kube-controller-manager's "persistentvolume-binder"): binds each Pending claim to the best
 * matching Available volume ({@link PersistentVolumeIndex}) or to the volume it or a volume's
 * claimRef names, writing the volume first (spec.claimRef with the claim's UID, then phase Bound)
 * and the claim second (spec.volumeName, the bind-completed and bound-by-controller annotations,
 * then phase Bound with the volume's capacity and access modes); and when a bound claim is gone,
 * moves its volume to Released and applies the reclaim policy.
 * <p>
 * Differences from upstream: skiff has no volume plugins, so nothing is provisioned (a claim of a
 * class whose provisioner is in-tree gets ProvisioningFailed, one of an external provisioner the
 * storage-provisioner annotations and ExternalProvisioning, as upstream), reclaim policy Delete
 * deletes the PersistentVolume object but leaves the storage's contents in place, and Recycle fails
 * the volume (VolumeFailedRecycle). A claim of a WaitForFirstConsumer class stays Pending until the
 * scheduler's VolumeBinding pre-binds a volume to it (claimRef with the claim's UID), which this
 * controller then completes, or selects a node for provisioning (volume.kubernetes.io/selected-node).
 */
public final class PersistentVolumeController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PersistentVolumeController.class);
    public static final String NAME = "persistentvolume-binder";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, PersistentVolumeController::start);
    /** The events' source, as upstream's. */
    static final String COMPONENT = "persistentvolume-controller";
    /** Upstream's default --pvclaimbinder-sync-period: how often unbound claims are looked at again. */
    static final Duration SYNC_PERIOD = Duration.ofSeconds(15);
    static final String ANN_BIND_COMPLETED = PersistentVolumes.ANN_BIND_COMPLETED;
    static final String ANN_BOUND_BY_CONTROLLER = PersistentVolumes.ANN_BOUND_BY_CONTROLLER;
    static final String ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
    static final String ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
    static final String ANN_SELECTED_NODE = PersistentVolumes.ANN_SELECTED_NODE;

    private final KubernetesClient client;
    private final EventRecorder events;
    private final RateLimitingQueue<String> claimQueue;
    private final RateLimitingQueue<String> volumeQueue;
    private final Controller claimController;
    private final Controller volumeController;
    private final SharedIndexInformer<PersistentVolume> volumeInformer;
    private final SharedIndexInformer<PersistentVolumeClaim> claimInformer;
    private final SharedIndexInformer<StorageClass> classInformer;
    private final Lister<PersistentVolume> volumes;
    private final Lister<PersistentVolumeClaim> claims;
    private final Lister<StorageClass> classes;

    private PersistentVolumeController(ControllerContext context) {
        this.client = context.client();
        this.events = context.eventRecorder(COMPONENT);
        this.claimQueue = RateLimitingQueue.withDefaultRateLimiter(context.clock());
        this.volumeQueue = RateLimitingQueue.withDefaultRateLimiter(context.clock());
        this.claimController = new Controller(NAME + "-claims", this::syncClaim, claimQueue, 15);
        this.volumeController = new Controller(NAME + "-volumes", this::syncVolume, volumeQueue, 15);
        this.volumeInformer = context.informers().sharedIndexInformerFor(PersistentVolume.class, 0);
        this.claimInformer = context.informers().sharedIndexInformerFor(PersistentVolumeClaim.class, 0);
        this.classInformer = context.informers().sharedIndexInformerFor(StorageClass.class, 0);
        this.volumes = new Lister<>(volumeInformer.getIndexer());
        this.claims = new Lister<>(claimInformer.getIndexer());
        this.classes = new Lister<>(classInformer.getIndexer());
        volumeInformer.addEventHandler(handler(volumeController::enqueue, volume -> {
            // its claim has lost it (upstream's deleteVolume)
            var ref = volume.getSpec() == null ? null : volume.getSpec().getClaimRef();
            if (ref != null && ref.getName() != null) {
                claimQueue.add(ref.getNamespace() + "/" + ref.getName());
            }
        }));
        claimInformer.addEventHandler(handler(claimController::enqueue, claim -> {
            // the volume it was bound to is released (upstream's deleteClaim); a volume whose claimRef names it
            // without the claim naming the volume yet (half-bound) too, which upstream leaves to its periodic resync
            if (claim.getSpec() != null && claim.getSpec().getVolumeName() != null && !claim.getSpec().getVolumeName().isEmpty()) {
                volumeQueue.add(claim.getSpec().getVolumeName());
            }
            for (PersistentVolume volume : volumes.list()) {
                var ref = volume.getSpec().getClaimRef();
                if (ref != null && Objects.equals(ref.getUid(), claim.getMetadata().getUid())) {
                    volumeQueue.add(volume.getMetadata().getName());
                }
            }
        }));
    }

    /** A handler that queues added and updated objects and hands deleted ones to {@code deleted}. */
    private static <T> ResourceEventHandler<T> handler(Consumer<T> enqueue, Consumer<T> deleted) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                enqueue.accept(obj);
            }

            @Override
            public void onUpdate(T old, T obj) {
                enqueue.accept(obj);
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
                deleted.accept(obj);
            }
        };
    }

    static AutoCloseable start(ControllerContext context) {
        var ctrl = new PersistentVolumeController(context);
        List<SharedIndexInformer<?>> informers = List.of(ctrl.volumeInformer, ctrl.claimInformer, ctrl.classInformer);
        context.runWhenSynced(ctrl.volumeController, informers);
        context.runWhenSynced(ctrl.claimController, informers);
        return ctrl;
    }

    // --- claims

    void syncClaim(String key) {
        var k = Controller.ObjectKey.parse(key);
        PersistentVolumeClaim claim = claims.namespace(k.namespace()).get(k.name());
        if (claim == null) {
            return;
        }
        if (annotations(claim).containsKey(ANN_BIND_COMPLETED)) {
            syncBoundClaim(claim);
        } else {
            syncUnboundClaim(claim);
            if (!"Bound".equals(claimPhase(claims.namespace(k.namespace()).get(k.name())))) {
                claimQueue.addAfter(key, SYNC_PERIOD); // upstream's periodic resync of claims
            }
        }
    }

    private void syncUnboundClaim(PersistentVolumeClaim claim) {
        String volumeName = claim.getSpec().getVolumeName();
        if (volumeName == null || volumeName.isEmpty()) {
            boolean delayBinding = delayBinding(claim);
            PersistentVolume volume = PersistentVolumeIndex.findBestMatch(volumes.list(), claim, delayBinding);
            if (volume != null) {
                bind(volume, claim);
                return;
            }
            String className = PersistentVolumes.claimClass(claim);
            if (delayBinding && !annotations(claim).containsKey(ANN_SELECTED_NODE)) {
                events.event(claim, EventRecorder.NORMAL, "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
            } else if (!className.isEmpty()) {
                provisionClaim(claim, className);
                return;
            } else {
                events.event(claim, EventRecorder.NORMAL, "FailedBinding",
                        "no persistent volumes available for this claim and no storage class is set");
            }
            updateClaimStatus(claim, "Pending", null);
            return;
        }
        PersistentVolume volume = volumes.get(volumeName);
        if (volume == null) {
            updateClaimStatus(claim, "Pending", null); // the named volume may still come
        } else if (volume.getSpec().getClaimRef() == null) {
            String mismatch = PersistentVolumeIndex.unsatisfied(volume, claim);
            if (mismatch != null) {
                events.event(claim, EventRecorder.WARNING, "VolumeMismatch",
                        "Cannot bind to requested volume \"" + volumeName + "\": " + mismatch);
                updateClaimStatus(claim, "Pending", null);
            } else {
                bind(volume, claim);
            }
        } else if (PersistentVolumes.isBoundToClaim(volume, claim)) {
            bind(volume, claim);
        } else {
            events.event(claim, EventRecorder.WARNING, "FailedBinding", "volume \"" + volumeName + "\" already bound to a different claim.");
            if (annotations(claim).containsKey(ANN_BOUND_BY_CONTROLLER)) {
                throw new IllegalStateException("invalid binding of claim \"" + key(claim) + "\" to volume \"" + volumeName
                        + "\": volume already claimed by \"" + volume.getSpec().getClaimRef().getNamespace() + "/"
                        + volume.getSpec().getClaimRef().getName() + "\"");
            }
            updateClaimStatus(claim, "Pending", null);
        }
    }

    private void syncBoundClaim(PersistentVolumeClaim claim) {
        String volumeName = claim.getSpec().getVolumeName();
        if (volumeName == null || volumeName.isEmpty()) {
            claimLost(claim, "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!");
            return;
        }
        PersistentVolume volume = volumes.get(volumeName);
        if (volume == null) {
            claimLost(claim, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
        } else if (volume.getSpec().getClaimRef() == null
                || Objects.equals(volume.getSpec().getClaimRef().getUid(), claim.getMetadata().getUid())) {
            bind(volume, claim); // re-binds a volume that came unbound; a no-op when all is written
        } else {
            claimLost(claim, "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly");
        }
    }

    /** Whether the claim's class binds on the first consumer (upstream's IsDelayBindingMode); a missing class does not. */
    private boolean delayBinding(PersistentVolumeClaim claim) {
        return PersistentVolumes.isDelayBindingMode(claim, classes::get);
    }

    /**
     * No volume fits a claim of a class: upstream would provision one. skiff has no in-tree
     * provisioners, so an unknown class or a {@code kubernetes.io/} provisioner is ProvisioningFailed,
     * and any other provisioner is left to that external provisioner (the claim is annotated with it).
     */
    private void provisionClaim(PersistentVolumeClaim claim, String className) {
        StorageClass sc = classes.get(className);
        if (sc == null) {
            events.event(claim, EventRecorder.WARNING, "ProvisioningFailed", "storageclass.storage.k8s.io \"" + className + "\" not found");
            return;
        }
        String provisioner = Objects.requireNonNullElse(sc.getProvisioner(), "");
        if (provisioner.startsWith("kubernetes.io/")) {
            events.event(claim, EventRecorder.WARNING, "ProvisioningFailed", "no volume plugin matched name: " + provisioner);
            return;
        }
        Map<String, String> ann = annotations(claim);
        if (!provisioner.equals(ann.get(ANN_STORAGE_PROVISIONER)) || !provisioner.equals(ann.get(ANN_BETA_STORAGE_PROVISIONER))) {
            var updated = new PersistentVolumeClaimBuilder(claim).editMetadata().addToAnnotations(ANN_STORAGE_PROVISIONER, provisioner)
                    .addToAnnotations(ANN_BETA_STORAGE_PROVISIONER, provisioner).endMetadata().build();
            client.persistentVolumeClaims().inNamespace(claim.getMetadata().getNamespace()).resource(updated).update();
        }
        events.event(claim, EventRecorder.NORMAL, "ExternalProvisioning", "Waiting for a volume to be created either by the external provisioner '"
                + provisioner + "' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner"
                + " is running and correctly registered.");
    }

    private void claimLost(PersistentVolumeClaim claim, String reason, String message) {
        if ("Lost".equals(claimPhase(claim))) {
            return;
        }
        PersistentVolumeClaim updated = updateClaimStatus(claim, "Lost", null);
        events.event(updated, EventRecorder.WARNING, reason, message);
    }

    // --- binding

    /** Writes the binding: the volume's claimRef, the volume Bound, the claim's volumeName and annotations, the claim Bound. */
    private void bind(PersistentVolume volume, PersistentVolumeClaim claim) {
        volume = bindVolumeToClaim(volume, claim);
        volume = updateVolumePhase(volume, "Bound", null);
        claim = bindClaimToVolume(claim, volume);
        updateClaimStatus(claim, "Bound", volume);
    }

    private PersistentVolume bindVolumeToClaim(PersistentVolume volume, PersistentVolumeClaim claim) {
        PersistentVolume bound = PersistentVolumes.bindVolumeToClaim(volume, claim);
        if (bound == null) {
            return volume;
        }
        // an update with the cached resourceVersion: of two claims racing for the volume only the first write succeeds
        PersistentVolume updated = client.persistentVolumes().resource(bound).update();
        LOG.info("claim {} bound to volume {}", key(claim), volume.getMetadata().getName());
        return updated;
    }

    private PersistentVolumeClaim bindClaimToVolume(PersistentVolumeClaim claim, PersistentVolume volume) {
        String volumeName = volume.getMetadata().getName();
        Map<String, String> ann = new HashMap<>(annotations(claim));
        boolean dirty = false;
        var builder = new PersistentVolumeClaimBuilder(claim);
        if (!volumeName.equals(claim.getSpec().getVolumeName())) {
            builder.editSpec().withVolumeName(volumeName).endSpec();
            ann.putIfAbsent(ANN_BOUND_BY_CONTROLLER, "yes");
            dirty = true;
        }
        if (!ann.containsKey(ANN_BIND_COMPLETED)) {
            ann.put(ANN_BIND_COMPLETED, "yes");
            dirty = true;
        }
        if (!dirty) {
            return claim;
        }
        var updated = builder.editMetadata().withAnnotations(ann).endMetadata().build();
        return client.persistentVolumeClaims().inNamespace(claim.getMetadata().getNamespace()).resource(updated).update();
    }

    /** Sets the claim's phase; a Bound claim gets the volume's access modes, and its capacity when it becomes Bound (upstream's updateClaimStatus). */
    private PersistentVolumeClaim updateClaimStatus(PersistentVolumeClaim claim, String phase, PersistentVolume volume) {
        var status = claim.getStatus() == null ? new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatus() : claim.getStatus();
        boolean dirty = !phase.equals(status.getPhase());
        var builder = new PersistentVolumeClaimBuilder(claim).editOrNewStatus().withPhase(phase).endStatus();
        if (volume == null) {
            if (status.getAccessModes() != null && !status.getAccessModes().isEmpty() || status.getCapacity() != null && !status.getCapacity().isEmpty()) {
                builder.editStatus().withAccessModes((List<String>) null).withCapacity(null).endStatus();
                dirty = true;
            }
        } else {
            if (!Objects.equals(status.getAccessModes(), volume.getSpec().getAccessModes())) {
                builder.editStatus().withAccessModes(volume.getSpec().getAccessModes()).endStatus();
                dirty = true;
            }
            if (!phase.equals(status.getPhase())) {
                builder.editStatus().withCapacity(volume.getSpec().getCapacity()).endStatus();
                dirty = true;
            }
        }
        if (!dirty) {
            return claim;
        }
        return client.persistentVolumeClaims().inNamespace(claim.getMetadata().getNamespace()).resource(builder.build()).updateStatus();
    }

    private PersistentVolume updateVolumePhase(PersistentVolume volume, String phase, String message) {
        if (phase.equals(PersistentVolumes.phase(volume))) {
            return volume;
        }
        var updated = new PersistentVolumeBuilder(volume).editOrNewStatus().withPhase(phase).withMessage(message).endStatus().build();
        return client.persistentVolumes().resource(updated).updateStatus();
    }

    // --- volumes

    void syncVolume(String name) {
        PersistentVolume volume = volumes.get(name);
        if (volume == null) {
            return;
        }
        var ref = volume.getSpec().getClaimRef();
        if (ref == null || ref.getUid() == null || ref.getUid().isEmpty()) {
            // unused, or reserved for a claim that has not bound yet: the claim's sync binds it
            boolean becameAvailable = !"Available".equals(PersistentVolumes.phase(volume));
            updateVolumePhase(volume, "Available", null);
            if (becameAvailable) {
                enqueueUnboundClaims();
            }
            return;
        }
        PersistentVolumeClaim claim = claimOf(volume);
        if (claim == null) {
            if (!"Released".equals(PersistentVolumes.phase(volume)) && !"Failed".equals(PersistentVolumes.phase(volume))) {
                LOG.info("volume {} is released, reclaim policy {}", name, volume.getSpec().getPersistentVolumeReclaimPolicy());
                volume = updateVolumePhase(volume, "Released", null);
            }
            reclaimVolume(volume);
        } else if (claim.getSpec().getVolumeName() == null || claim.getSpec().getVolumeName().isEmpty()) {
            if (PersistentVolumes.volumeModeMismatch(claim, volume)) {
                events.event(volume, EventRecorder.WARNING, "VolumeMismatch", "Cannot bind PersistentVolume to requested PersistentVolumeClaim \""
                        + claim.getMetadata().getName() + "\" due to incompatible volumeMode.");
                events.event(claim, EventRecorder.WARNING, "VolumeMismatch", "Cannot bind PersistentVolume \"" + name
                        + "\" to requested PersistentVolumeClaim due to incompatible volumeMode.");
                return;
            }
            claimQueue.add(key(claim)); // the binding is half written: the claim's sync finishes it
        } else if (claim.getSpec().getVolumeName().equals(name)) {
            updateVolumePhase(volume, "Bound", null);
        } else {
            unbindVolume(volume); // the claim went to another volume
        }
    }

    /** The claim the volume's claimRef names with the same UID, from the cache or else the API; null when it is gone. */
    private PersistentVolumeClaim claimOf(PersistentVolume volume) {
        var ref = volume.getSpec().getClaimRef();
        PersistentVolumeClaim claim = claims.namespace(ref.getNamespace()).get(ref.getName());
        String phase = PersistentVolumes.phase(volume);
        boolean recheck = claim == null ? !"Released".equals(phase) && !"Failed".equals(phase)
                : !Objects.equals(claim.getMetadata().getUid(), ref.getUid());
        if (recheck) {
            // the cache may lag a claim just created or re-created: ask the API before reclaiming anything
            claim = client.persistentVolumeClaims().inNamespace(ref.getNamespace()).withName(ref.getName()).get();
        }
        return claim != null && Objects.equals(claim.getMetadata().getUid(), ref.getUid()) ? claim : null;
    }

    /** Rolls a binding back: a volume the controller bound loses its claimRef, a pre-bound one only the UID. */
    private void unbindVolume(PersistentVolume volume) {
        var builder = new PersistentVolumeBuilder(volume);
        if (annotations(volume).containsKey(ANN_BOUND_BY_CONTROLLER)) {
            builder.editSpec().withClaimRef(null).endSpec().editMetadata().removeFromAnnotations(ANN_BOUND_BY_CONTROLLER).endMetadata();
        } else {
            builder.editSpec().editClaimRef().withUid(null).endClaimRef().endSpec();
        }
        PersistentVolume updated = client.persistentVolumes().resource(builder.build()).update();
        updateVolumePhase(updated, "Available", null);
    }

    /** Applies the released volume's reclaim policy (upstream's reclaimVolume). */
    private void reclaimVolume(PersistentVolume volume) {
        String policy = Objects.requireNonNullElse(volume.getSpec().getPersistentVolumeReclaimPolicy(), "");
        switch (policy) {
            case "Retain" -> LOG.debug("volume {} released, policy Retain: kept", volume.getMetadata().getName());
            case "Delete" -> deleteVolume(volume);
            case "Recycle" -> volumePhaseWithEvent(volume, "Failed", "VolumeFailedRecycle", "No recycler plugin found for the volume!");
            default -> volumePhaseWithEvent(volume, "Failed", "VolumeUnknownReclaimPolicy", "Volume has unrecognized PersistentVolumeReclaimPolicy");
        }
    }

    /** Deletes the PersistentVolume object once the API confirms its claim is still gone; the storage itself is not touched. */
    private void deleteVolume(PersistentVolume volume) {
        PersistentVolume current = client.persistentVolumes().withName(volume.getMetadata().getName()).get();
        if (current == null || current.getMetadata().getDeletionTimestamp() != null || current.getSpec().getClaimRef() == null
                || !Objects.equals(current.getMetadata().getUid(), volume.getMetadata().getUid()) || claimOf(current) != null) {
            return;
        }
        try {
            client.persistentVolumes().withName(volume.getMetadata().getName()).delete();
            LOG.info("volume {} deleted: released with reclaim policy Delete", volume.getMetadata().getName());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private void volumePhaseWithEvent(PersistentVolume volume, String phase, String reason, String message) {
        if (phase.equals(PersistentVolumes.phase(volume))) {
            return;
        }
        PersistentVolume updated = updateVolumePhase(volume, phase, message);
        events.event(updated, EventRecorder.WARNING, reason, message);
    }

    private void enqueueUnboundClaims() {
        for (PersistentVolumeClaim claim : claims.list()) {
            if (!annotations(claim).containsKey(ANN_BIND_COMPLETED)) {
                claimQueue.add(key(claim));
            }
        }
    }

    private static String claimPhase(PersistentVolumeClaim claim) {
        return claim == null || claim.getStatus() == null ? "" : Objects.requireNonNullElse(claim.getStatus().getPhase(), "");
    }

    private static Map<String, String> annotations(io.fabric8.kubernetes.api.model.HasMetadata obj) {
        return obj.getMetadata().getAnnotations() == null ? Map.of() : obj.getMetadata().getAnnotations();
    }

    private static String key(PersistentVolumeClaim claim) {
        return Cache.metaNamespaceKeyFunc(claim);
    }

    @Override
    public void close() throws Exception {
        claimController.close();
        volumeController.close();
        events.close();
    }
}
