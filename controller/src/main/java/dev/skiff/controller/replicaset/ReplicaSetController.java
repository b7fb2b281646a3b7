package dev.skiff.controller.replicaset;

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
import dev.skiff.controller.Pods;
import dev.skiff.controller.SlowStart;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's ReplicaSet controller (pkg/controller/replicaset): keeps {@code spec.replicas} active
 * pods that match the selector and are controlled by the set - creating from the template in slow-start
 * batches, deleting the least valuable first - adopts matching orphans and releases pods that stopped
 * matching, and reports status. Expectations keep a lagging informer from causing double creates.
 * <p>
 * As upstream's base controller it runs for any {@link Kind} that reads as a ReplicaSet: ReplicaSets
 * themselves, and ReplicationControllers through the replication package's conversion adapter. Owner
 * references, events and status writes go to the real object of that kind.
 */
public final class ReplicaSetController<T extends HasMetadata> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaSetController.class);
    public static final String NAME = "replicaset";
    /** Upstream's BurstReplicas: most pods created or deleted in one sync. */
    static final int BURST_REPLICAS = 500;

    /**
     * A workload kind the controller runs (upstream's GroupVersionKind plus informer and pod-control adapters).
     *
     * @param name         the controller's name (--controllers), also its work queue's
     * @param eventSource  the component its events name (replicaset-controller, replication-controller)
     * @param type         the kind's class; owner references name its kind
     * @param asReplicaSet the object read as a ReplicaSet (spec and status; metadata the object's own)
     * @param statusWriter writes a ReplicaSet status computed for the object back as the kind's status
     */
    public record Kind<T extends HasMetadata>(String name, String eventSource, Class<T> type, Function<T, ReplicaSet> asReplicaSet,
                                              StatusWriter<T> statusWriter) {
    }

    /** Writes {@code status} as {@code object}'s status through the status subresource. */
    @FunctionalInterface
    public interface StatusWriter<T> {
        void write(KubernetesClient client, T object, ReplicaSetStatus status);
    }

    static final Kind<ReplicaSet> REPLICA_SETS = new Kind<>(NAME, "replicaset-controller", ReplicaSet.class, rs -> rs,
            (client, rs, status) -> client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace())
                    .resource(new ReplicaSetBuilder(rs).withStatus(status).build()).updateStatus());

    public static final ControllerDescriptor DESCRIPTOR = descriptor(REPLICA_SETS);

    private final KubernetesClient client;
    private final Clock clock;
    private final Kind<T> kind;
    private final Lister<T> sets;
    private final SharedIndexInformer<Pod> podInformer;
    private final SharedIndexInformer<T> setInformer;
    private final ControllerExpectations expectations;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;
    private final EventRecorder events;
    private final PodControl podControl;

    private ReplicaSetController(ControllerContext context, Kind<T> kind) {
        this.client = context.client();
        this.clock = context.clock();
        this.kind = kind;
        this.expectations = new ControllerExpectations(clock);
        this.queue = RateLimitingQueue.withDefaultRateLimiter(clock);
        this.controller = new Controller(kind.name(), this::sync, queue, 15);
        this.events = context.eventRecorder(kind.eventSource());
        this.podControl = new PodControl(client, events);
        this.setInformer = context.informers().sharedIndexInformerFor(kind.type(), 0);
        this.sets = new Lister<>(setInformer.getIndexer());
        this.podInformer = context.informers().sharedIndexInformerFor(Pod.class, 0);
        setInformer.addEventHandler(controller.enqueueingHandler());
        podInformer.addEventHandler(new OwnedObjectHandler<Pod, T>(HasMetadata.getKind(kind.type()), sets,
                set -> selector(kind.asReplicaSet().apply(set)), queue::add, expectations));
    }

    /** The controller manager's entry for running this logic over {@code kind}. */
    public static <T extends HasMetadata> ControllerDescriptor descriptor(Kind<T> kind) {
        return new ControllerDescriptor(kind.name(), context -> start(context, kind));
    }

    static <T extends HasMetadata> AutoCloseable start(ControllerContext context, Kind<T> kind) {
        var rsc = new ReplicaSetController<>(context, kind);
        context.runWhenSynced(rsc.controller, List.of(rsc.podInformer, rsc.setInformer));
        return rsc;
    }

    // --- sync

    void sync(String key) throws Exception {
        var k = Controller.ObjectKey.parse(key);
        T set = sets.namespace(k.namespace()).get(k.name());
        if (set == null) {
            expectations.delete(key);
            return;
        }
        ReplicaSet rs = kind.asReplicaSet().apply(set);
        boolean needsSync = expectations.satisfied(key);
        LabelSelector selector = selector(rs);
        List<Pod> owned = claimPods(set, selector);
        List<Pod> active = owned.stream().filter(Pods::isActive).toList();
        String failure = null;
        if (needsSync && rs.getMetadata().getDeletionTimestamp() == null) {
            failure = manageReplicas(key, set, rs, active);
        }
        ReplicaSetStatus status = calculateStatus(rs, active, failure);
        updateStatus(set, rs, status);
        int minReady = rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
        if (failure == null && minReady > 0 && !Objects.equals(status.getReadyReplicas(), status.getAvailableReplicas())) {
            queue.addAfter(key, Duration.ofSeconds(minReady));
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    /** Upstream's ClaimPods: owned pods that still match, plus adopted matching orphans; non-matching owned pods are released. */
    private List<Pod> claimPods(T set, LabelSelector selector) {
        return new ControllerRefManager<Pod>(client, set, selector)
                .claim(podInformer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, set.getMetadata().getNamespace()));
    }

    private String manageReplicas(String key, T set, ReplicaSet rs, List<Pod> active) throws InterruptedException {
        int wanted = rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
        int diff = active.size() - wanted;
        if (diff < 0) {
            int creates = Math.min(-diff, BURST_REPLICAS);
            expectations.expectCreations(key, creates);
            int created = SlowStart.batch(creates, i -> createPod(set, rs));
            int skipped = creates - created;
            for (int i = 0; i < skipped; i++) {
                expectations.creationObserved(key); // these will never be observed
            }
            return created < creates ? "FailedCreate" : null;
        }
        if (diff > 0) {
            int deletes = Math.min(diff, BURST_REPLICAS);
            List<Pod> victims = Pods.rankedForDeletion(active, deletes);
            expectations.expectDeletions(key, deletes);
            boolean failed = false;
            for (Pod victim : victims) {
                try {
                    podControl.deletePod(set, victim.getMetadata().getName());
                } catch (KubernetesClientException e) {
                    expectations.deletionObserved(key);
                    failed |= e.getCode() != 404;
                }
            }
            return failed ? "FailedDelete" : null;
        }
        return null;
    }

    private boolean createPod(T set, ReplicaSet rs) {
        try {
            podControl.createPod(set, rs.getSpec().getTemplate());
            return true;
        } catch (KubernetesClientException e) {
            LOG.info("{}={}/{} creating a pod failed: {}", kind.name(), rs.getMetadata().getNamespace(), rs.getMetadata().getName(), e.getMessage());
            return false;
        }
    }

    // --- status

    private ReplicaSetStatus calculateStatus(ReplicaSet rs, List<Pod> active, String failure) {
        Map<String, String> templateLabels = rs.getSpec().getTemplate() == null || rs.getSpec().getTemplate().getMetadata() == null
                ? Map.of() : Objects.requireNonNullElse(rs.getSpec().getTemplate().getMetadata().getLabels(), Map.of());
        int minReady = rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
        Instant now = clock.instant();
        int fullyLabeled = 0;
        int ready = 0;
        int available = 0;
        for (Pod p : active) {
            if (labels(p).entrySet().containsAll(templateLabels.entrySet())) {
                fullyLabeled++;
            }
            if (PodReadiness.isReady(p)) {
                ready++;
                if (PodReadiness.isAvailable(p, minReady, now)) {
                    available++;
                }
            }
        }
        List<ReplicaSetCondition> conditions = new ArrayList<>();
        if (rs.getStatus() != null && rs.getStatus().getConditions() != null) {
            rs.getStatus().getConditions().stream().filter(c -> !"ReplicaFailure".equals(c.getType())).forEach(conditions::add);
            if (failure != null) {
                ReplicaSetCondition existing = rs.getStatus().getConditions().stream()
                        .filter(c -> "ReplicaFailure".equals(c.getType())).findFirst().orElse(null);
                conditions.add(existing != null && failure.equals(existing.getReason()) ? existing : failureCondition(failure, rs, active.size()));
            }
        } else if (failure != null) {
            conditions.add(failureCondition(failure, rs, active.size()));
        }
        return new ReplicaSetStatusBuilder().withReplicas(active.size()).withFullyLabeledReplicas(fullyLabeled)
                .withReadyReplicas(ready).withAvailableReplicas(available)
                .withObservedGeneration(rs.getMetadata().getGeneration()).withConditions(conditions).build();
    }

    private ReplicaSetCondition failureCondition(String reason, ReplicaSet rs, int active) {
        return new ReplicaSetConditionBuilder().withType("ReplicaFailure").withStatus("True").withReason(reason)
                .withMessage(reason.equals("FailedCreate") ? "pods could not be created; " + active + " of "
                        + rs.getSpec().getReplicas() + " exist" : "pods could not be deleted")
                .withLastTransitionTime(DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS))).build();
    }

    private void updateStatus(T set, ReplicaSet rs, ReplicaSetStatus status) {
        ReplicaSetStatus current = rs.getStatus() == null ? new ReplicaSetStatus() : rs.getStatus();
        if (Objects.equals(zeroIfNull(current.getReplicas()), status.getReplicas())
                && Objects.equals(zeroIfNull(current.getFullyLabeledReplicas()), status.getFullyLabeledReplicas())
                && Objects.equals(zeroIfNull(current.getReadyReplicas()), status.getReadyReplicas())
                && Objects.equals(zeroIfNull(current.getAvailableReplicas()), status.getAvailableReplicas())
                && Objects.equals(current.getObservedGeneration(), status.getObservedGeneration())
                && Objects.equals(Objects.requireNonNullElse(current.getConditions(), List.of()), status.getConditions())) {
            return;
        }
        try {
            kind.statusWriter().write(client, set, status);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404 && e.getCode() != 409) {
                throw e;
            }
            queue.add(Cache.metaNamespaceKeyFunc(rs)); // a newer set: sync again from it
        }
    }

    // --- helpers

    public static LabelSelector selector(ReplicaSet rs) {
        return LabelSelector.from(rs.getSpec().getSelector());
    }

    private static Map<String, String> labels(Pod p) {
        return p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
    }

    private static Integer zeroIfNull(Integer v) {
        return v == null ? 0 : v;
    }

    @Override
    public void close() throws Exception {
        controller.close();
        events.close();
    }
}
