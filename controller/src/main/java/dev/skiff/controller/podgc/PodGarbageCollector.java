package dev.skiff.controller.podgc;

import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's pod garbage collector (pkg/controller/podgc, "pod-garbage-collector"), every 20 s:
 * terminated pods (Succeeded, Failed) beyond --terminated-pod-gc-threshold (12500) are deleted
 * oldest first; pods bound to a node that no longer exists (absent from the cache for the 40 s
 * quarantine, then confirmed with the API server) and terminating pods never scheduled are marked
 * with the DisruptionTarget condition (reason DeletionByPodGC) and Failed when not terminal, then
 * force-deleted.
 */
public final class PodGarbageCollector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PodGarbageCollector.class);
    public static final String NAME = "pod-garbage-collector";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, PodGarbageCollector::start);
    static final int TERMINATED_POD_GC_THRESHOLD = 12500;
    static final Duration GC_CHECK_PERIOD = Duration.ofSeconds(20);
    static final Duration QUARANTINE = Duration.ofSeconds(40);

    private final KubernetesClient client;
    private final Clock clock;
    private final int terminatedThreshold;
    private final Duration quarantine;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<Node> nodes;
    /** Node name -> when it was first seen missing (upstream's nodeQueue with its quarantine delay). */
    private final Map<String, Instant> missingSince = new HashMap<>();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name(NAME).factory());

    PodGarbageCollector(ControllerContext context, int terminatedThreshold, Duration quarantine) {
        this.client = context.client();
        this.clock = context.clock();
        this.terminatedThreshold = terminatedThreshold;
        this.quarantine = quarantine;
        this.pods = context.informers().sharedIndexInformerFor(Pod.class, 0);
        this.nodes = context.informers().sharedIndexInformerFor(Node.class, 0);
    }

    static AutoCloseable start(ControllerContext context) {
        var gc = new PodGarbageCollector(context, TERMINATED_POD_GC_THRESHOLD, QUARANTINE);
        gc.loop.scheduleWithFixedDelay(gc::runOnce, GC_CHECK_PERIOD.toMillis(), GC_CHECK_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return gc;
    }

    private void runOnce() {
        try {
            if (pods.hasSynced() && nodes.hasSynced()) {
                gc();
            }
        } catch (RuntimeException e) {
            LOG.warn("pod garbage collection failed; next round in {}: {}", GC_CHECK_PERIOD, e.toString());
        }
    }

    /** One round of upstream's gc: terminated beyond the threshold, orphaned, unscheduled terminating. */
    void gc() {
        List<Pod> all = pods.getIndexer().list();
        gcTerminated(all);
        gcOrphaned(all);
        gcUnscheduledTerminating(all);
    }

    private void gcTerminated(List<Pod> all) {
        List<Pod> terminated = new ArrayList<>(all.stream().filter(PodGarbageCollector::isTerminated)
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList());
        int excess = terminated.size() - terminatedThreshold;
        if (excess <= 0) {
            return;
        }
        terminated.sort(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp()).thenComparing(p -> p.getMetadata().getName()));
        LOG.info("garbage collecting {} terminated pods beyond the threshold of {}", excess, terminatedThreshold);
        for (Pod pod : terminated.subList(0, excess)) {
            forceDelete(pod, false);
        }
    }

    private void gcOrphaned(List<Pod> all) {
        Set<String> known = new HashSet<>();
        nodes.getIndexer().list().forEach(n -> known.add(n.getMetadata().getName()));
        Instant now = clock.instant();
        missingSince.keySet().removeIf(known::contains);
        Set<String> deleted = new HashSet<>();
        for (Pod pod : all) {
            String node = pod.getSpec().getNodeName();
            if (node == null || node.isEmpty() || known.contains(node)) {
                continue;
            }
            Instant since = missingSince.computeIfAbsent(node, n -> now);
            if (Duration.between(since, now).compareTo(quarantine) < 0) {
                continue;
            }
            if (!deleted.contains(node) && client.nodes().withName(node).get() != null) {
                missingSince.remove(node); // the cache lagged: the node exists
                continue;
            }
            deleted.add(node);
            LOG.info("pod {}/{} is bound to node {} that no longer exists; deleting it", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), node);
            forceDelete(pod, true);
        }
    }

    private void gcUnscheduledTerminating(List<Pod> all) {
        for (Pod pod : all) {
            if (pod.getMetadata().getDeletionTimestamp() != null && (pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty())) {
                forceDelete(pod, true);
            }
        }
    }

    private static boolean isTerminated(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /** Marks the pod as upstream's podgc does (DisruptionTarget, Failed unless terminal), then deletes it with grace period 0. */
    private void forceDelete(Pod pod, boolean markDisrupted) {
        try {
            if (markDisrupted && !isTerminated(pod)) {
                String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
                PodCondition disrupted = new PodConditionBuilder().withType("DisruptionTarget").withStatus("True")
                        .withReason("DeletionByPodGC").withMessage("PodGC: node no longer exists").withLastTransitionTime(now).build();
                List<PodCondition> conditions = new ArrayList<>(pod.getStatus() == null || pod.getStatus().getConditions() == null
                        ? List.of() : pod.getStatus().getConditions());
                conditions.removeIf(c -> "DisruptionTarget".equals(c.getType()));
                conditions.add(disrupted);
                client.resource(new PodBuilder(pod).editOrNewStatus().withPhase("Failed").withConditions(conditions).endStatus().build())
                        .updateStatus();
            }
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404 && e.getCode() != 409) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        loop.shutdownNow();
    }
}
