package dev.skiff.controller.tainteviction;

import dev.skiff.api.scheduling.Taints;
import dev.skiff.client.controller.Controller;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Upstream's taint eviction controller (pkg/controller/tainteviction, "taint-eviction-controller"):
 * a pod on a node with NoExecute taints it does not tolerate is deleted at once; one that tolerates
 * them all for a while (tolerationSeconds - 300 s for not-ready/unreachable by the
 * DefaultTolerationSeconds admission) is deleted when the shortest of those times, counted from the
 * taints' timeAdded, runs out; tolerating without a limit keeps it. Before the delete the pod gets the
 * DisruptionTarget condition (reason DeletionByTaintManager) and a TaintManagerEviction event.
 */
public final class TaintEvictionController implements AutoCloseable {
    public static final String NAME = "taint-eviction-controller";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, TaintEvictionController::start);

    private final KubernetesClient client;
    private final Clock clock;
    private final SharedIndexInformer<Node> nodes;
    private final SharedIndexInformer<Pod> pods;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;
    private final EventRecorder events;

    private TaintEvictionController(ControllerContext context) {
        this.client = context.client();
        this.clock = context.clock();
        this.queue = RateLimitingQueue.withDefaultRateLimiter(clock);
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.events = context.eventRecorder("taint-eviction-controller");
        this.nodes = context.informers().sharedIndexInformerFor(Node.class, 0);
        this.pods = context.informers().sharedIndexInformerFor(Pod.class, 0);
        pods.addEventHandler(controller.enqueueingHandler());
        nodes.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                nodeChanged(node);
            }

            @Override
            public void onUpdate(Node oldNode, Node newNode) {
                if (!Objects.equals(noExecute(oldNode), noExecute(newNode))) {
                    nodeChanged(newNode);
                }
            }

            @Override
            public void onDelete(Node node, boolean finalStateUnknown) {
            }
        });
    }

    static AutoCloseable start(ControllerContext context) {
        var c = new TaintEvictionController(context);
        context.runWhenSynced(c.controller, List.of(c.nodes, c.pods));
        return c;
    }

    private void nodeChanged(Node node) {
        if (noExecute(node).isEmpty()) {
            return;
        }
        for (Pod pod : pods.getIndexer().list()) {
            if (node.getMetadata().getName().equals(pod.getSpec().getNodeName())) {
                queue.add(Cache.metaNamespaceKeyFunc(pod));
            }
        }
    }

    private static List<Taint> noExecute(Node node) {
        if (node.getSpec() == null || node.getSpec().getTaints() == null) {
            return List.of();
        }
        return node.getSpec().getTaints().stream().filter(t -> "NoExecute".equals(t.getEffect())).toList();
    }

    void sync(String key) {
        Pod pod = pods.getIndexer().getByKey(key);
        if (pod == null || pod.getSpec().getNodeName() == null || pod.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        Node node = nodes.getIndexer().getByKey(pod.getSpec().getNodeName());
        if (node == null) {
            return;
        }
        List<Taint> taints = noExecute(node);
        if (taints.isEmpty()) {
            return;
        }
        List<Toleration> tolerations = pod.getSpec().getTolerations() == null ? List.of() : pod.getSpec().getTolerations();
        Instant now = clock.instant();
        Instant evictAt = null;
        for (Taint taint : taints) {
            List<Toleration> matching = tolerations.stream().filter(t -> Taints.toleratesTaint(t, taint)).toList();
            if (matching.isEmpty()) {
                evictAt = now;
                break;
            }
            // the shortest limited tolerationSeconds counts; any toleration without a limit tolerates forever
            if (matching.stream().anyMatch(t -> t.getTolerationSeconds() == null)) {
                continue;
            }
            long seconds = matching.stream().mapToLong(Toleration::getTolerationSeconds).min().orElseThrow();
            Instant added = taint.getTimeAdded() == null ? now : Instant.parse(taint.getTimeAdded());
            Instant at = added.plusSeconds(Math.max(0, seconds));
            evictAt = evictAt == null || at.isBefore(evictAt) ? at : evictAt;
        }
        if (evictAt == null) {
            return;
        }
        if (evictAt.isAfter(now)) {
            queue.addAfter(key, Duration.between(now, evictAt));
            return;
        }
        evict(pod, now);
    }

    private void evict(Pod pod, Instant now) {
        events.eventf(pod, EventRecorder.NORMAL, "TaintManagerEviction", "Marking for deletion Pod %s/%s", pod.getMetadata().getNamespace(),
                pod.getMetadata().getName());
        try {
            List<PodCondition> conditions = new ArrayList<>(pod.getStatus() == null || pod.getStatus().getConditions() == null ? List.of()
                    : pod.getStatus().getConditions());
            conditions.removeIf(c -> "DisruptionTarget".equals(c.getType()));
            conditions.add(new PodConditionBuilder().withType("DisruptionTarget").withStatus("True").withReason("DeletionByTaintManager")
                    .withMessage("Taint manager: deleting due to NoExecute taint")
                    .withLastTransitionTime(DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS))).build());
            client.resource(new PodBuilder(pod).editOrNewStatus().withConditions(conditions).endStatus().build()).updateStatus();
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw new IllegalStateException("pod changed meanwhile", e); // retried from the fresher pod
            }
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    @Override
    public void close() throws Exception {
        controller.close();
        events.close();
    }
}
