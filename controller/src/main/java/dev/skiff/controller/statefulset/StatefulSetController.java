package dev.skiff.controller.statefulset;

import dev.skiff.api.selector.LabelSelector;
import dev.skiff.client.controller.Controller;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import dev.skiff.controller.ControllerRefManager;
import dev.skiff.controller.OwnedObjectHandler;
import dev.skiff.controller.history.ControllerHistory;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Upstream's StatefulSet controller (pkg/controller/statefulset): pods with stable names
 * {@code <set>-<ordinal>} created in order and removed in reverse (OrderedReady) or all at once
 * (Parallel), claims from volumeClaimTemplates, the template history as ControllerRevisions
 * {@code <set>-<hash>}, RollingUpdate with a partition or OnDelete, and the status kubectl reads
 * ({@code rollout status} compares updateRevision, currentRevision and the replica counts).
 */
public final class StatefulSetController implements AutoCloseable {
    public static final String NAME = "statefulset";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, StatefulSetController::start);

    private final KubernetesClient client;
    private final Lister<StatefulSet> sets;
    private final SharedIndexInformer<StatefulSet> setInformer;
    private final SharedIndexInformer<Pod> podInformer;
    private final SharedIndexInformer<ControllerRevision> revisionInformer;
    private final ControllerHistory history;
    private final StatefulSetControl control;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;
    private final EventRecorder events;

    private StatefulSetController(ControllerContext context) {
        this.client = context.client();
        this.queue = RateLimitingQueue.withDefaultRateLimiter(context.clock());
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.events = context.eventRecorder("statefulset-controller");
        this.control = new StatefulSetControl(new StatefulPodControl(client, events), context.clock());
        this.setInformer = context.informers().sharedIndexInformerFor(StatefulSet.class, 0);
        this.sets = new Lister<>(setInformer.getIndexer());
        this.podInformer = context.informers().sharedIndexInformerFor(Pod.class, 0);
        this.revisionInformer = context.informers().sharedIndexInformerFor(ControllerRevision.class, 0);
        this.history = new ControllerHistory(client, revisionInformer);
        setInformer.addEventHandler(controller.enqueueingHandler());
        podInformer.addEventHandler(new OwnedObjectHandler<Pod, StatefulSet>("StatefulSet", sets, StatefulSetController::selector,
                queue::add, null));
    }

    static AutoCloseable start(ControllerContext context) {
        var ssc = new StatefulSetController(context);
        context.runWhenSynced(ssc.controller, List.of(ssc.setInformer, ssc.podInformer, ssc.revisionInformer));
        return ssc;
    }

    void sync(String key) throws Exception {
        var k = Controller.ObjectKey.parse(key);
        StatefulSet set = sets.namespace(k.namespace()).get(k.name());
        if (set == null) {
            return;
        }
        LabelSelector selector = selector(set);
        List<ControllerRevision> revisions = history.list(set, selector);
        List<Pod> pods = new ControllerRefManager<Pod>(client, set, selector, pod -> StatefulPodIdentity.isMemberOf(set, pod))
                .claim(podInformer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, set.getMetadata().getNamespace()));

        int collisions = set.getStatus() == null || set.getStatus().getCollisionCount() == null ? 0 : set.getStatus().getCollisionCount();
        ControllerHistory.Update update = history.updateRevision(set, set.getSpec().getTemplate(), revisions, collisions);
        ControllerRevision updateRevision = update.revision();
        String currentName = set.getStatus() == null ? null : set.getStatus().getCurrentRevision();
        ControllerRevision currentRevision = revisions.stream().filter(r -> r.getMetadata().getName().equals(currentName)).findFirst()
                .orElse(updateRevision);
        PodTemplateSpec currentTemplate = ControllerHistory.template(currentRevision);
        PodTemplateSpec updateTemplate = ControllerHistory.template(updateRevision);

        StatefulSetStatus status;
        try {
            status = control.update(set, pods, currentRevision, currentTemplate, updateRevision, updateTemplate, update.collisionCount());
        } finally {
            truncateHistory(set, pods, revisions, currentRevision, updateRevision);
        }
        updateStatus(set, status);
        int minReady = StatefulSetControl.minReadySeconds(set);
        if (minReady > 0 && !Objects.equals(status.getReadyReplicas(), status.getAvailableReplicas())) {
            queue.addAfter(key, Duration.ofSeconds(minReady));
        }
    }

    /** Revisions no pod runs and that are neither current nor update, beyond revisionHistoryLimit, go oldest first. */
    private void truncateHistory(StatefulSet set, List<Pod> pods, List<ControllerRevision> revisions, ControllerRevision current,
                                 ControllerRevision update) {
        Set<String> live = new HashSet<>();
        live.add(current.getMetadata().getName());
        live.add(update.getMetadata().getName());
        pods.forEach(p -> live.add(StatefulPodIdentity.revision(p)));
        int limit = set.getSpec().getRevisionHistoryLimit() == null ? 10 : set.getSpec().getRevisionHistoryLimit();
        history.truncate(revisions, r -> live.contains(r.getMetadata().getName()), limit);
    }

    /** Completes a finished rolling update (current = update), then writes the status if it changed (upstream's updateStatefulSetStatus). */
    private void updateStatus(StatefulSet set, StatefulSetStatus status) {
        if (StatefulSetControl.rollingUpdate(set) && Objects.equals(status.getUpdatedReplicas(), status.getReplicas())
                && Objects.equals(status.getReadyReplicas(), status.getReplicas())) {
            status.setCurrentReplicas(status.getUpdatedReplicas());
            status.setCurrentRevision(status.getUpdateRevision());
        }
        StatefulSetStatus old = set.getStatus() == null ? new StatefulSetStatus() : set.getStatus();
        if (Objects.equals(old.getObservedGeneration(), status.getObservedGeneration()) && zero(old.getReplicas()) == status.getReplicas()
                && zero(old.getReadyReplicas()) == status.getReadyReplicas() && zero(old.getAvailableReplicas()) == status.getAvailableReplicas()
                && zero(old.getCurrentReplicas()) == status.getCurrentReplicas() && zero(old.getUpdatedReplicas()) == status.getUpdatedReplicas()
                && Objects.equals(old.getCurrentRevision(), status.getCurrentRevision())
                && Objects.equals(old.getUpdateRevision(), status.getUpdateRevision())
                && zero(old.getCollisionCount()) == status.getCollisionCount()) {
            return;
        }
        status.setConditions(old.getConditions());
        try {
            client.apps().statefulSets().inNamespace(set.getMetadata().getNamespace()).resource(new StatefulSetBuilder(set).withStatus(status).build())
                    .updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404 && e.getCode() != 409) {
                throw e;
            }
            queue.add(Cache.metaNamespaceKeyFunc(set)); // a newer set: sync again from it
        }
    }

    static LabelSelector selector(StatefulSet set) {
        return LabelSelector.from(set.getSpec().getSelector());
    }

    private static int zero(Integer v) {
        return v == null ? 0 : v;
    }

    @Override
    public void close() throws Exception {
        controller.close();
        events.close();
    }
}
