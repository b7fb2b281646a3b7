package dev.skiff.agent.kubelet;

import dev.skiff.agent.kubelet.nodelease.NodeLeases;
import dev.skiff.agent.kubelet.nodestatus.NodeStatus;
import dev.skiff.agent.kubelet.pod.MirrorClient;
import dev.skiff.agent.kubelet.config.PodUpdates;
import dev.skiff.agent.kubelet.status.StatusManager;
import dev.skiff.client.controller.Controller;
import dev.skiff.client.workqueue.RateLimitingQueue;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's control loop (upstream: pkg/kubelet's syncLoop, pod workers and registration) for
 * the nodes of one process - one for {@code skiff agent}, N for a simulated fleet: registers each
 * Node (or takes over an existing one), keeps its Lease renewed and its status reported, watches
 * the pods bound to it and syncs each through the node's {@link PodSyncer} one pod at a time,
 * writing the status the syncer reports - again on every change of the pod, on every
 * {@link #podLifecycleEvent} (the PLEG, probe results) and periodically ({@link Config}); a pod deleted or being deleted is torn down (then removed
 * with grace period 0, as upstream's status manager does once its containers are gone). Static pods
 * ({@link #updateStaticPods}) run from their files; the API holds their mirror pods.
 */
public final class Kubelet implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Kubelet.class);
    private static final Duration CACHE_SYNC_TIMEOUT = Duration.ofMinutes(5);

    /**
     * @param leaseDurationSeconds the node lease's duration (renewed every quarter of it)
     * @param statusReportPeriod how often the node status is written (upstream's nodeStatusReportFrequency)
     * @param podResyncPeriod how soon a pod not yet running and ready everywhere (starting, restarting, in back-off, not
     *                        ready) is synced again without a change (null: never)
     * @param syncFrequency how often a running, ready (or finished) pod is synced again without a change (upstream's
     *                      --sync-frequency, 1 min; null: never); changes of its containers reach the kubelet through
     *                      {@link #podLifecycleEvent} (the PLEG, probe results) in between
     * @param workers pods synced at once
     */
    public record Config(int leaseDurationSeconds, Duration statusReportPeriod, Duration podResyncPeriod, Duration syncFrequency,
                         int workers) {
        /** Every pod resynced after {@code podResyncPeriod}. */
        public Config(int leaseDurationSeconds, Duration statusReportPeriod, Duration podResyncPeriod, int workers) {
            this(leaseDurationSeconds, statusReportPeriod, podResyncPeriod, podResyncPeriod, workers);
        }
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final Config config;
    private final Map<String, NodeStatus> nodes = new LinkedHashMap<>();
    private final Map<String, Node> registered = new ConcurrentHashMap<>();
    private final Function<String, PodSyncer> syncers;
    private final Map<String, PodSyncer> syncerByNode = new ConcurrentHashMap<>();
    /** Pod key -> the static pod from a file (upstream's file source), run instead of its mirror pod in the API. */
    private final Map<String, Pod> staticPods = new ConcurrentHashMap<>();
    private final MirrorClient mirrors;
    /** Pod key -> the pod as last synced, so a deleted pod can be torn down by the syncer of its node. */
    private final Map<String, Pod> synced = new ConcurrentHashMap<>();
    /** Pod uid -> pod key, of the pods synced, so a runtime event (by uid) reaches the pod's worker. */
    private final Map<String, String> keysByUid = new ConcurrentHashMap<>();
    private final StatusManager statusManager;
    private final NodeLeases leases;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;
    private final ScheduledExecutorService statusTimer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("node-status").factory());
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("housekeeping").factory());
    private SharedIndexInformer<Pod> pods;

    private Kubelet(KubernetesClient client, Clock clock, Config config, List<NodeStatus> nodes, Function<String, PodSyncer> syncers) {
        this.client = client;
        this.clock = clock;
        this.config = config;
        nodes.forEach(n -> this.nodes.put(n.name(), n));
        this.syncers = syncers;
        this.statusManager = new StatusManager(client);
        this.mirrors = new MirrorClient(client);
        this.leases = new NodeLeases(client, clock, config.leaseDurationSeconds());
        this.queue = RateLimitingQueue.withDefaultRateLimiter(clock);
        this.controller = new Controller("kubelet", this::syncPod, queue, 15);
    }

    /** Registers the nodes, starts their heartbeats and the pod loop; returns once every node is registered. */
    public static Kubelet start(KubernetesClient client, Clock clock, Config config, List<NodeStatus> nodes,
                                Function<String, PodSyncer> syncers) {
        var kubelet = new Kubelet(client, clock, config, nodes, syncers);
        kubelet.run();
        return kubelet;
    }

    private void run() {
        // a simulated fleet registers its nodes (Node and Lease, one request after another each) several at a time: one
        // after another, 1000 nodes took 82 s, each write waiting for the store's sync
        forEachNode(node -> {
            Node n = register(node);
            registered.put(node.name(), n);
            leases.start(n);
        });
        long period = config.statusReportPeriod().toMillis();
        statusTimer.scheduleWithFixedDelay(this::reportNodeStatuses, period, period, TimeUnit.MILLISECONDS);
        var podsOp = client.pods().inAnyNamespace();
        pods = nodes.size() == 1 ? podsOp.withField("spec.nodeName", nodes.keySet().iterator().next()).runnableInformer(0)
                : podsOp.runnableInformer(0);
        pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                if (ours(pod)) {
                    queue.add(Cache.metaNamespaceKeyFunc(pod));
                }
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
                // the kubelet's own status write coming back is no reason to sync (upstream's pod config drops it too)
                if ((ours(newPod) || ours(oldPod)) && !(PodUpdates.statusOnly(oldPod, newPod) && statusManager.isOwnWrite(newPod))) {
                    queue.add(Cache.metaNamespaceKeyFunc(newPod));
                }
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                statusManager.forget(pod.getMetadata().getUid()); // its last status write, mirror pods' too
                queue.add(Cache.metaNamespaceKeyFunc(pod));
            }
        });
        pods.start();
        controller.start(config.workers(), List.of(pods), CACHE_SYNC_TIMEOUT);
        LOG.info("kubelet running nodes={}", nodes.size() == 1 ? nodes.keySet() : nodes.size());
    }

    /**
     * The static pods of {@code node} now (the full set, as the file source reads it): new and changed ones are synced
     * (a changed file is a new pod: the old one is torn down), removed ones torn down and their mirror pods deleted.
     */
    public void updateStaticPods(String node, List<Pod> pods) {
        Map<String, Pod> now = new LinkedHashMap<>();
        pods.forEach(p -> now.put(Cache.metaNamespaceKeyFunc(p), p));
        for (var entry : staticPods.entrySet()) {
            if (node.equals(entry.getValue().getSpec().getNodeName()) && !now.containsKey(entry.getKey())
                    && staticPods.remove(entry.getKey(), entry.getValue())) {
                queue.add(entry.getKey());
            }
        }
        now.forEach((key, pod) -> {
            Pod old = staticPods.put(key, pod);
            if (old == null || !Objects.equals(old.getMetadata().getUid(), pod.getMetadata().getUid())) {
                queue.add(key);
            }
        });
    }

    /**
     * Runs {@link #cleanupOrphanedPods} for {@code node} now and every {@code period} (upstream's housekeeping, every 2 s).
     * The caller starts it once every pod source is read (the static pods too), as upstream waits for all sources.
     */
    public void startPodCleanups(String node, Duration period) {
        housekeeping.scheduleWithFixedDelay(() -> cleanupOrphanedPods(node), 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Tears down the pods the runtime of {@code node} has that are neither bound to it in the API nor static pods, nor synced
     * by this kubelet (upstream's HandlePodCleanups): pods deleted while the agent was down, and pods that had finished
     * before it started (not synced again) once they are deleted. Each is stopped with the default grace period of 30 s,
     * its spec being gone.
     */
    void cleanupOrphanedPods(String node) {
        PodSyncer syncer = syncer(node);
        try {
            Instant deadline = clock.instant().plus(CACHE_SYNC_TIMEOUT);
            while (!pods.hasSynced()) { // the API's pods listed: else every pod would look orphaned
                if (clock.instant().isAfter(deadline)) {
                    LOG.warn("node={} pods not listed within {}: orphaned pods not cleaned up", node, CACHE_SYNC_TIMEOUT);
                    return;
                }
                Thread.sleep(10);
            }
            Set<String> orphans = new HashSet<>(syncer.runtimePodUids()); // first: a pod synced from now on is in a list below
            for (Pod pod : pods.getIndexer().list()) {
                if (node.equals(pod.getSpec().getNodeName())) {
                    orphans.remove(pod.getMetadata().getUid());
                }
            }
            staticPods.values().forEach(p -> orphans.remove(p.getMetadata().getUid()));
            synced.values().forEach(p -> orphans.remove(p.getMetadata().getUid()));
            for (String uid : orphans) {
                LOG.info("node={} pod uid={} is on the runtime but no longer bound here: tearing it down", node, uid);
                syncer.syncTerminatingPod(new PodBuilder().withNewMetadata().withUid(uid).endMetadata().withNewSpec().endSpec().build(),
                        Duration.ofSeconds(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("node={} cleanup of orphaned pods failed: {}", node, e.toString());
        }
    }

    private boolean ours(Pod pod) {
        return pod.getSpec() != null && pod.getSpec().getNodeName() != null && nodes.containsKey(pod.getSpec().getNodeName());
    }

    /**
     * Upstream's registerWithAPIServer: tries until the Node is registered, backing off from 100 ms to 7 s between
     * attempts ("Unable to register node with API server"), so a busy or restarting API server (no answer, 429, 5xx)
     * delays an agent's start rather than ending it; a refusal ends it. A conflict (409) is tried again too: taking over an
     * existing Node reads it and writes it back, and another writer may come between - the node lifecycle controller
     * marking a restarting node's conditions Unknown, as it does when a server restarts with its embedded agent.
     */
    private Node register(NodeStatus node) {
        long backoff = 100;
        while (true) {
            try {
                return registerOnce(node);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 0 && e.getCode() != 409 && e.getCode() != 429 && e.getCode() < 500) {
                    throw e; // refused (401, 403, 422, ...): retrying would not change the answer
                }
                LOG.warn("node={} unable to register node with API server, retrying in {} ms: {}", node.name(), backoff,
                        e.getCause() != null ? e.getMessage() + ": " + e.getCause() : e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = Math.min(backoff * 2, 7000);
            }
        }
    }

    /** Create the Node, or take over the existing one (its status rewritten). */
    private Node registerOnce(NodeStatus node) {
        String now = now();
        try {
            return client.resource(node.toNode(now)).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        Node existing = client.nodes().withName(node.name()).get();
        Map<String, String> labels = new LinkedHashMap<>(existing.getMetadata().getLabels() == null ? Map.of() : existing.getMetadata().getLabels());
        labels.putAll(node.labels());
        Node updated = client.resource(new NodeBuilder(existing).editMetadata().withLabels(labels).endMetadata().build()).update();
        return client.resource(new NodeBuilder(updated).withStatus(node.status(now,
                updated.getStatus() == null ? List.of() : updated.getStatus().getConditions())).build()).updateStatus();
    }

    /** {@code action} for every node, up to {@code config.workers()} at once; the first failure is thrown once all ended. */
    private void forEachNode(java.util.function.Consumer<NodeStatus> action) {
        var limit = new java.util.concurrent.Semaphore(Math.max(1, config.workers()));
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (NodeStatus node : nodes.values()) {
                done.add(pool.submit(() -> {
                    limit.acquire();
                    try {
                        action.accept(node);
                    } finally {
                        limit.release();
                    }
                    return null;
                }));
            }
        }
        for (var future : done) {
            try {
                future.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while registering nodes", e);
            }
        }
    }

    private void reportNodeStatuses() {
        forEachNode(node -> {
            try {
                Node current = client.nodes().withName(node.name()).get();
                if (current == null) {
                    current = register(node); // deleted meanwhile: register again, as upstream does
                } else {
                    client.resource(new NodeBuilder(current).withStatus(node.status(now(), current.getStatus() == null ? List.of()
                            : current.getStatus().getConditions())).build()).updateStatus();
                }
            } catch (KubernetesClientException e) {
                LOG.warn("node={} status report failed: {}", node.name(), e.getMessage());
            }
        });
    }

    private String now() {
        return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    }

    private PodSyncer syncer(String node) {
        return syncerByNode.computeIfAbsent(node, syncers);
    }

    /**
     * One pod: tear down what is gone or being deleted, else sync it and report its status. A static pod is run from its
     * file; its mirror pod in the API is only written to, and deleted when it has no static pod.
     */
    void syncPod(String key) throws Exception {
        Pod apiPod = pods.getIndexer().getByKey(key);
        Pod staticPod = staticPods.get(key);
        Pod pod = staticPod != null ? staticPod : apiPod != null && MirrorClient.isMirrorPod(apiPod) ? null : apiPod;
        Pod known = synced.get(key);
        if (staticPod == null && apiPod != null && MirrorClient.isMirrorPod(apiPod) && ours(apiPod)) {
            mirrors.deleteMirrorPod(apiPod); // orphaned: its file is gone (upstream's deleteOrphanedMirrorPods), before the pod's grace period
        }
        if (known != null && (pod == null || !ours(pod) || !Objects.equals(pod.getMetadata().getUid(), known.getMetadata().getUid()))) {
            syncer(known.getSpec().getNodeName()).syncTerminatingPod(known, gracePeriod(known));
            forget(key);
        }
        if (pod == null || !ours(pod)) {
            return;
        }
        PodSyncer syncer = syncer(pod.getSpec().getNodeName());
        if (staticPod != null) {
            syncStaticPod(key, syncer, staticPod, apiPod);
            return;
        }
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            PodStatus last = syncer.syncTerminatingPod(pod, gracePeriod(pod));
            forget(key);
            statusManager.setStatus(pod, last);
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).withGracePeriod(0)
                        .delete();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
            return;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if (("Succeeded".equals(phase) || "Failed".equals(phase)) && !synced.containsKey(key)) {
            return; // finished before this agent saw it: nothing to run again
        }
        PodStatus status = syncer.syncPod(pod);
        remember(key, pod);
        statusManager.setStatus(pod, status);
        resyncLater(key, pod, status);
    }

    private void remember(String key, Pod pod) {
        synced.put(key, pod);
        keysByUid.put(pod.getMetadata().getUid(), key);
    }

    private void forget(String key) {
        Pod pod = synced.remove(key);
        if (pod != null) {
            keysByUid.remove(pod.getMetadata().getUid(), key);
            statusManager.forget(pod.getMetadata().getUid());
        }
    }

    /**
     * Queues the pod's next sync: soon while it is on its way somewhere, after the sync frequency once it runs ready or has
     * finished - and no later than its active deadline (upstream's activeDeadlineHandler asks for that sync).
     */
    private void resyncLater(String key, Pod pod, PodStatus status) {
        Duration after = steady(status) ? config.syncFrequency() : config.podResyncPeriod();
        var deadline = ActiveDeadline.of(pod, status.getStartTime());
        if (deadline.isPresent() && !"Failed".equals(status.getPhase()) && !"Succeeded".equals(status.getPhase())) {
            Duration untilDeadline = Duration.between(clock.instant(), deadline.get());
            if (after == null || untilDeadline.compareTo(after) < 0) {
                after = untilDeadline; // a negative delay queues it at once
            }
        }
        if (after != null) {
            queue.addAfter(key, after);
        }
    }

    /** Running with every container running and ready, or finished: nothing to do until something changes. */
    static boolean steady(PodStatus status) {
        String phase = status.getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return true;
        }
        var containers = status.getContainerStatuses();
        return "Running".equals(phase) && containers != null && !containers.isEmpty() && containers.stream()
                .allMatch(c -> Boolean.TRUE.equals(c.getReady()) && c.getState() != null && c.getState().getRunning() != null);
    }

    /**
     * Something happened to the containers of the pod with this uid (the PLEG saw one start, die or go; a probe's result
     * changed): the pod is synced now. Pods this kubelet has not synced are ignored.
     */
    public void podLifecycleEvent(String podUid) {
        String key = keysByUid.get(podUid);
        if (key != null) {
            queue.add(key);
        }
    }

    /** Runs a static pod and keeps its mirror pod: recreated when missing, being deleted or of an older version. */
    private void syncStaticPod(String key, PodSyncer syncer, Pod staticPod, Pod mirror) throws Exception {
        PodStatus status = syncer.syncPod(staticPod);
        remember(key, staticPod);
        if (mirror != null && (!MirrorClient.isMirrorPod(mirror) || mirror.getMetadata().getDeletionTimestamp() != null
                || !MirrorClient.isMirrorPodOf(mirror, staticPod))) {
            LOG.info("pod={} mirror pod deleted to be created again uid={}", key, mirror.getMetadata().getUid());
            mirrors.deleteMirrorPod(mirror);
            mirror = null;
        }
        if (mirror == null) {
            mirror = mirrors.createMirrorPod(staticPod).orElse(null);
            if (mirror != null) {
                LOG.info("pod={} mirror pod created uid={} hash={}", key, mirror.getMetadata().getUid(), staticPod.getMetadata().getUid());
            }
        }
        if (mirror != null) {
            statusManager.setStatus(mirror, status);
        }
        resyncLater(key, staticPod, status);
    }

    private static Duration gracePeriod(Pod pod) {
        Long seconds = pod.getMetadata().getDeletionGracePeriodSeconds() != null ? pod.getMetadata().getDeletionGracePeriodSeconds()
                : pod.getSpec().getTerminationGracePeriodSeconds();
        return Duration.ofSeconds(seconds == null ? 30 : seconds);
    }

    /** A pod bound to one of these nodes, as the informer last saw it. */
    public java.util.Optional<Pod> podByName(String namespace, String name) {
        Pod staticPod = staticPods.get(namespace + "/" + name);
        Pod pod = pods == null ? null : pods.getIndexer().getByKey(namespace + "/" + name);
        if (staticPod != null) {
            // what runs, not its mirror (upstream's GetPodByName translates too), with the status last written to the mirror
            return java.util.Optional.of(pod == null || !MirrorClient.isMirrorPod(pod) ? staticPod
                    : new io.fabric8.kubernetes.api.model.PodBuilder(staticPod).withStatus(pod.getStatus()).build());
        }
        // a mirror pod without its static pod runs nothing here (upstream's pod manager keeps mirror pods apart)
        return pod != null && ours(pod) && !MirrorClient.isMirrorPod(pod) ? java.util.Optional.of(pod) : java.util.Optional.empty();
    }

    public List<String> nodeNames() {
        return List.copyOf(nodes.keySet());
    }

    @Override
    public void close() throws Exception {
        statusTimer.shutdownNow();
        housekeeping.shutdownNow();
        leases.close();
        controller.close();
        if (pods != null) {
            pods.close();
        }
    }
}
