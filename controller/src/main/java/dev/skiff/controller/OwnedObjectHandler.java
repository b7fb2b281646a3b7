package dev.skiff.controller;

import dev.skiff.api.selector.LabelSelector;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The informer handler every workload controller puts on the objects it owns (upstream's
 * addPod/updatePod/deletePod in the ReplicaSet, StatefulSet and DaemonSet controllers): an owned
 * object's event queues its controller (resolved by kind, name and uid), and counts against the
 * controller's expectations when it has them; an orphan's creation or relabelling queues every
 * controller whose selector matches it, so one of them can adopt it; an object changing controller
 * queues both.
 */
public final class OwnedObjectHandler<C extends HasMetadata, O extends HasMetadata> implements ResourceEventHandler<C> {
    private final String kind;
    private final Lister<O> owners;
    private final Function<O, LabelSelector> selector;
    private final Consumer<String> enqueue;
    private final ControllerExpectations expectations;

    /** {@code expectations} may be null for a controller that keeps none (the StatefulSet controller). */
    public OwnedObjectHandler(String kind, Lister<O> owners, Function<O, LabelSelector> selector, Consumer<String> enqueue,
                              ControllerExpectations expectations) {
        this.kind = kind;
        this.owners = owners;
        this.selector = selector;
        this.enqueue = enqueue;
        this.expectations = expectations;
    }

    /** The live controller of {@code obj}: its controller reference names an owner of this kind that still exists with that uid. */
    public O controllerOf(C obj) {
        OwnerReference ref = ControllerRefManager.controllerRef(obj);
        if (ref == null || !kind.equals(ref.getKind())) {
            return null;
        }
        O owner = owners.namespace(obj.getMetadata().getNamespace()).get(ref.getName());
        return owner != null && owner.getMetadata().getUid().equals(ref.getUid()) ? owner : null;
    }

    @Override
    public void onAdd(C obj) {
        if (obj.getMetadata().getDeletionTimestamp() != null) {
            onDelete(obj, false); // a restarted controller sees an object pending deletion
            return;
        }
        O owner = controllerOf(obj);
        if (owner != null) {
            String key = Cache.metaNamespaceKeyFunc(owner);
            if (expectations != null) {
                expectations.creationObserved(key);
            }
            enqueue.accept(key);
        } else {
            enqueueSelecting(obj);
        }
    }

    @Override
    public void onUpdate(C oldObj, C newObj) {
        if (Objects.equals(oldObj.getMetadata().getResourceVersion(), newObj.getMetadata().getResourceVersion())) {
            return;
        }
        if (expectations != null && newObj.getMetadata().getDeletionTimestamp() != null && oldObj.getMetadata().getDeletionTimestamp() == null) {
            O owner = controllerOf(newObj);
            if (owner != null) {
                expectations.deletionObserved(Cache.metaNamespaceKeyFunc(owner));
            }
        }
        O oldOwner = controllerOf(oldObj);
        O owner = controllerOf(newObj);
        if (oldOwner != null && (owner == null || !owner.getMetadata().getUid().equals(oldOwner.getMetadata().getUid()))) {
            enqueue.accept(Cache.metaNamespaceKeyFunc(oldOwner));
        }
        if (owner != null) {
            enqueue.accept(Cache.metaNamespaceKeyFunc(owner));
        } else if (!Objects.equals(oldObj.getMetadata().getLabels(), newObj.getMetadata().getLabels()) || oldOwner != null) {
            enqueueSelecting(newObj);
        }
    }

    @Override
    public void onDelete(C obj, boolean finalStateUnknown) {
        O owner = controllerOf(obj);
        if (owner != null) {
            String key = Cache.metaNamespaceKeyFunc(owner);
            if (expectations != null) {
                expectations.deletionObserved(key);
            }
            enqueue.accept(key);
        }
    }

    private void enqueueSelecting(C obj) {
        Map<String, String> labels = obj.getMetadata().getLabels() == null ? Map.of() : obj.getMetadata().getLabels();
        for (O owner : owners.namespace(obj.getMetadata().getNamespace()).list()) {
            if (selector.apply(owner).matches(labels)) {
                enqueue.accept(Cache.metaNamespaceKeyFunc(owner));
            }
        }
    }
}
