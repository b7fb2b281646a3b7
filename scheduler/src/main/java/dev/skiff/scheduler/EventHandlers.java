package dev.skiff.scheduler;

import dev.skiff.api.selector.LabelSelector;
import dev.skiff.scheduler.framework.ClusterEvent;
import dev.skiff.scheduler.framework.ClusterEvent.ActionType;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.SharedInformerFactory;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Feeds the scheduler from informers, as upstream's eventhandlers.go: assigned pods go to the cache,
 * unassigned pods of this scheduler's profiles to the queue (a pod being deleted leaves the queue),
 * nodes and namespaces to their handlers; claims, volumes and storage classes back the scheduler's
 * {@link ApiServerStorage} and their additions and updates are cluster events; services, replication controllers, replica sets and stateful
 * sets give the default topology-spread selector (upstream's helper.DefaultSelector).
 */
public final class EventHandlers {
    private final SharedInformerFactory factory;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

    private EventHandlers(SharedInformerFactory factory) {
        this.factory = factory;
    }

    /** Registers the informers on a fresh factory of {@code client}; {@link #start} runs them. */
    public static EventHandlers register(KubernetesClient client, Scheduler scheduler) {
        var handlers = new EventHandlers(client.informers());
        handlers.add(Node.class, new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                scheduler.onNodeAdd(node);
            }

            @Override
            public void onUpdate(Node oldNode, Node newNode) {
                scheduler.onNodeUpdate(oldNode, newNode);
            }

            @Override
            public void onDelete(Node node, boolean finalStateUnknown) {
                scheduler.onNodeDelete(node);
            }
        });
        handlers.add(Namespace.class, handler(ns -> scheduler.onNamespace(ns.getMetadata().getName(), labels(ns)), ns -> { }));
        handlers.add(Pod.class, new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                if (beingDeleted(pod) && !assigned(pod)) {
                    return;
                }
                scheduler.onPodAdd(pod);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
                if (beingDeleted(newPod) && !assigned(newPod)) {
                    scheduler.onPodDelete(newPod); // upstream's skipPodSchedule: a deleted pod is not scheduled
                    return;
                }
                scheduler.onPodUpdate(oldPod, newPod);
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                scheduler.onPodDelete(pod);
            }
        });
        var claims = handlers.add(PersistentVolumeClaim.class, storageHandler(scheduler, ClusterEvent.Resource.PERSISTENT_VOLUME_CLAIM));
        var volumes = handlers.add(PersistentVolume.class, storageHandler(scheduler, ClusterEvent.Resource.PERSISTENT_VOLUME));
        var classes = handlers.add(StorageClass.class, storageHandler(scheduler, ClusterEvent.Resource.STORAGE_CLASS));
        scheduler.setStorage(new ApiServerStorage(client, claims, volumes, classes));
        var services = handlers.add(Service.class, null);
        var controllers = handlers.add(ReplicationController.class, null);
        var replicaSets = handlers.add(ReplicaSet.class, null);
        var statefulSets = handlers.add(StatefulSet.class, null);
        scheduler.setDefaultSpreadSelector(pod -> {
            String ns = pod.getMetadata().getNamespace();
            Map<String, String> podLabels = labels(pod);
            List<String> requirements = new ArrayList<>();
            for (Service s : services.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns)) {
                Map<String, String> selector = s.getSpec() == null ? null : s.getSpec().getSelector();
                if (selector != null && !selector.isEmpty() && LabelSelector.fromSet(selector).matches(podLabels)) {
                    requirements.add(LabelSelector.fromSet(selector).toString());
                }
            }
            for (ReplicationController rc : controllers.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns)) {
                Map<String, String> selector = rc.getSpec() == null ? null : rc.getSpec().getSelector();
                if (selector != null && !selector.isEmpty() && LabelSelector.fromSet(selector).matches(podLabels)) {
                    requirements.add(LabelSelector.fromSet(selector).toString());
                }
            }
            for (ReplicaSet rs : replicaSets.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns)) {
                addIfSelects(requirements, rs.getSpec() == null ? null : rs.getSpec().getSelector(), podLabels);
            }
            for (StatefulSet ss : statefulSets.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns)) {
                addIfSelects(requirements, ss.getSpec() == null ? null : ss.getSpec().getSelector(), podLabels);
            }
            return requirements.isEmpty() ? LabelSelector.nothing() : LabelSelector.parse(String.join(",", requirements));
        });
        return handlers;
    }

    /** Additions and updates of a storage object become cluster events (deletions make nothing schedulable). */
    private static <T> ResourceEventHandler<T> storageHandler(Scheduler scheduler, ClusterEvent.Resource resource) {
        ClusterEvent add = ClusterEvent.of(resource, ActionType.ADD);
        ClusterEvent update = ClusterEvent.of(resource, ActionType.UPDATE);
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                scheduler.onStorageEvent(add, null, obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                scheduler.onStorageEvent(update, oldObj, newObj);
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
            }
        };
    }

    private static void addIfSelects(List<String> requirements, io.fabric8.kubernetes.api.model.LabelSelector selector,
                                     Map<String, String> podLabels) {
        if (selector == null) {
            return;
        }
        LabelSelector s = LabelSelector.from(selector);
        if (!s.isEmpty() && s.matches(podLabels)) {
            requirements.add(s.toString());
        }
    }

    private <T extends HasMetadata> SharedIndexInformer<T> add(Class<T> type, ResourceEventHandler<T> handler) {
        SharedIndexInformer<T> informer = factory.sharedIndexInformerFor(type, 0);
        if (handler != null) {
            informer.addEventHandler(handler);
        }
        informers.add(informer);
        return informer;
    }

    private static <T> ResourceEventHandler<T> handler(Consumer<T> upsert, Consumer<T> delete) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                upsert.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                upsert.accept(newObj);
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
                delete.accept(obj);
            }
        };
    }

    /** Starts every informer and waits until each has listed once. */
    public void start() {
        var started = informers.stream().map(i -> i.start().toCompletableFuture()).toList();
        started.forEach(java.util.concurrent.CompletableFuture::join);
    }

    public boolean hasSynced() {
        return informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    public void stop() {
        factory.stopAllRegisteredInformers();
    }

    private static boolean beingDeleted(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() != null;
    }

    private static boolean assigned(Pod pod) {
        return pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty();
    }

    private static Map<String, String> labels(HasMetadata object) {
        return object.getMetadata().getLabels() == null ? Map.of() : object.getMetadata().getLabels();
    }
}
