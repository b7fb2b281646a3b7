package dev.skiff.controller.nodelifecycle;

import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's node lifecycle controller (pkg/controller/nodelifecycle, "node-lifecycle"): every
 * --node-monitor-period (5 s) it looks at each node's last heartbeat - its Lease's renewTime or its
 * Ready condition's lastHeartbeatTime, whichever is later, and its creation before either. A node silent
 * for --node-monitor-grace-period (50 s since v1.32) gets Ready, MemoryPressure, DiskPressure and
 * PIDPressure set to Unknown ("Kubelet stopped posting node status."). A node that never posted a Ready
 * condition is given --node-startup-grace-period (1 m) instead, after which the conditions it lacks are
 * added as Unknown ("Kubelet never posted node status."). Its pods are then marked not Ready. The Ready
 * condition is mirrored into taints: not-ready (False) or unreachable (Unknown) as NoSchedule and
 * NoExecute (which the taint-eviction controller acts on), node.kubernetes.io/unschedulable for a
 * cordoned node; they go when the node is Ready again.
 */
public final class NodeLifecycleController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLifecycleController.class);
    public static final String NAME = "node-lifecycle";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME,
            context -> new NodeLifecycleController(context, context.options().nodeMonitorPeriod(),
                    context.options().nodeMonitorGracePeriod(), context.options().nodeStartupGracePeriod()).start());
    public static final String NOT_READY = "node.kubernetes.io/not-ready";
    public static final String UNREACHABLE = "node.kubernetes.io/unreachable";
    public static final String UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
    static final Set<String> MANAGED_TAINTS = Set.of(NOT_READY, UNREACHABLE, UNSCHEDULABLE);
    private static final List<String> CONDITIONS = List.of("Ready", "MemoryPressure", "DiskPressure", "PIDPressure");

    private final KubernetesClient client;
    private final Clock clock;
    private final Duration period;
    private final Duration grace;
    private final Duration startupGrace;
    private final SharedIndexInformer<Node> nodes;
    private final SharedIndexInformer<Lease> leases;
    private final SharedIndexInformer<Pod> pods;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name(NAME).factory());

    NodeLifecycleController(ControllerContext context, Duration period, Duration grace, Duration startupGrace) {
        this.client = context.client();
        this.clock = context.clock();
        this.period = period;
        this.grace = grace;
        this.startupGrace = startupGrace;
        this.nodes = context.informers().sharedIndexInformerFor(Node.class, 0);
        this.leases = context.informers().sharedIndexInformerFor(Lease.class, 0);
        this.pods = context.informers().sharedIndexInformerFor(Pod.class, 0);
    }

    NodeLifecycleController start() {
        loop.scheduleWithFixedDelay(() -> {
            try {
                if (nodes.hasSynced() && leases.hasSynced() && pods.hasSynced()) {
                    monitorNodeHealth();
                }
            } catch (RuntimeException e) {
                LOG.warn("node health check failed; again in {}: {}", period, e.toString());
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** One round of upstream's monitorNodeHealth over every node. */
    void monitorNodeHealth() {
        for (Node node : nodes.getIndexer().list()) {
            try {
                checkNode(node);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404 && e.getCode() != 409) { // gone or changed meanwhile: the next round sees it
                    throw e;
                }
            }
        }
    }

    private void checkNode(Node node) {
        Instant now = clock.instant();
        String name = node.getMetadata().getName();
        NodeCondition ready = condition(node, "Ready");
        Instant lastHeartbeat = lastHeartbeat(node, ready);
        boolean neverReported = ready == null;
        Duration allowed = neverReported ? startupGrace : grace;
        if (Duration.between(lastHeartbeat, now).compareTo(allowed) > 0 && (ready == null || !"Unknown".equals(ready.getStatus()))) {
            LOG.info("node={} has not reported for {}s: marking its conditions Unknown", name, Duration.between(lastHeartbeat, now).toSeconds());
            node = client.resource(new NodeBuilder(node).editOrNewStatus().withConditions(unknownConditions(node, now)).endStatus().build())
                    .updateStatus();
            markPodsNotReady(name, now);
            ready = condition(node, "Ready");
        }
        List<Taint> wanted = wantedTaints(node, ready, now);
        List<Taint> current = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
        if (!sameManagedTaints(current, wanted)) {
            List<Taint> taints = new ArrayList<>(current.stream().filter(t -> !MANAGED_TAINTS.contains(t.getKey())).toList());
            taints.addAll(wanted);
            client.resource(new NodeBuilder(node).editOrNewSpec().withTaints(taints).endSpec().build()).update();
        }
    }

    private Instant lastHeartbeat(Node node, NodeCondition ready) {
        Instant latest = Instant.parse(node.getMetadata().getCreationTimestamp());
        if (ready != null && ready.getLastHeartbeatTime() != null) {
            latest = max(latest, Instant.parse(ready.getLastHeartbeatTime()));
        }
        Lease lease = leases.getIndexer().getByKey("kube-node-lease/" + node.getMetadata().getName());
        if (lease != null && lease.getSpec() != null && lease.getSpec().getRenewTime() != null) {
            latest = max(latest, lease.getSpec().getRenewTime().toInstant());
        }
        return latest;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /**
     * Upstream's tryUpdateNodeHealth past the grace: each health condition not yet Unknown turns Unknown
     * (its heartbeat kept: the kubelet's last word), one the kubelet never posted is added as Unknown.
     */
    private List<NodeCondition> unknownConditions(Node node, Instant now) {
        String time = format(now);
        List<NodeCondition> out = new ArrayList<>();
        List<NodeCondition> existing = node.getStatus() == null || node.getStatus().getConditions() == null ? List.of()
                : node.getStatus().getConditions();
        for (NodeCondition c : existing) {
            if (CONDITIONS.contains(c.getType()) && !"Unknown".equals(c.getStatus())) {
                out.add(new NodeConditionBuilder(c).withStatus("Unknown").withReason("NodeStatusUnknown")
                        .withMessage("Kubelet stopped posting node status.").withLastTransitionTime(time).build());
            } else {
                out.add(c);
            }
        }
        for (String type : CONDITIONS) {
            if (existing.stream().noneMatch(c -> type.equals(c.getType()))) {
                out.add(new NodeConditionBuilder().withType(type).withStatus("Unknown").withReason("NodeStatusNeverUpdated")
                        .withMessage("Kubelet never posted node status.").withLastHeartbeatTime(node.getMetadata().getCreationTimestamp())
                        .withLastTransitionTime(time).build());
            }
        }
        return out;
    }

    /** Upstream's MarkPodsNotReady: the node's pods get Ready=False, so endpoints stop sending them traffic. */
    private void markPodsNotReady(String nodeName, Instant now) {
        for (Pod pod : pods.getIndexer().list()) {
            if (!nodeName.equals(pod.getSpec().getNodeName()) || pod.getStatus() == null || pod.getStatus().getConditions() == null) {
                continue;
            }
            List<PodCondition> conditions = new ArrayList<>();
            boolean changed = false;
            for (PodCondition c : pod.getStatus().getConditions()) {
                if ("Ready".equals(c.getType()) && !"False".equals(c.getStatus())) {
                    conditions.add(new PodConditionBuilder(c).withStatus("False").withLastTransitionTime(format(now)).build());
                    changed = true;
                } else {
                    conditions.add(c);
                }
            }
            if (changed) {
                try {
                    client.resource(new PodBuilder(pod).editStatus().withConditions(conditions).endStatus().build()).updateStatus();
                } catch (KubernetesClientException e) {
                    LOG.info("marking pod {}/{} not ready failed: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.getMessage());
                }
            }
        }
    }

    /** The taints the node's Ready condition and spec.unschedulable call for. */
    private static List<Taint> wantedTaints(Node node, NodeCondition ready, Instant now) {
        List<Taint> wanted = new ArrayList<>();
        String key = ready == null ? null : switch (ready.getStatus()) {
            case "False" -> NOT_READY;
            case "Unknown" -> UNREACHABLE;
            default -> null;
        };
        List<Taint> current = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
        if (key != null) {
            wanted.add(new TaintBuilder().withKey(key).withEffect("NoSchedule").build());
            // keep the time a NoExecute taint was added: evictions count tolerationSeconds from it
            String added = current.stream().filter(t -> key.equals(t.getKey()) && "NoExecute".equals(t.getEffect()))
                    .map(Taint::getTimeAdded).filter(Objects::nonNull).findFirst().orElse(format(now));
            wanted.add(new TaintBuilder().withKey(key).withEffect("NoExecute").withTimeAdded(added).build());
        }
        if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
            wanted.add(new TaintBuilder().withKey(UNSCHEDULABLE).withEffect("NoSchedule").build());
        }
        return wanted;
    }

    private static boolean sameManagedTaints(List<Taint> current, List<Taint> wanted) {
        var have = current.stream().filter(t -> MANAGED_TAINTS.contains(t.getKey())).map(t -> t.getKey() + ":" + t.getEffect()).sorted().toList();
        var want = wanted.stream().map(t -> t.getKey() + ":" + t.getEffect()).sorted().toList();
        return have.equals(want);
    }

    private static NodeCondition condition(Node node, String type) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return null;
        }
        return node.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    private static String format(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }

    @Override
    public void close() {
        loop.shutdownNow();
    }
}
