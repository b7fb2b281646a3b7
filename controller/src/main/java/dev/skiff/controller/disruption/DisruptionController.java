package dev.skiff.controller.disruption;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.poddisruptionbudget.DisruptionAllowedCondition;
import dev.skiff.api.poddisruptionbudget.MatchingBudgets;
import dev.skiff.api.selector.LabelSelector;
import dev.skiff.client.controller.Controller;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.api.selector.LabelSelectors;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's disruption controller (pkg/controller/disruption): keeps every policy/v1
 * PodDisruptionBudget's status - expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed,
 * observedGeneration, the DisruptionAllowed condition - and expires the disruptedPods entries the
 * eviction subresource adds. When the status cannot be computed it fails safe: disruptionsAllowed 0
 * with the condition False/SyncFailed. A second loop resets DisruptionTarget conditions that stayed
 * on a pod that was never deleted ({@link StalePodDisruption}).
 */
public final class DisruptionController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DisruptionController.class);
    public static final String NAME = "disruption";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, DisruptionController::start);

    /** Writes a budget's new status; the real one PUTs pods/status with the read resourceVersion (a conflict requeues). */
    @FunctionalInterface
    interface StatusWriter {
        void write(PodDisruptionBudget pdb);
    }

    private final Clock clock;
    private final StatusWriter writer;
    private final EventRecorder events;
    private final SharedIndexInformer<PodDisruptionBudget> pdbInformer;
    private final SharedIndexInformer<Pod> podInformer;
    private final List<SharedIndexInformer<?>> informers;
    private final Lister<PodDisruptionBudget> pdbs;
    private final Lister<Pod> pods;
    private final ExpectedPods expectedPods;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;
    private final StalePodDisruption stalePodDisruption;

    DisruptionController(ControllerContext context, StatusWriter writer) {
        KubernetesClient client = context.client();
        this.clock = context.clock();
        this.writer = writer;
        this.events = context.eventRecorder("controllermanager");
        this.queue = RateLimitingQueue.withDefaultRateLimiter(clock);
        this.controller = new Controller(NAME, this::sync, queue, Integer.MAX_VALUE);
        var factory = context.informers();
        this.pdbInformer = factory.sharedIndexInformerFor(PodDisruptionBudget.class, 0);
        this.podInformer = factory.sharedIndexInformerFor(Pod.class, 0);
        var rcs = factory.sharedIndexInformerFor(ReplicationController.class, 0);
        var rss = factory.sharedIndexInformerFor(ReplicaSet.class, 0);
        var deployments = factory.sharedIndexInformerFor(Deployment.class, 0);
        var statefulSets = factory.sharedIndexInformerFor(StatefulSet.class, 0);
        this.informers = List.of(pdbInformer, podInformer, rcs, rss, deployments, statefulSets);
        this.pdbs = new Lister<>(pdbInformer.getIndexer());
        this.pods = new Lister<>(podInformer.getIndexer());
        this.expectedPods = new ExpectedPods(new Lister<>(rcs.getIndexer()), new Lister<>(rss.getIndexer()),
                new Lister<>(deployments.getIndexer()), new Lister<>(statefulSets.getIndexer()), client);
        this.stalePodDisruption = new StalePodDisruption(client, pods, clock);
        pdbInformer.addEventHandler(controller.enqueueingHandler());
        podInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                enqueueBudgetOf(pod);
                stalePodDisruption.enqueueIfStale(pod);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
                onAdd(newPod);
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                enqueueBudgetOf(pod);
            }
        });
    }

    static AutoCloseable start(ControllerContext context) {
        KubernetesClient client = context.client();
        var c = new DisruptionController(context, pdb -> client.resource(pdb).updateStatus());
        context.runWhenSynced(c.controller, c.informers);
        context.runWhenSynced(c.stalePodDisruption.controller(), c.informers);
        return c;
    }

    /** Queues the budget covering {@code pod}; with several, the first, and a warning on the pod as upstream. */
    private void enqueueBudgetOf(Pod pod) {
        List<PodDisruptionBudget> matching = MatchingBudgets.forPod(pdbs.namespace(pod.getMetadata().getNamespace()).list(), pod);
        if (matching.isEmpty()) {
            return;
        }
        if (matching.size() > 1) {
            String msg = "Pod \"" + pod.getMetadata().getNamespace() + "\"/\"" + pod.getMetadata().getName()
                    + "\" matches multiple PodDisruptionBudgets.  Chose \"" + matching.getFirst().getMetadata().getName() + "\" arbitrarily.";
            LOG.info("pod={}/{} matches multiple PodDisruptionBudgets, syncing {}", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), matching.getFirst().getMetadata().getName());
            events.event(pod, EventRecorder.WARNING, "MultiplePodDisruptionBudgets", msg);
        }
        controller.enqueue(matching.getFirst());
    }

    void sync(String key) {
        var k = Controller.ObjectKey.parse(key);
        PodDisruptionBudget pdb = pdbs.namespace(k.namespace()).get(k.name());
        if (pdb == null) {
            return;
        }
        try {
            trySync(key, pdb);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw e; // a newer budget: requeued, read afresh
            }
            LOG.warn("poddisruptionbudget={} sync failed, failing safe: {}", key, e.toString());
            failSafe(pdb, e.getMessage());
        } catch (ExpectedPods.CountFailedException | ApiException e) {
            LOG.warn("poddisruptionbudget={} sync failed, failing safe: {}", key, e.getMessage());
            failSafe(pdb, e.getMessage());
        }
    }

    private void trySync(String key, PodDisruptionBudget pdb) throws ExpectedPods.CountFailedException {
        List<Pod> matching = podsFor(pdb);
        if (matching.isEmpty()) {
            events.event(pdb, EventRecorder.NORMAL, "NoPods", "No matching pods found");
        }
        ExpectedPods.Count count;
        try {
            count = expectedPods.count(pdb, matching);
        } catch (ExpectedPods.CountFailedException e) {
            events.event(pdb, EventRecorder.WARNING, "CalculateExpectedPodCountFailed",
                    "Failed to calculate the number of expected pods: " + e.getMessage());
            throw e;
        }
        if (!count.unmanaged().isEmpty()) {
            events.event(pdb, EventRecorder.WARNING, "UnmanagedPods", "Pods selected by this PodDisruptionBudget (selector: "
                    + LabelSelectors.format(pdb.getSpec().getSelector()) + ") were found to be unmanaged. As a result, the status of "
                    + "the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods "
                    + "please set \".spec.minAvailable\" field of the PDB to an integer value.");
        }
        Instant now = clock.instant();
        DisruptedPods disrupted = DisruptedPods.of(matching, pdb, now);
        for (Pod pod : disrupted.expired()) {
            LOG.info("pod={}/{} was expected to be deleted but it wasn't, updating poddisruptionbudget={}",
                    pod.getMetadata().getNamespace(), pod.getMetadata().getName(), key);
            events.event(pod, EventRecorder.WARNING, "NotDeleted", "Pod was expected by PDB " + key + " to be deleted but it wasn't");
        }
        updateStatus(pdb, disrupted.healthy(matching, now), count, disrupted.kept());
        if (disrupted.recheckAt() != null) {
            queue.addAfter(key, Duration.between(now, disrupted.recheckAt()));
        }
    }

    /** The budget's pods from the cache; an invalid selector is an error (the budget fails safe), a missing one selects none. */
    private List<Pod> podsFor(PodDisruptionBudget pdb) {
        LabelSelector selector = LabelSelector.from(pdb.getSpec().getSelector());
        return pods.namespace(pdb.getMetadata().getNamespace()).list().stream()
                .filter(p -> selector.matches(p.getMetadata().getLabels())).toList();
    }

    private void updateStatus(PodDisruptionBudget pdb, int currentHealthy, ExpectedPods.Count count, Map<String, String> disruptedPods) {
        // a budget matching no pods yet allows nothing, so that its first pods are safe before the next sync
        int allowed = currentHealthy - count.desiredHealthy();
        if (count.expected() <= 0 || allowed <= 0) {
            allowed = 0;
        }
        PodDisruptionBudgetStatus old = pdb.getStatus() == null ? new PodDisruptionBudgetStatus() : pdb.getStatus();
        Map<String, String> oldDisrupted = old.getDisruptedPods() == null ? Map.of() : old.getDisruptedPods();
        if (Objects.equals(old.getCurrentHealthy(), currentHealthy) && Objects.equals(old.getDesiredHealthy(), count.desiredHealthy())
                && Objects.equals(old.getExpectedPods(), count.expected()) && Objects.equals(old.getDisruptionsAllowed(), allowed)
                && oldDisrupted.equals(disruptedPods) && Objects.equals(old.getObservedGeneration(), pdb.getMetadata().getGeneration())
                && DisruptionAllowedCondition.upToDate(pdb)) {
            return;
        }
        PodDisruptionBudget updated = new PodDisruptionBudgetBuilder(pdb).build();
        var status = new PodDisruptionBudgetStatus();
        status.setCurrentHealthy(currentHealthy);
        status.setDesiredHealthy(count.desiredHealthy());
        status.setExpectedPods(count.expected());
        status.setDisruptionsAllowed(allowed);
        status.setDisruptedPods(disruptedPods.isEmpty() ? null : disruptedPods);
        status.setObservedGeneration(pdb.getMetadata().getGeneration());
        status.setConditions(old.getConditions());
        updated.setStatus(status);
        DisruptionAllowedCondition.update(updated, clock.instant());
        writer.write(updated);
    }

    /** At least make sure no eviction is approved: disruptionsAllowed 0, DisruptionAllowed False/SyncFailed with the error. */
    private void failSafe(PodDisruptionBudget pdb, String error) {
        PodDisruptionBudget updated = new PodDisruptionBudgetBuilder(pdb).build();
        var status = updated.getStatus() == null ? new PodDisruptionBudgetStatus() : updated.getStatus();
        var before = DisruptionAllowedCondition.find(status.getConditions());
        if (Integer.valueOf(0).equals(status.getDisruptionsAllowed()) && before != null && "False".equals(before.getStatus())
                && DisruptionAllowedCondition.SYNC_FAILED.equals(before.getReason()) && Objects.equals(before.getMessage(), error)) {
            return; // already failed safe for this reason: writing it again would only wake this controller again
        }
        status.setDisruptionsAllowed(0);
        DisruptionAllowedCondition.set(status, "False", DisruptionAllowedCondition.SYNC_FAILED, error, clock.instant());
        updated.setStatus(status);
        writer.write(updated);
    }

    @Override
    public void close() throws Exception {
        controller.close();
        stalePodDisruption.controller().close();
        events.close();
    }
}
