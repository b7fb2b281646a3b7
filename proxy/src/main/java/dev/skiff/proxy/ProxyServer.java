package dev.skiff.proxy;

import dev.skiff.proxy.iptables.IptablesRunner;
import dev.skiff.proxy.iptables.Proxier;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service proxy as a component (upstream's cmd/kube-proxy ProxyServer with the iptables proxier):
 * informers on Services and EndpointSlices request a sync on every change; one sync loop runs them no
 * more often than {@code minSyncPeriod} apart and at least every {@code syncPeriod} (upstream's
 * BoundedFrequencyRunner), so a burst of changes costs one iptables-restore. {@link #stop} ends the loop and
 * leaves the rules in the kernel, as kube-proxy does when it exits: service traffic keeps flowing while the
 * proxy restarts, and the next proxy's first sync (a full one) takes the rules over in place. {@link #close}
 * also removes every rule and chain the proxy made (what {@code kube-proxy --cleanup} does).
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);
    private static final String BY_SERVICE = "byServiceName";

    /**
     * @param hostname this node's name (--hostname-override): endpoints on it are local
     * @param clusterCidr the pods' range (--cluster-cidr); null to masquerade no cluster-IP traffic by source
     * @param minSyncPeriod least time between two syncs (--iptables-min-sync-period, upstream default 1s)
     * @param syncPeriod most time between two syncs (--iptables-sync-period, upstream default 30s)
     */
    public record Config(String hostname, String clusterCidr, Duration minSyncPeriod, Duration syncPeriod) {
        /** The upstream defaults for a node named {@code hostname}. */
        public static Config defaults(String hostname, String clusterCidr) {
            return new Config(hostname, clusterCidr, Duration.ofSeconds(1), Duration.ofSeconds(30));
        }
    }

    /** upstream's proxyutil.FullSyncPeriod */
    static final Duration FULL_SYNC_PERIOD = Duration.ofHours(1);

    private final Config config;
    private final Proxier proxier;
    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<EndpointSlice> slices;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean pending = true;
    private boolean stopping;
    private boolean stopped;
    private final Thread loop;
    private volatile Proxier.SyncResult lastResult;

    private ProxyServer(KubernetesClient client, Config config, IptablesRunner iptables) {
        this.config = config;
        this.proxier = new Proxier(iptables, new Proxier.Config(config.clusterCidr(), FULL_SYNC_PERIOD), Clock.systemUTC());
        this.services = client.services().inAnyNamespace().inform(handler(), 0);
        this.slices = client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0);
        slices.addIndexers(Map.of(BY_SERVICE, s -> s.getMetadata().getLabels() == null
                || !s.getMetadata().getLabels().containsKey(ServicePorts.SERVICE_NAME_LABEL) ? List.of()
                : List.of(s.getMetadata().getNamespace() + "/" + s.getMetadata().getLabels().get(ServicePorts.SERVICE_NAME_LABEL))));
        slices.addEventHandler(handler());
        slices.start();
        this.loop = Thread.ofVirtual().name("proxy-sync").unstarted(this::run);
    }

    /** Starts the informers and the sync loop; the first sync runs once both informers have listed. */
    public static ProxyServer start(KubernetesClient client, Config config, IptablesRunner iptables) {
        var server = new ProxyServer(client, config, iptables);
        server.loop.start();
        log.info("service proxy started hostname={} cluster-cidr={} mode=iptables", config.hostname(), config.clusterCidr());
        return server;
    }

    private <T> ResourceEventHandler<T> handler() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                requestSync();
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                if (oldObj != newObj) {
                    requestSync();
                }
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                requestSync();
            }
        };
    }

    /** Asks for a sync as soon as {@code minSyncPeriod} allows. */
    void requestSync() {
        lock.lock();
        try {
            pending = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The last sync's figures, or null before the first. */
    public Proxier.SyncResult lastResult() {
        return lastResult;
    }

    private void run() {
        Instant lastStart = Instant.MIN;
        try {
            while (!services.hasSynced() || !slices.hasSynced()) {
                if (awaitStopOrTimeout(Duration.ofMillis(50))) {
                    return;
                }
            }
            while (true) {
                lock.lock();
                try {
                    Instant due = lastStart == Instant.MIN ? Instant.now() : lastStart.plus(config.syncPeriod());
                    while (!stopping && !pending && Instant.now().isBefore(due)) {
                        wake.await(Duration.between(Instant.now(), due).toNanos(), TimeUnit.NANOSECONDS);
                    }
                    if (stopping) {
                        return;
                    }
                } finally {
                    lock.unlock();
                }
                // bounded frequency: a burst of changes waits for minSyncPeriod and is synced once
                Instant earliest = lastStart == Instant.MIN ? Instant.MIN : lastStart.plus(config.minSyncPeriod());
                if (Instant.now().isBefore(earliest) && awaitStopOrTimeout(Duration.between(Instant.now(), earliest))) {
                    return;
                }
                lock.lock();
                try {
                    pending = false;
                } finally {
                    lock.unlock();
                }
                lastStart = Instant.now();
                syncOnce();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void syncOnce() throws InterruptedException {
        Map<String, List<ServicePort>> state = new HashMap<>();
        for (Service service : services.getIndexer().list()) {
            String key = service.getMetadata().getNamespace() + "/" + service.getMetadata().getName();
            List<ServicePort> ports = ServicePorts.of(service, slices.getIndexer().byIndex(BY_SERVICE, key), config.hostname());
            if (!ports.isEmpty()) {
                state.put(key, ports);
            }
        }
        try {
            var result = proxier.sync(state);
            if (lastResult == null) { // what a stopped proxy left is this one's from here on
                log.info("service proxy synced services={} full={} chainsWritten={} chainsDeleted={}", result.services(), result.full(),
                        result.chainsWritten(), result.chainsDeleted());
            }
            lastResult = result;
        } catch (java.io.IOException e) {
            log.warn("proxy sync failed services={}; retrying with a full sync: {}", state.size(), e.getMessage());
            requestSync();
        }
    }

    /** Sleeps up to {@code timeout}; true when the proxy is closing. */
    private boolean awaitStopOrTimeout(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            if (!stopping) {
                wake.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
            }
            return stopping;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the loop and the informers and leaves the rules as they are, as kube-proxy exits: connections to services keep
     * reaching their endpoints (as of the last sync) until a proxy started again takes the rules over or they are removed
     * ({@link Proxier#cleanup}, {@code skiff proxy --cleanup}, {@code skiff killall}).
     */
    public void stop() throws InterruptedException {
        lock.lock();
        try {
            if (stopped) {
                return;
            }
            stopped = true;
            stopping = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        loop.join();
        services.close();
        slices.close();
        log.info("service proxy stopped; its iptables rules stay in place hostname={}", config.hostname());
    }

    /** {@link #stop}, then removes the proxy's rules and chains. */
    @Override
    public void close() throws Exception {
        stop();
        proxier.cleanup();
        log.info("service proxy's iptables rules removed hostname={}", config.hostname());
    }
}
