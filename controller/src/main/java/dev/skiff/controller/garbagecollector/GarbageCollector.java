package dev.skiff.controller.garbagecollector;

import dev.skiff.client.controller.Controller;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's garbage collector (pkg/controller/garbagecollector), over the resources whose objects
 * carry owner references in practice: a dependent whose owners are all gone (absent, or present with
 * another uid) is deleted; one whose remaining owners are being deleted in the foreground is deleted in
 * the foreground; references to owners that are gone are dropped when other owners remain. An owner
 * being deleted with the {@code orphan} finalizer has its dependents' references to it removed, with
 * {@code foregroundDeletion} its blocking dependents deleted first; then the finalizer goes and the API
 * server removes the owner. Every decision to delete re-reads the owner from the API server, as
 * upstream does, so a stale cache never deletes a dependent of a live owner.
 */
public final class GarbageCollector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);
    public static final String NAME = "garbage-collector";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, GarbageCollector::start);
    static final String ORPHAN = "orphan";
    static final String FOREGROUND = "foregroundDeletion";
    private static final String BY_OWNER = "byOwnerUid";

    /** The monitored resources: the kinds that own or are owned in a cluster (upstream monitors every deletable resource). */
    static final List<Class<? extends HasMetadata>> MONITORED = List.of(Pod.class, ReplicaSet.class, Deployment.class, StatefulSet.class,
            DaemonSet.class, ControllerRevision.class, Job.class, CronJob.class, ReplicationController.class, Service.class, Endpoints.class,
            EndpointSlice.class, ConfigMap.class, Secret.class, ServiceAccount.class, PersistentVolumeClaim.class, PodTemplate.class,
            Lease.class, Node.class);

    /** Owner kinds that are cluster-scoped (a namespaced dependent's owner is otherwise in its namespace). */
    static final java.util.Set<String> CLUSTER_SCOPED_KINDS = java.util.Set.of("Node", "Namespace", "PersistentVolume", "StorageClass",
            "PriorityClass", "ClusterRole", "ClusterRoleBinding", "IngressClass", "CSIDriver", "CSINode", "VolumeAttachment");

    private final KubernetesClient client;
    private final Map<String, SharedIndexInformer<? extends HasMetadata>> byKind = new LinkedHashMap<>();
    private final RateLimitingQueue<String> queue;
    private final Controller controller;

    private GarbageCollector(ControllerContext context) {
        this.client = context.client();
        this.queue = RateLimitingQueue.withDefaultRateLimiter(context.clock());
        this.controller = new Controller(NAME, this::sync, queue, 15);
        for (Class<? extends HasMetadata> type : MONITORED) {
            // upstream monitors what discovery lists; a kind the server does not serve has no objects to collect
            if (client.supports(type)) {
                register(context, type);
            } else {
                LOG.info("not monitoring {}: the server does not serve it", HasMetadata.getKind(type));
            }
        }
    }

    private <T extends HasMetadata> void register(ControllerContext context, Class<T> type) {
        SharedIndexInformer<T> informer = context.informers().sharedIndexInformerFor(type, 0);
        informer.addIndexers(Map.of(BY_OWNER, o -> o.getMetadata().getOwnerReferences() == null ? List.of()
                : o.getMetadata().getOwnerReferences().stream().map(OwnerReference::getUid).toList()));
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                changed(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                changed(newObj);
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
                // its dependents may now be garbage; a foreground-deleting owner may now be free to go
                enqueueDependents(obj);
                enqueueOwners(obj);
            }
        });
        byKind.put(kindKey(HasMetadata.getApiVersion(type), HasMetadata.getKind(type)), informer);
    }

    static AutoCloseable start(ControllerContext context) {
        var gc = new GarbageCollector(context);
        context.runWhenSynced(gc.controller, List.copyOf(gc.byKind.values()));
        return gc;
    }

    private void changed(HasMetadata obj) {
        var meta = obj.getMetadata();
        boolean owned = meta.getOwnerReferences() != null && !meta.getOwnerReferences().isEmpty();
        boolean deletingOwner = meta.getDeletionTimestamp() != null && meta.getFinalizers() != null
                && (meta.getFinalizers().contains(ORPHAN) || meta.getFinalizers().contains(FOREGROUND));
        if (owned || deletingOwner) {
            queue.add(key(obj));
        }
        if (meta.getDeletionTimestamp() != null) {
            enqueueOwners(obj);
        }
    }

    private void enqueueDependents(HasMetadata owner) {
        for (SharedIndexInformer<? extends HasMetadata> informer : byKind.values()) {
            for (HasMetadata dependent : informer.getIndexer().byIndex(BY_OWNER, owner.getMetadata().getUid())) {
                queue.add(key(dependent));
            }
        }
    }

    private void enqueueOwners(HasMetadata dependent) {
        if (dependent.getMetadata().getOwnerReferences() == null) {
            return;
        }
        for (OwnerReference ref : dependent.getMetadata().getOwnerReferences()) {
            String kind = kindKey(ref.getApiVersion(), ref.getKind());
            if (byKind.containsKey(kind)) {
                queue.add(kind + "|" + (isNamespacedKind(ref) ? Objects.requireNonNullElse(dependent.getMetadata().getNamespace(), "") : "")
                        + "|" + ref.getName());
            }
        }
    }

    // --- sync

    void sync(String key) {
        String[] parts = key.split("\\|", -1);
        SharedIndexInformer<? extends HasMetadata> informer = byKind.get(parts[0]);
        if (informer == null) {
            return;
        }
        HasMetadata obj = informer.getIndexer().getByKey(parts[1].isEmpty() ? parts[2] : parts[1] + "/" + parts[2]);
        if (obj == null) {
            return;
        }
        var meta = obj.getMetadata();
        if (meta.getDeletionTimestamp() != null && meta.getFinalizers() != null) {
            if (meta.getFinalizers().contains(ORPHAN)) {
                orphanDependents(obj);
            } else if (meta.getFinalizers().contains(FOREGROUND)) {
                deleteDependentsFirst(obj);
            }
        }
        if (meta.getOwnerReferences() != null && !meta.getOwnerReferences().isEmpty()) {
            attemptToDelete(obj);
        }
    }

    private enum OwnerState { SOLID, GONE, WAITING_FOR_DEPENDENTS }

    private void attemptToDelete(HasMetadata dependent) {
        List<OwnerReference> solid = new ArrayList<>();
        List<OwnerReference> gone = new ArrayList<>();
        List<OwnerReference> waiting = new ArrayList<>();
        for (OwnerReference ref : dependent.getMetadata().getOwnerReferences()) {
            switch (ownerState(dependent, ref)) {
                case SOLID -> solid.add(ref);
                case GONE -> gone.add(ref);
                case WAITING_FOR_DEPENDENTS -> waiting.add(ref);
            }
        }
        if (!solid.isEmpty()) {
            List<OwnerReference> drop = new ArrayList<>(gone);
            waiting.stream().filter(r -> Boolean.TRUE.equals(r.getBlockOwnerDeletion())).forEach(drop::add);
            if (!drop.isEmpty()) {
                removeOwnerReferences(dependent, drop.stream().map(OwnerReference::getUid).toList());
            }
            return;
        }
        if (dependent.getMetadata().getDeletionTimestamp() != null) {
            return; // already going
        }
        String policy = !waiting.isEmpty() ? "Foreground" : "Background";
        LOG.debug("deleting dependent {} {}/{} (owners gone: {}, waiting: {}) propagation={}", dependent.getKind(),
                dependent.getMetadata().getNamespace(), dependent.getMetadata().getName(), gone.size(), waiting.size(), policy);
        delete(dependent, policy);
    }

    /** Whether an owner exists with the referenced uid (read live from the API server, not the cache), and whether it waits for its dependents. */
    private OwnerState ownerState(HasMetadata dependent, OwnerReference ref) {
        // the cache answers for a live owner; absence or a different uid is confirmed with the API server
        var cached = byKind.get(kindKey(ref.getApiVersion(), ref.getKind()));
        if (cached != null) {
            String ns = dependent.getMetadata().getNamespace();
            HasMetadata owner = cached.getIndexer().getByKey(isNamespacedKind(ref) && ns != null ? ns + "/" + ref.getName() : ref.getName());
            if (owner != null && ref.getUid().equals(owner.getMetadata().getUid())) {
                return state(owner);
            }
        }
        HasMetadata owner;
        try {
            var resource = client.genericKubernetesResources(ref.getApiVersion(), ref.getKind());
            String ns = dependent.getMetadata().getNamespace();
            owner = isNamespacedKind(ref) && ns != null ? resource.inNamespace(ns).withName(ref.getName()).get()
                    : resource.withName(ref.getName()).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return OwnerState.GONE; // no such kind or object
            }
            throw e;
        }
        if (owner == null || !ref.getUid().equals(owner.getMetadata().getUid())) {
            return OwnerState.GONE;
        }
        return state(owner);
    }

    private static OwnerState state(HasMetadata owner) {
        var meta = owner.getMetadata();
        if (meta.getDeletionTimestamp() != null && meta.getFinalizers() != null && meta.getFinalizers().contains(FOREGROUND)) {
            return OwnerState.WAITING_FOR_DEPENDENTS;
        }
        return OwnerState.SOLID;
    }

    private static boolean isNamespacedKind(OwnerReference ref) {
        return !CLUSTER_SCOPED_KINDS.contains(ref.getKind());
    }

    private void orphanDependents(HasMetadata owner) {
        String uid = owner.getMetadata().getUid();
        for (HasMetadata dependent : dependents(owner)) {
            removeOwnerReferences(dependent, List.of(uid));
        }
        removeFinalizer(owner, ORPHAN);
    }

    private void deleteDependentsFirst(HasMetadata owner) {
        boolean blocked = false;
        for (HasMetadata dependent : dependents(owner)) {
            OwnerReference ref = dependent.getMetadata().getOwnerReferences().stream()
                    .filter(r -> owner.getMetadata().getUid().equals(r.getUid())).findFirst().orElseThrow();
            if (Boolean.TRUE.equals(ref.getBlockOwnerDeletion())) {
                blocked = true;
            }
            if (dependent.getMetadata().getDeletionTimestamp() == null) {
                queue.add(key(dependent)); // attemptToDelete sees the owner waiting and deletes it in the foreground
            }
        }
        if (!blocked) {
            removeFinalizer(owner, FOREGROUND);
        }
    }

    private List<HasMetadata> dependents(HasMetadata owner) {
        List<HasMetadata> found = new ArrayList<>();
        for (SharedIndexInformer<? extends HasMetadata> informer : byKind.values()) {
            found.addAll(informer.getIndexer().byIndex(BY_OWNER, owner.getMetadata().getUid()));
        }
        return found;
    }

    private void removeOwnerReferences(HasMetadata dependent, List<String> uids) {
        StringBuilder refs = new StringBuilder();
        for (String uid : uids) {
            refs.append(refs.isEmpty() ? "" : ",").append("{\"$patch\":\"delete\",\"uid\":\"").append(uid).append("\"}");
        }
        patch(dependent, "{\"metadata\":{\"ownerReferences\":[" + refs + "],\"uid\":\"" + dependent.getMetadata().getUid() + "\"}}",
                PatchType.STRATEGIC_MERGE);
    }

    private void removeFinalizer(HasMetadata owner, String finalizer) {
        List<String> rest = owner.getMetadata().getFinalizers().stream().filter(f -> !f.equals(finalizer)).toList();
        StringBuilder list = new StringBuilder();
        for (String f : rest) {
            list.append(list.isEmpty() ? "" : ",").append('"').append(f).append('"');
        }
        // the resourceVersion makes it conditional: finalizers changed meanwhile means try again from the new object
        patch(owner, "{\"metadata\":{\"finalizers\":[" + list + "],\"resourceVersion\":\"" + owner.getMetadata().getResourceVersion() + "\"}}",
                PatchType.JSON_MERGE);
    }

    private void patch(HasMetadata obj, String patch, PatchType type) {
        try {
            var resource = client.genericKubernetesResources(obj.getApiVersion(), obj.getKind());
            var named = obj.getMetadata().getNamespace() == null ? resource.withName(obj.getMetadata().getName())
                    : resource.inNamespace(obj.getMetadata().getNamespace()).withName(obj.getMetadata().getName());
            named.patch(PatchContext.of(type), patch);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return;
            }
            if (e.getCode() == 409) {
                queue.addRateLimited(key(obj));
                return;
            }
            throw e;
        }
    }

    private void delete(HasMetadata obj, String propagation) {
        try {
            var resource = client.genericKubernetesResources(obj.getApiVersion(), obj.getKind());
            var named = obj.getMetadata().getNamespace() == null ? resource.withName(obj.getMetadata().getName())
                    : resource.inNamespace(obj.getMetadata().getNamespace()).withName(obj.getMetadata().getName());
            named.withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.valueOf(propagation.toUpperCase(java.util.Locale.ROOT)))
                    .delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private static String key(HasMetadata obj) {
        return kindKey(obj.getApiVersion(), obj.getKind()) + "|" + Objects.requireNonNullElse(obj.getMetadata().getNamespace(), "") + "|"
                + obj.getMetadata().getName();
    }

    private static String kindKey(String apiVersion, String kind) {
        return apiVersion + "/" + kind;
    }

    @Override
    public void close() throws Exception {
        controller.close();
    }
}
