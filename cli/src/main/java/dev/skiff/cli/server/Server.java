package dev.skiff.cli.server;

import dev.skiff.apiserver.ApiServer;
import dev.skiff.apiserver.controlplane.ControlPlane;
import dev.skiff.apiserver.pki.ClusterPki;
import dev.skiff.apiserver.serviceaccount.LegacyTokens;
import dev.skiff.cli.server.deploy.ManifestDeployer;
import dev.skiff.client.rest.RestClients;
import dev.skiff.controller.ControllerManager;
import dev.skiff.dns.DnsServer;
import dev.skiff.dns.KubeDnsService;
import dev.skiff.dns.forward.Forwarder;
import dev.skiff.dns.kubernetes.KubernetesZone;
import dev.skiff.scheduler.app.SchedulerServer;
import dev.skiff.apiserver.endpoints.VersionInfo;
import dev.skiff.store.Store;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import dev.skiff.store.etcd.EtcdStore;
import dev.skiff.store.etcd.EtcdStoreConfig;
import dev.skiff.store.etcdserver.EtcdServer;
import dev.skiff.store.etcdserver.EtcdServerConfig;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane composed in order: store, its etcd endpoint, the API server, cluster DNS, the auto-deploy manifests, then the scheduler,
 * the controller manager and (unless --disable-agent) a node agent for this host. Components are closed
 * in reverse order, on SIGTERM/SIGINT too, so the store is flushed and closed before exit; the node agent is stopped,
 * leaving its pods running (see {@link dev.skiff.agent.NodeAgent#stop}).
 */
public final class Server implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Server.class);
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(10);
    /** How often the auto-deploy directory is read again even without a file event. */
    private static final Duration DEPLOY_RESCAN = Duration.ofSeconds(15);
    /** What upstream reports when the build did not stamp a date (k8s.io/component-base/version/base.go). */
    private static final String UNKNOWN_BUILD_DATE = "1970-01-01T00:00:00Z";

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Store store;
    private final EtcdServer etcdServer;
    private final ApiServer apiServer;

    private Server(ServerConfig config) {
        try {
            store = openStore(config);
            started.push(store);
            etcdServer = config.embeddedStore() && config.etcdListenClient() != null
                    ? EtcdServer.start(store, new EtcdServerConfig(config.etcdListenClient(), config.maxRequestBytes()),
                            ((EmbeddedStore) store)::snapshot)
                    : null;
            if (etcdServer != null) {
                started.push(etcdServer);
            }
            var apiServerConfig = config.apiServer(VersionInfo.of("", UNKNOWN_BUILD_DATE));
            var controlPlane = ControlPlane.start(store, apiServerConfig, config.admission(), config.tokenExpiration(),
                    config.metricResolution());
            started.push(controlPlane);
            apiServer = controlPlane.apiServer();
            // through the API like any scheduler, controller manager or agent, with the admin credentials, but in this
            // process: the API server's in-process transport (no TLS, no sockets); leader-elected so that several servers
            // on one store run one of each at a time
            var client = RestClients.inProcess(config.writeKubeconfig(), apiServer::inProcessClients);
            started.push(client);
            if (config.dns().listen() != null) {
                startDns(client, config.dns()).ifPresent(started::push); // first: kube-dns takes its ClusterIP before other services
            }
            started.push(startDeployer(client, config.manifestsDir()));
            if (config.scheduler() != null) {
                started.push(SchedulerServer.start(client, config.scheduler().sharingTheApiServerProcess(), true));
            }
            if (config.controllers() != null) {
                // the tokens controller signs with the key the API server checks, as k3s passes sa.key to both
                KeyPair serviceAccountKey = ClusterPki.loadOrCreateServiceAccountKey(apiServerConfig.tlsDir());
                started.push(ControllerManager.start(client, config.controllers(), true, ControllerManager.DEFAULT_WORKERS,
                        config.controllerOptions().withServiceAccountTokenGenerator(
                                (sa, secret) -> LegacyTokens.issue(serviceAccountKey, sa, secret))));
            }
            if (!config.disableAgent()) {
                started.push(startAgent(client, config));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("skiff server ready url={} kubeconfig={} store={} etcd-endpoint={} revision={}",
                apiServer.url(), config.writeKubeconfig(),
                config.embeddedStore() ? config.storeDir() : config.etcdServers(),
                etcdServer == null ? "none" : config.etcdListenClient().getHostString() + ":" + etcdServer.port(),
                store.status().revision());
    }

    /**
     * The node agent beside the control plane, as k3s runs one in every server: this host as a node
     * labelled control-plane (not tainted, so it runs workloads), pods from the CIDR node IPAM gives it.
     */
    private static AutoCloseable startAgent(io.fabric8.kubernetes.client.KubernetesClient client, ServerConfig config) {
        try {
            String ip = dev.skiff.agent.NodeAgent.hostAddress();
            // stopped, not closed, with the server: its pods keep running for the next start to adopt (skiff killall tears them down)
            return dev.skiff.agent.NodeAgent.start(client, new dev.skiff.agent.NodeAgent.Config(dev.skiff.agent.NodeAgent.hostName(),
                    ip == null ? "127.0.0.1" : ip, config.dataDir().resolve("agent"), null, config.cniBridge(),
                    java.util.Map.of("node-role.kubernetes.io/control-plane", "true", "node-role.kubernetes.io/master", "true"),
                    java.util.List.of(), 110, 40, Duration.ofMinutes(5), new dev.skiff.agent.kubelet.network.dns.Configurer(
                            java.util.List.of(config.dns().clusterDns().getHostAddress()), config.dns().clusterDomain(),
                            java.nio.file.Path.of("/etc/resolv.conf")), config.disableKubeProxy() ? null
                    : dev.skiff.proxy.ProxyServer.Config.defaults(dev.skiff.agent.NodeAgent.hostName(), config.controllerOptions().clusterCidr()),
                    config.controllerOptions().clusterCidr(), config.kubeletPort(), config.flannelBackend(), config.podManifestPath(),
                    dev.skiff.agent.kubelet.config.FileSource.DEFAULT_PERIOD, dev.skiff.agent.kubelet.images.ImageGcPolicy.DEFAULTS,
                    config.registries()))::stop;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the node agent started", e);
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("the node agent could not start (" + e.getMessage() + "): run as root with containerd, runc "
                    + "and the CNI plugins installed, or pass --disable-agent", e);
        }
    }

    /** The auto-deploy directory's manifests applied, and applied again as they change (k3s's deploy controller). */
    private static AutoCloseable startDeployer(io.fabric8.kubernetes.client.KubernetesClient client, java.nio.file.Path dir) {
        try {
            return ManifestDeployer.start(client, dir, DEPLOY_RESCAN);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot watch the auto-deploy directory " + dir, e);
        }
    }

    /**
     * The cluster DNS server and the kube-dns service routing the cluster DNS IP to it. A listen address that cannot be
     * bound (port 53 taken, or not root) is said in one line and the server goes on without cluster DNS.
     */
    private static java.util.Optional<AutoCloseable> startDns(io.fabric8.kubernetes.client.KubernetesClient client, ServerConfig.ClusterDns dns) {
        var listen = dns.listen();
        DnsServer server;
        try {
            var upstreams = Forwarder.hostResolvers(java.nio.file.Path.of("/etc/resolv.conf"), java.nio.file.Path.of("/run/systemd/resolve/resolv.conf"), listen);
            server = DnsServer.start(client, new DnsServer.Config(listen, dns.clusterDomain(), dns.clusterDns(), KubernetesZone.DEFAULT_TTL,
                    upstreams, Forwarder.DEFAULT_TIMEOUT));
        } catch (java.io.IOException e) {
            log.warn("cluster DNS not started: cannot listen on {}:{} ({}); pods will not resolve cluster names (pass --dns-listen-address or --disable-dns)",
                    listen.getAddress().getHostAddress(), listen.getPort(), e.getMessage());
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the cluster DNS", e);
        }
        try {
            var endpoint = listen.getAddress();
            if (endpoint.isAnyLocalAddress()) {
                String node = dev.skiff.agent.NodeAgent.hostAddress();
                endpoint = node == null ? endpoint : java.net.InetAddress.getByName(node);
            }
            if (endpoint.isLoopbackAddress() || endpoint.isAnyLocalAddress()) {
                log.warn("cluster DNS listens on {}:{} only: service kube-system/kube-dns not published, pods cannot reach it",
                        server.address().getAddress().getHostAddress(), server.address().getPort());
            } else {
                KubeDnsService.publish(client, dns.clusterDns(), endpoint, server.address().getPort());
            }
        } catch (java.io.IOException | RuntimeException e) {
            log.warn("cluster DNS serving on {}:{}, but service kube-system/kube-dns could not be published ({}); pods cannot reach {}",
                    server.address().getAddress().getHostAddress(), server.address().getPort(), e.getMessage(), dns.clusterDns().getHostAddress());
        }
        return java.util.Optional.of(server);
    }

    public static Server start(ServerConfig config) {
        return new Server(config);
    }

    private static Store openStore(ServerConfig config) {
        if (config.embeddedStore()) {
            return EmbeddedStore.open(new EmbeddedStoreConfig(config.storeDir(), config.maxRequestBytes(),
                    config.compactionInterval(), PROGRESS_INTERVAL));
        }
        return EtcdStore.connect(new EtcdStoreConfig(config.etcdServers(), Duration.ofSeconds(30)));
    }

    public Store store() {
        return store;
    }

    /** Blocks until the process is asked to stop; then closes every component. */
    public void awaitShutdown() throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            log.info("skiff server stopping");
            close();
            log.info("skiff server stopped");
        }));
        stopped.await();
    }

    @Override
    public synchronized void close() {
        while (!started.isEmpty()) {
            var component = started.pop();
            try {
                component.close();
            } catch (Exception e) {
                log.warn("closing component={} failed: {}", component.getClass().getSimpleName(), e.toString());
            }
        }
        stopped.countDown();
    }
}
