package dev.skiff.agent.kubelet.nodelease;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's node lease heartbeat (upstream: pkg/kubelet/nodelease via component-helpers'
 * lease controller): a Lease named after the node in {@code kube-node-lease}, held by the node, owned
 * by its Node object, renewed every quarter of its duration. One instance renews the leases of all
 * the nodes of a process (one, or a simulated fleet), each on its own schedule spread over the interval.
 */
public final class NodeLeases implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLeases.class);
    public static final String NAMESPACE = "kube-node-lease";

    private final KubernetesClient client;
    private final Clock clock;
    private final int durationSeconds;
    private final Map<String, Lease> last = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(1, Thread.ofPlatform().daemon().name("node-lease").factory());

    public NodeLeases(KubernetesClient client, Clock clock, int durationSeconds) {
        this.client = client;
        this.clock = clock;
        this.durationSeconds = durationSeconds;
    }

    /** Creates or takes over the node's lease now, then renews it every quarter of the lease duration. */
    public void start(Node node) {
        renew(node);
        long interval = renewInterval().toMillis();
        var inFlight = new java.util.concurrent.atomic.AtomicBoolean();
        timer.scheduleWithFixedDelay(() -> {
            if (inFlight.compareAndSet(false, true)) { // a renewal slower than the interval is not overtaken by the next
                Thread.ofVirtual().start(() -> {
                    try {
                        renew(node);
                    } finally {
                        inFlight.set(false);
                    }
                });
            }
        }, ThreadLocalRandom.current().nextLong(interval), interval, TimeUnit.MILLISECONDS);
    }

    public Duration renewInterval() {
        return Duration.ofMillis(durationSeconds * 250L);
    }

    void renew(Node node) {
        String name = node.getMetadata().getName();
        java.time.ZonedDateTime now = java.time.ZonedDateTime.ofInstant(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS), ZoneOffset.UTC);
        try {
            Lease current = last.get(name);
            if (current == null) {
                current = client.leases().inNamespace(NAMESPACE).withName(name).get();
            }
            Lease written;
            if (current == null) {
                written = client.resource(new LeaseBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE)
                        .addToOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node").withName(name)
                                .withUid(node.getMetadata().getUid()).build())
                        .endMetadata()
                        .withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(durationSeconds).withRenewTime(now).endSpec()
                        .build()).create();
            } else {
                written = client.resource(new LeaseBuilder(current).editSpec().withHolderIdentity(name)
                        .withLeaseDurationSeconds(durationSeconds).withRenewTime(now).endSpec().build()).update();
            }
            last.put(name, written);
        } catch (KubernetesClientException e) {
            last.remove(name); // read it again next time
            LOG.warn("node={} lease renewal failed: {}", name, e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
