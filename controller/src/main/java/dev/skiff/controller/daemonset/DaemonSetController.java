package dev.skiff.controller.daemonset;

import dev.skiff.api.selector.LabelSelector;
import dev.skiff.client.controller.Controller;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import dev.skiff.controller.ControllerExpectations;
import dev.skiff.controller.ControllerRefManager;
import dev.skiff.controller.OwnedObjectHandler;
import dev.skiff.controller.PodControl;
import dev.skiff.controller.PodReadiness;
import dev.skiff.controller.SlowStart;
import dev.skiff.controller.history.ControllerHistory;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's DaemonSet controller (pkg/controller/daemon): one pod per node that should run it
 * ({@link DaemonPlacement}), created unbound with a required node affinity on the node's
 * metadata.name so the scheduler binds it there; pods on nodes that no longer qualify, failed
 * pods and extra pods are deleted; RollingUpdate ({@link DaemonSetRollingUpdate}) or OnDelete over
 * ControllerRevisions {@code <ds>-<hash>}; status as kubectl reads it.
 */
public final class DaemonSetController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonSetController.class);
    public static final String NAME = "daemonset";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, DaemonSetController::start);
    /** Upstream's BurstReplicas for daemon sets. */
    static final int BURST_REPLICAS = 250;
    private static final Duration FAILED_POD_BACKOFF_START = Duration.ofSeconds(1);
    private static final Duration FAILED_POD_BACKOFF_MAX = Duration.ofMinutes(15);

    private final KubernetesClient client;
    private final Clock clock;
    private final Lister<DaemonSet> sets;
    private final Lister<Node> nodes;
    private final SharedIndexInformer<DaemonSet> setInformer;
    private final SharedIndexInformer<Pod> podInformer;
    private final SharedIndexInformer<Node> nodeInformer;
    private final SharedIndexInformer<ControllerRevision> revisionInformer;
    private final ControllerHistory history;
    private final ControllerExpectations expectations;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;
    private final EventRecorder events;
    private final PodControl podControl;
    /** Per daemon set and node: when a failed pod may next be deleted, and the delay after that (upstream's failedPodsBackoff). */
    private final Map<String, Backoff> failedPodBackoff = new ConcurrentHashMap<>();

    private record Backoff(Instant notBefore, Duration delay) {
    }

    private DaemonSetController(ControllerContext context) {
        this.client = context.client();
        this.clock = context.clock();
        this.expectations = new ControllerExpectations(clock);
        this.queue = RateLimitingQueue.withDefaultRateLimiter(clock);
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.events = context.eventRecorder("daemonset-controller");
        this.podControl = new PodControl(client, events);
        this.setInformer = context.informers().sharedIndexInformerFor(DaemonSet.class, 0);
        this.sets = new Lister<>(setInformer.getIndexer());
        this.podInformer = context.informers().sharedIndexInformerFor(Pod.class, 0);
        this.nodeInformer = context.informers().sharedIndexInformerFor(Node.class, 0);
        this.nodes = new Lister<>(nodeInformer.getIndexer());
        this.revisionInformer = context.informers().sharedIndexInformerFor(ControllerRevision.class, 0);
        this.history = new ControllerHistory(client, revisionInformer);
        setInformer.addEventHandler(controller.enqueueingHandler());
        podInformer.addEventHandler(new OwnedObjectHandler<Pod, DaemonSet>("DaemonSet", sets, DaemonSetController::selector,
                queue::add, expectations));
        nodeInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                for (DaemonSet ds : sets.list()) {
                    if (DaemonPlacement.eligibility(node, ds).shouldRun()) {
                        queue.add(Cache.metaNamespaceKeyFunc(ds));
                    }
                }
            }

            @Override
            public void onUpdate(Node oldNode, Node newNode) {
                if (ignorable(oldNode, newNode)) {
                    return;
                }
                for (DaemonSet ds : sets.list()) {
                    if (!DaemonPlacement.eligibility(oldNode, ds).equals(DaemonPlacement.eligibility(newNode, ds))) {
                        queue.add(Cache.metaNamespaceKeyFunc(ds));
                    }
                }
            }

            @Override
            public void onDelete(Node node, boolean finalStateUnknown) {
                sets.list().forEach(ds -> queue.add(Cache.metaNamespaceKeyFunc(ds))); // unbound pods made for it go
            }
        });
    }

    static AutoCloseable start(ControllerContext context) {
        var dsc = new DaemonSetController(context);
        context.runWhenSynced(dsc.controller, List.of(dsc.setInformer, dsc.podInformer, dsc.nodeInformer, dsc.revisionInformer));
        return dsc;
    }

    /** Upstream's shouldIgnoreNodeUpdate: only the set of true conditions and everything but status/resourceVersion count. */
    private static boolean ignorable(Node oldNode, Node newNode) {
        Set<String> oldTrue = trueConditions(oldNode);
        Set<String> newTrue = trueConditions(newNode);
        return oldTrue.equals(newTrue) && Objects.equals(oldNode.getMetadata().getLabels(), newNode.getMetadata().getLabels())
                && Objects.equals(oldNode.getSpec(), newNode.getSpec());
    }

    private static Set<String> trueConditions(Node node) {
        List<NodeCondition> conditions = node.getStatus() == null || node.getStatus().getConditions() == null ? List.of()
                : node.getStatus().getConditions();
        return conditions.stream().filter(c -> "True".equals(c.getStatus())).map(NodeCondition::getType).collect(Collectors.toSet());
    }

    // --- sync

    void sync(String key) throws Exception {
        var k = Controller.ObjectKey.parse(key);
        DaemonSet ds = sets.namespace(k.namespace()).get(k.name());
        if (ds == null) {
            expectations.delete(key);
            return;
        }
        LabelSelector selector = selector(ds);
        if (selector.isEmpty()) {
            events.event(ds, EventRecorder.WARNING, "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.");
            return;
        }
        if (ds.getMetadata().getDeletionTimestamp() != null) {
            return; // its pods and revisions may be going already: status would be wrong, as upstream says
        }
        List<Node> nodeList = nodes.list();
        List<ControllerRevision> revisions = history.list(ds, selector);
        int collisions = ds.getStatus() == null || ds.getStatus().getCollisionCount() == null ? 0 : ds.getStatus().getCollisionCount();
        ControllerHistory.Update update = history.updateRevision(ds, ds.getSpec().getTemplate(), revisions, collisions);
        String hash = update.revision().getMetadata().getLabels().get(ControllerHistory.HASH_LABEL);

        Map<String, List<Pod>> podsByNode = podsByNode(ds, selector);
        if (!expectations.satisfied(key)) {
            updateStatus(ds, nodeList, podsByNode, hash, update.collisionCount(), false);
            return;
        }
        Exception failure = null;
        try {
            manage(ds, key, nodeList, podsByNode, hash);
            if (expectations.satisfied(key) && !"OnDelete".equals(strategyType(ds))) {
                // read the pods again: what manage just created may already be observed, and must count as unavailable
                Map<String, List<Pod>> now = podsByNode(ds, selector);
                int desired = (int) nodeList.stream().filter(n -> DaemonPlacement.eligibility(n, ds).shouldRun()).count();
                var decision = DaemonSetRollingUpdate.decide(ds, now, desired, hash, clock.instant());
                syncNodes(ds, key, decision.podsToDelete(), decision.nodesToCreate(), hash);
            }
            Set<String> liveHashes = new HashSet<>();
            liveHashes.add(hash);
            podsByNode.values().forEach(pods -> pods.forEach(p -> liveHashes.add(label(p, DaemonPlacement.REVISION_HASH_LABEL))));
            int limit = ds.getSpec().getRevisionHistoryLimit() == null ? 10 : ds.getSpec().getRevisionHistoryLimit();
            history.truncate(revisions, r -> r.getMetadata().getName().equals(update.revision().getMetadata().getName())
                    || liveHashes.contains(label(r, ControllerHistory.HASH_LABEL)), limit);
        } catch (Exception e) {
            failure = e;
        }
        updateStatus(ds, nodeList, podsByNode, hash, update.collisionCount(), true);
        if (failure != null) {
            throw failure;
        }
    }

    /** The claimed pods grouped by the node they run on or were made for (upstream's getNodesToDaemonPods). */
    private Map<String, List<Pod>> podsByNode(DaemonSet ds, LabelSelector selector) {
        List<Pod> claimed = new ControllerRefManager<Pod>(client, ds, selector)
                .claim(podInformer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ds.getMetadata().getNamespace()));
        Map<String, List<Pod>> byNode = new HashMap<>();
        for (Pod p : claimed) {
            String node = DaemonPlacement.targetNode(p);
            if (node != null) {
                byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(p);
            }
        }
        return byNode;
    }

    /** Upstream's manage and podsShouldBeOnNode: which nodes need a pod and which pods must go. */
    private void manage(DaemonSet ds, String key, List<Node> nodeList, Map<String, List<Pod>> podsByNode, String hash) throws Exception {
        List<String> create = new ArrayList<>();
        List<String> delete = new ArrayList<>();
        boolean surge = allowsSurge(ds);
        int minReady = ds.getSpec().getMinReadySeconds() == null ? 0 : ds.getSpec().getMinReadySeconds();
        for (Node node : nodeList) {
            String name = node.getMetadata().getName();
            var eligibility = DaemonPlacement.eligibility(node, ds);
            List<Pod> pods = podsByNode.getOrDefault(name, List.of());
            if (eligibility.shouldRun() && pods.isEmpty()) {
                create.add(name);
            } else if (eligibility.shouldContinueRunning()) {
                List<Pod> running = new ArrayList<>();
                for (Pod p : pods) {
                    if (p.getMetadata().getDeletionTimestamp() != null) {
                        continue;
                    }
                    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
                    if ("Failed".equals(phase)) {
                        if (failedPodMayGo(ds, name, key)) {
                            events.eventf(ds, EventRecorder.WARNING, "FailedDaemonPod", "Found failed daemon pod %s/%s on node %s, will try to kill it",
                                    p.getMetadata().getNamespace(), p.getMetadata().getName(), name);
                            delete.add(p.getMetadata().getName());
                        }
                    } else if ("Succeeded".equals(phase)) {
                        events.eventf(ds, EventRecorder.NORMAL, "SucceededDaemonPod", "Found succeeded daemon pod %s/%s on node %s, will try to delete it",
                                p.getMetadata().getNamespace(), p.getMetadata().getName(), name);
                        delete.add(p.getMetadata().getName());
                    } else {
                        running.add(p);
                    }
                }
                running.sort(OLDEST_SCHEDULED_FIRST);
                if (!surge) {
                    running.stream().skip(1).forEach(p -> delete.add(p.getMetadata().getName()));
                } else if (running.isEmpty()) {
                    if (eligibility.shouldRun()) {
                        create.add(name);
                    }
                } else {
                    // with surge: keep the oldest new pod, and the oldest old pod only while the new one is not available yet
                    Pod oldestNew = null;
                    Pod oldestOld = null;
                    for (Pod p : running) {
                        boolean isNew = hash.equals(label(p, DaemonPlacement.REVISION_HASH_LABEL));
                        if (isNew && oldestNew == null) {
                            oldestNew = p;
                        } else if (!isNew && oldestOld == null) {
                            oldestOld = p;
                        } else {
                            delete.add(p.getMetadata().getName());
                        }
                    }
                    if (oldestNew != null && oldestOld != null
                            && (!PodReadiness.isReady(oldestOld) || PodReadiness.isAvailable(oldestNew, minReady, clock.instant()))) {
                        delete.add(oldestOld.getMetadata().getName());
                    }
                }
            } else {
                pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).forEach(p -> delete.add(p.getMetadata().getName()));
            }
        }
        // unbound pods made for nodes that are gone: no scheduler will ever place them, nothing else deletes them
        Set<String> existing = nodeList.stream().map(n -> n.getMetadata().getName()).collect(Collectors.toSet());
        podsByNode.forEach((node, pods) -> {
            if (!existing.contains(node)) {
                pods.stream().filter(p -> p.getSpec().getNodeName() == null || p.getSpec().getNodeName().isEmpty())
                        .forEach(p -> delete.add(p.getMetadata().getName()));
            }
        });
        syncNodes(ds, key, delete, create, hash);
    }

    /** Creates pods for {@code nodesNeeding} (slow start) and deletes {@code podsToDelete}, at most BURST_REPLICAS of each, under expectations. */
    private void syncNodes(DaemonSet ds, String key, List<String> podsToDelete, List<String> nodesNeeding, String hash) throws Exception {
        int creates = Math.min(nodesNeeding.size(), BURST_REPLICAS);
        int deletes = Math.min(podsToDelete.size(), BURST_REPLICAS);
        if (creates == 0 && deletes == 0) {
            return;
        }
        expectations.expect(key, creates, deletes);
        LOG.debug("daemonset={} creating pods for nodes={} deleting pods={}", key, nodesNeeding.subList(0, creates), podsToDelete.subList(0, deletes));
        PodTemplateSpec template = DaemonPlacement.podTemplate(ds, hash);
        List<Exception> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        int created = SlowStart.batch(creates, i -> {
            try {
                podControl.createPod(ds, DaemonPlacement.pinnedTo(template, nodesNeeding.get(i)));
                return true;
            } catch (KubernetesClientException e) {
                expectations.creationObserved(key);
                errors.add(e);
                return false;
            }
        });
        int notTried = creates - created - errors.size();
        for (int i = 0; i < notTried; i++) {
            expectations.creationObserved(key); // skipped after a failed batch: never coming
        }
        for (String name : podsToDelete.subList(0, deletes)) {
            try {
                podControl.deletePod(ds, name);
            } catch (KubernetesClientException e) {
                expectations.deletionObserved(key);
                if (e.getCode() != 404) {
                    errors.add(e);
                }
            }
        }
        if (!errors.isEmpty()) {
            LOG.info("daemonset={} sync of nodes failed ({} errors), retrying: {}", key, errors.size(), errors.getFirst().getMessage());
            throw errors.getFirst();
        }
    }

    /** Upstream's failed-pod backoff per daemon set and node: 1 s doubling to 15 min between deletions of failed pods. */
    private boolean failedPodMayGo(DaemonSet ds, String node, String key) {
        String backoffKey = ds.getMetadata().getUid() + "/" + node;
        Instant now = clock.instant();
        Backoff b = failedPodBackoff.get(backoffKey);
        if (b != null && now.isBefore(b.notBefore())) {
            queue.addAfter(key, Duration.between(now, b.notBefore()));
            return false;
        }
        Duration delay = b == null ? FAILED_POD_BACKOFF_START : min(b.delay().multipliedBy(2), FAILED_POD_BACKOFF_MAX);
        failedPodBackoff.put(backoffKey, new Backoff(now.plus(delay), delay));
        return true;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    // --- status

    /** Upstream's updateDaemonSetStatus, counting from the oldest scheduled pod on each node. */
    private void updateStatus(DaemonSet ds, List<Node> nodeList, Map<String, List<Pod>> podsByNode, String hash, int collisions,
                              boolean observedGeneration) {
        int desired = 0;
        int current = 0;
        int misscheduled = 0;
        int ready = 0;
        int updated = 0;
        int available = 0;
        int minReady = ds.getSpec().getMinReadySeconds() == null ? 0 : ds.getSpec().getMinReadySeconds();
        Instant now = clock.instant();
        for (Node node : nodeList) {
            boolean shouldRun = DaemonPlacement.eligibility(node, ds).shouldRun();
            List<Pod> pods = podsByNode.getOrDefault(node.getMetadata().getName(), List.of());
            if (!shouldRun) {
                misscheduled += pods.isEmpty() ? 0 : 1;
                continue;
            }
            desired++;
            if (pods.isEmpty()) {
                continue;
            }
            current++;
            Pod pod = pods.stream().sorted(OLDEST_SCHEDULED_FIRST).findFirst().orElseThrow();
            if (PodReadiness.isReady(pod)) {
                ready++;
                if (PodReadiness.isAvailable(pod, minReady, now)) {
                    available++;
                }
            }
            if (DaemonPlacement.isUpdated(pod, hash, ds)) {
                updated++;
            }
        }
        DaemonSetStatus old = ds.getStatus() == null ? new DaemonSetStatus() : ds.getStatus();
        long generation = observedGeneration ? ds.getMetadata().getGeneration() : zero(old.getObservedGeneration());
        if (zero(old.getDesiredNumberScheduled()) == desired && zero(old.getCurrentNumberScheduled()) == current
                && zero(old.getNumberMisscheduled()) == misscheduled && zero(old.getNumberReady()) == ready
                && zero(old.getUpdatedNumberScheduled()) == updated && zero(old.getNumberAvailable()) == available
                && zero(old.getNumberUnavailable()) == desired - available && zero(old.getCollisionCount()) == collisions
                && zero(old.getObservedGeneration()) >= generation) {
            return;
        }
        DaemonSetStatus status = new io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder(old).withObservedGeneration(generation)
                .withDesiredNumberScheduled(desired).withCurrentNumberScheduled(current).withNumberMisscheduled(misscheduled)
                .withNumberReady(ready).withUpdatedNumberScheduled(updated).withNumberAvailable(available)
                .withNumberUnavailable(desired - available).withCollisionCount(collisions).build();
        try {
            client.apps().daemonSets().inNamespace(ds.getMetadata().getNamespace()).resource(new DaemonSetBuilder(ds).withStatus(status).build())
                    .updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404 && e.getCode() != 409) {
                throw e;
            }
            queue.add(Cache.metaNamespaceKeyFunc(ds)); // a newer set: sync again from it
        }
        if (minReady > 0 && ready != available) {
            queue.addAfter(Cache.metaNamespaceKeyFunc(ds), Duration.ofSeconds(minReady));
        }
    }

    /** Upstream's podByCreationTimestampAndPhase: bound pods first, then oldest, then by name. */
    static final Comparator<Pod> OLDEST_SCHEDULED_FIRST = Comparator
            .comparing((Pod p) -> p.getSpec().getNodeName() == null || p.getSpec().getNodeName().isEmpty())
            .thenComparing(p -> p.getMetadata().getCreationTimestamp() == null ? "" : p.getMetadata().getCreationTimestamp())
            .thenComparing(p -> p.getMetadata().getName());

    private static boolean allowsSurge(DaemonSet ds) {
        if ("OnDelete".equals(strategyType(ds))) {
            return false;
        }
        var ru = ds.getSpec().getUpdateStrategy().getRollingUpdate();
        return ru != null && DaemonSetRollingUpdate.scaled(ru.getMaxSurge(), 100, 0) > 0;
    }

    private static String strategyType(DaemonSet ds) {
        return ds.getSpec().getUpdateStrategy() == null || ds.getSpec().getUpdateStrategy().getType() == null
                ? "RollingUpdate" : ds.getSpec().getUpdateStrategy().getType();
    }

    static LabelSelector selector(DaemonSet ds) {
        return LabelSelector.from(ds.getSpec().getSelector());
    }

    private static String label(io.fabric8.kubernetes.api.model.HasMetadata obj, String key) {
        return obj.getMetadata().getLabels() == null ? null : obj.getMetadata().getLabels().get(key);
    }

    private static long zero(Number v) {
        return v == null ? 0 : v.longValue();
    }

    @Override
    public void close() throws Exception {
        controller.close();
        events.close();
    }
}
