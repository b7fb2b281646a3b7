package dev.skiff.agent;

import dev.skiff.agent.flannel.RouteNetwork;
import dev.skiff.agent.flannel.backend.HostGw;
import dev.skiff.agent.flannel.backend.Vxlan;
import dev.skiff.agent.flannel.Masquerade;
import dev.skiff.agent.flannel.SubnetLease;
import dev.skiff.agent.kubelet.Kubelet;
import dev.skiff.agent.kubelet.pleg.GenericPleg;
import dev.skiff.agent.kubelet.config.FileSource;
import dev.skiff.agent.kubelet.events.ContainerEvents;
import dev.skiff.agent.kubelet.images.ImageGcManager;
import dev.skiff.agent.kubelet.images.ImageGcPolicy;
import dev.skiff.agent.kubelet.prober.ProbeManager;
import dev.skiff.agent.kubelet.prober.Prober;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.agent.kubelet.envvars.EnvResolver;
import dev.skiff.agent.kubelet.nodestatus.MachineInfo;
import dev.skiff.agent.kubelet.volumemanager.VolumeManager;
import dev.skiff.agent.kubelet.nodestatus.NodeStatus;
import dev.skiff.agent.kubelet.server.HostInterface;
import dev.skiff.agent.kubelet.server.KubeletServer;
import dev.skiff.agent.kuberuntime.LocalRuntime;
import dev.skiff.agent.kuberuntime.RuntimePodSyncer;
import dev.skiff.proxy.ProxyServer;
import dev.skiff.proxy.iptables.IptablesRunner;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real node: the agent's own containerd ({@link LocalRuntime}), the kubelet loop running the
 * pods bound to this node through it, and (unless disabled) the service proxy programming this host's
 * iptables, as a k3s agent embeds kube-proxy. What {@code skiff agent} runs, and {@code skiff server}
 * unless --disable-agent. Closing stops the proxy (removing its rules) and the loop, then tears the
 * runtime down (pods, bridge, containerd); {@link #stop} (what both commands do on SIGTERM) leaves the pods running
 * and the host network as it is (the proxy's rules, masquerade, routes: {@link HostNetwork}), and {@link #killall}
 * tears down what a stopped agent left.
 */
public final class NodeAgent implements AutoCloseable {
    /**
     * @param dataDir the agent's directory ({@code <data-dir>/agent}); containerd's state goes below it, image archives
     *                in its {@code images} are imported at start (k3s's airgap images)
     * @param podCidr the node's pod CIDR to claim, or null to take the one node IPAM assigns
     * @param dns     how pods' resolv.conf is formed (--cluster-dns, --cluster-domain, --resolv-conf)
     * @param proxy   the service proxy's configuration; null to run none (--disable-kube-proxy)
     * @param clusterCidr the pods' range (--cluster-cidr): pod traffic leaving it is masqueraded; null for no masquerade
     * @param kubeletPort the kubelet server's port (--kubelet-port; 0 for any free one)
     * @param flannelBackend how pods reach other nodes' pods: {@code host-gw} or {@code vxlan} (--flannel-backend)
     * @param podManifestPath static pods' file or directory (--pod-manifest-path); null for none
     * @param fileCheckFrequency how often it is read again (--file-check-frequency)
     * @param imageGc    image garbage collection (--image-gc-high-threshold, --image-gc-low-threshold, --image-minimum-gc-age,
     *                   --image-maximum-gc-age)
     * @param registries the private registry configuration containerd pulls with (--private-registry)
     */
    public record Config(String nodeName, String nodeIp, Path dataDir, String podCidr, String bridge, Map<String, String> labels,
                         List<Taint> taints, int maxPods, int leaseDurationSeconds, Duration statusReportPeriod,
                         dev.skiff.agent.kubelet.network.dns.Configurer dns, ProxyServer.Config proxy,
                         String clusterCidr, int kubeletPort, String flannelBackend, Path podManifestPath, Duration fileCheckFrequency,
                         ImageGcPolicy imageGc, dev.skiff.agent.containerd.registries.Registries registries) {
        /** Without cluster DNS (pods resolve with the host's /etc/resolv.conf), service proxy or masquerade; the kubelet server on a free port. */
        public Config(String nodeName, String nodeIp, Path dataDir, String podCidr, String bridge, Map<String, String> labels,
                      List<Taint> taints, int maxPods, int leaseDurationSeconds, Duration statusReportPeriod) {
            this(nodeName, nodeIp, dataDir, podCidr, bridge, labels, taints, maxPods, leaseDurationSeconds, statusReportPeriod,
                    dev.skiff.agent.kubelet.network.dns.Configurer.hostOnly(), null, null, 0, "host-gw", null, FileSource.DEFAULT_PERIOD,
                    ImageGcPolicy.DEFAULTS, dev.skiff.agent.containerd.registries.Registries.NONE);
        }

        /** This config with another image garbage collection policy. */
        public Config withImageGc(ImageGcPolicy policy) {
            return new Config(nodeName, nodeIp, dataDir, podCidr, bridge, labels, taints, maxPods, leaseDurationSeconds, statusReportPeriod,
                    dns, proxy, clusterCidr, kubeletPort, flannelBackend, podManifestPath, fileCheckFrequency, policy, registries);
        }

        /** This config with another private registry configuration. */
        public Config withRegistries(dev.skiff.agent.containerd.registries.Registries r) {
            return new Config(nodeName, nodeIp, dataDir, podCidr, bridge, labels, taints, maxPods, leaseDurationSeconds, statusReportPeriod,
                    dns, proxy, clusterCidr, kubeletPort, flannelBackend, podManifestPath, fileCheckFrequency, imageGc, r);
        }
    }

    /** How soon a pod on its way to running ready (starting, in back-off, not ready) is synced again. */
    static final Duration POD_RESYNC = Duration.ofSeconds(1);
    /** How often a running ready pod is synced again without an event (upstream's --sync-frequency). */
    static final Duration SYNC_FREQUENCY = Duration.ofMinutes(1);
    /** How often the PLEG lists the runtime's containers to see them start, exit and go (upstream's relist period). */
    static final Duration PLEG_RELIST = Duration.ofSeconds(1);
    /** How often a running pod's volumes are set up again, so configMap/secret updates reach it (upstream's --sync-frequency, 1m). */
    static final Duration VOLUME_REMOUNT = Duration.ofMinutes(1);

    /** How often pods the runtime has but the node no longer should are looked for (upstream's housekeeping period). */
    static final Duration HOUSEKEEPING = Duration.ofSeconds(2);

    /** How long a node waits for node IPAM to give it a pod CIDR. */
    static final Duration POD_CIDR_TIMEOUT = Duration.ofMinutes(2);

    private final LocalRuntime runtime;
    private final RouteNetwork routes;
    private final Kubelet kubelet;
    private final GenericPleg pleg;
    private final String podCidr;
    private final ProbeManager probes;
    private final EventRecorder recorder;
    private final VolumeManager volumes;
    private final ProxyServer proxy;
    private final Masquerade masquerade;
    private final KubeletServer server;
    private final FileSource staticPods;
    private final ImageGcManager imageGc;
    private final DataDirLock lock;
    private final Path dataDir;

    private NodeAgent(LocalRuntime runtime, RouteNetwork routes, Kubelet kubelet, GenericPleg pleg, String podCidr, ProbeManager probes, EventRecorder recorder,
                      VolumeManager volumes, ProxyServer proxy, Masquerade masquerade,
                      KubeletServer server, FileSource staticPods, ImageGcManager imageGc, DataDirLock lock, Path dataDir) {
        this.runtime = runtime;
        this.routes = routes;
        this.kubelet = kubelet;
        this.pleg = pleg;
        this.podCidr = podCidr;
        this.probes = probes;
        this.recorder = recorder;
        this.volumes = volumes;
        this.proxy = proxy;
        this.masquerade = masquerade;
        this.server = server;
        this.staticPods = staticPods;
        this.imageGc = imageGc;
        this.lock = lock;
        this.dataDir = dataDir;
    }

    /**
     * Registers the node and takes its pod CIDR ({@link SubnetLease}), starts containerd with pods on
     * that CIDR, the routes to other nodes' pods ({@link RouteNetwork}, flannel's host-gw or vxlan backend) and the kubelet loop.
     * The data dir is held ({@link DataDirLock}) until the agent stops: a second agent on it fails to start.
     */
    public static NodeAgent start(KubernetesClient client, Config config) throws IOException, InterruptedException {
        var lock = DataDirLock.acquire(config.dataDir());
        try {
            return start(client, config, lock);
        } catch (IOException | InterruptedException | RuntimeException e) {
            closeQuietly(lock, e);
            throw e;
        }
    }

    private static NodeAgent start(KubernetesClient client, Config config, DataDirLock lock) throws IOException, InterruptedException {
        byte[] clientCa = clusterCa(client);
        // noted before any of it is installed, so that killall finds it whatever happens to this process
        new HostNetwork(config.proxy() != null, config.clusterCidr(), config.flannelBackend()).record(config.dataDir());
        String podCidr = SubnetLease.acquire(client, config.nodeName(), NodeStatus.labels(config.nodeName(), config.labels()),
                config.taints(), config.podCidr(), POD_CIDR_TIMEOUT);
        var recorder = new EventRecorder(client, "kubelet", config.nodeName(), Clock.systemUTC());
        var events = ContainerEvents.to(recorder);
        LocalRuntime runtime;
        try {
            runtime = LocalRuntime.start(config.dataDir().resolve("containerd"), podCidr, config.bridge(), config.dns(), events,
                    config.registries());
        } catch (IOException | RuntimeException e) {
            recorder.close();
            throw e;
        }
        try {
            runtime.importImages(config.dataDir().resolve("images")); // before any pod: its images may be there
        } catch (IOException e) {
            runtime.close();
            recorder.close();
            throw e;
        }
        var probes = new ProbeManager(new Prober(runtime.manager()::exec, events), Clock.systemUTC());
        RouteNetwork routes = null;
        VolumeManager volumes = null;
        Kubelet kubelet = null;
        Masquerade masquerade = null;
        KubeletServer server = null;
        FileSource staticPods = null;
        ImageGcManager imageGc = null;
        GenericPleg pleg = null;
        try {
            routes = RouteNetwork.start(client, config.nodeName(), "vxlan".equals(config.flannelBackend())
                    ? Vxlan.start(client, config.nodeName(), config.nodeIp(), podCidr) : new HostGw());
            masquerade = config.clusterCidr() == null ? null : Masquerade.start(IptablesRunner.host(), config.clusterCidr());
            var capacity = MachineInfo.capacity(config.dataDir(), config.maxPods());
            var env = new EnvResolver(client, capacity::get);
            volumes = new VolumeManager(client, config.dataDir().resolve("pods"), env, recorder, VOLUME_REMOUNT, Clock.systemUTC(),
                    runtime.manager().runtimePodUids()); // pods still running from the agent's last run keep their directories
            var podRuntime = runtime.manager().withMounts(volumes::mounts)
                    .withPullSecrets(dev.skiff.agent.kubelet.images.PullSecrets.fromApi(client, recorder));
            var syncer = new RuntimePodSyncer(podRuntime, env, volumes, config.nodeIp(), Clock.systemUTC(), probes);
            var kubeletRef = new java.util.concurrent.atomic.AtomicReference<Kubelet>();
            var manager = runtime.manager();
            var resourceMetrics = new dev.skiff.agent.kubelet.metrics.collectors.ResourceMetricsCollector(
                    new dev.skiff.agent.kubelet.stats.CriStatsProvider(manager.cri(), dev.skiff.agent.kubelet.stats.NodeUsage.host(),
                            config.nodeName())::summary);
            // the kubelet server listens before the node is registered, so the port the Node reports is served
            server = KubeletServer.start(new HostInterface() {
                @Override
                public java.util.Optional<io.fabric8.kubernetes.api.model.Pod> podByName(String namespace, String name) {
                    Kubelet k = kubeletRef.get();
                    return k == null ? java.util.Optional.empty() : k.podByName(namespace, name);
                }

                @Override
                public java.util.Optional<dev.skiff.agent.kuberuntime.RunningPod> runningPod(String uid) {
                    return syncer.runningPod(uid);
                }

                @Override
                public dev.skiff.agent.kuberuntime.KubeRuntimeManager runtime() {
                    return manager;
                }

                @Override
                public java.util.Optional<dev.skiff.agent.kubelet.metrics.collectors.ResourceMetricsCollector> resourceMetrics() {
                    return java.util.Optional.of(resourceMetrics);
                }
            }, "0.0.0.0", config.kubeletPort(), config.nodeName(), clientCa);
            var node = new NodeStatus(config.nodeName(), NodeStatus.labels(config.nodeName(), config.labels()), config.taints(), capacity,
                    config.nodeIp(), MachineInfo.nodeInfo(runtime.runtimeVersion()), server.port(), podCidr);
            kubelet = Kubelet.start(client, Clock.systemUTC(), new Kubelet.Config(config.leaseDurationSeconds(),
                    config.statusReportPeriod(), POD_RESYNC, SYNC_FREQUENCY, 8), List.of(node), n -> syncer);
            kubeletRef.set(kubelet);
            Kubelet k = kubelet;
            probes.addListener(k::podLifecycleEvent);
            pleg = GenericPleg.start(manager::runtimeContainers, PLEG_RELIST, event -> k.podLifecycleEvent(event.podUid()));
            if (config.podManifestPath() != null) {
                staticPods = new FileSource(config.podManifestPath(), config.nodeName())
                        .start(config.fileCheckFrequency(), pods -> k.updateStaticPods(config.nodeName(), pods));
            }
            kubelet.startPodCleanups(config.nodeName(), HOUSEKEEPING); // after the static pods are read
            imageGc = new ImageGcManager(runtime.cri(), config.imageGc(), java.util.Set.of(runtime.sandboxImage()), recorder,
                    config.nodeName(), Clock.systemUTC()).start();
            var proxy = config.proxy() == null ? null : ProxyServer.start(client, config.proxy(), IptablesRunner.host());
            return new NodeAgent(runtime, routes, kubelet, pleg, podCidr, probes, recorder, volumes, proxy, masquerade, server, staticPods,
                    imageGc, lock, config.dataDir());
        } catch (RuntimeException | IOException | InterruptedException e) {
            if (imageGc != null) {
                imageGc.close();
            }
            if (staticPods != null) {
                staticPods.close();
            }
            if (pleg != null) {
                pleg.close();
            }
            if (kubelet != null) {
                try {
                    kubelet.close();
                } catch (Exception closing) {
                    e.addSuppressed(closing);
                }
            }
            closeQuietly(server, e);
            probes.close();
            if (routes != null) {
                routes.close();
            }
            closeQuietly(masquerade, e);
            runtime.close();
            if (volumes != null) {
                volumes.close();
            }
            recorder.close();
            throw e;
        }
    }

    /** The cluster CA the client trusts: the kubelet server accepts API server client certificates it signed. */
    static byte[] clusterCa(KubernetesClient client) throws IOException {
        var config = client.getConfiguration();
        if (config.getCaCertData() != null && !config.getCaCertData().isBlank()) {
            return java.util.Base64.getDecoder().decode(config.getCaCertData().strip());
        }
        if (config.getCaCertFile() != null) {
            return java.nio.file.Files.readAllBytes(Path.of(config.getCaCertFile()));
        }
        throw new IllegalArgumentException("the client trusts no cluster CA: the kubelet server could not verify the API server");
    }

    private static void closeQuietly(AutoCloseable closeable, Exception failure) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception closing) {
                failure.addSuppressed(closing);
            }
        }
    }

    /** The pod CIDR this node runs pods from. */
    public String podCidr() {
        return podCidr;
    }

    /** The node's runtime (tests run commands in containers through it, as kubectl exec will). */
    public dev.skiff.agent.kuberuntime.KubeRuntimeManager runtime() {
        return runtime.manager();
    }

    /** The node's image garbage collection (tests run a collection through it). */
    public ImageGcManager imageGc() {
        return imageGc;
    }

    /** This host's name as a node name (lower case). */
    public static String hostName() throws IOException {
        return java.net.InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
    }

    /** This host's first non-loopback, non-link-local IPv4 address, or null. */
    public static String hostAddress() throws IOException {
        for (var iface : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (!iface.isUp() || iface.isLoopback()) {
                continue;
            }
            for (var address : java.util.Collections.list(iface.getInetAddresses())) {
                if (address instanceof java.net.Inet4Address && !address.isLinkLocalAddress()) {
                    return address.getHostAddress();
                }
            }
        }
        return null;
    }

    /**
     * Stops the agent and leaves its pods running, as a kubelet that stops does: the loops, servers, proxy and routes
     * stop, containerd stops with SIGTERM (its shims keep the containers running), the bridge, the pods' directories and
     * containerd's state stay. The proxy's iptables rules, the masquerade and the routes to other nodes' pods stay too,
     * as kube-proxy and flanneld leave theirs: connections to services and to other nodes' pods keep working. An agent
     * started again on the same data dir adopts the pods that still run and tears down those deleted meanwhile, and its
     * proxy's first (full) sync, masquerade and route reconcile rewrite the rules and routes in place.
     */
    public void stop() throws Exception {
        shutdown(true);
    }

    @Override
    public void close() throws Exception {
        shutdown(false);
    }

    /**
     * What {@link #killall} tore down.
     *
     * @param sandboxes   how many pod sandboxes, or -1 when there was no runtime left to tear down
     * @param hostNetwork what of the host network it removed, one phrase each (none when nothing was noted)
     */
    public record Teardown(int sandboxes, List<String> hostNetwork) {
        public Teardown {
            hostNetwork = List.copyOf(hostNetwork);
        }

        /** Whether there was nothing left to tear down. */
        public boolean nothing() {
            return sandboxes < 0 && hostNetwork.isEmpty();
        }
    }

    /**
     * Tears down what an agent left running on {@code dataDir} (its {@code <data-dir>/agent}) after it {@link #stop stopped}
     * or was killed, as {@link #close} would have: every pod sandbox with its containers and network (CNI DEL releases the
     * pod IPs), the bridge, containerd and its shims ({@link LocalRuntime#teardown}), then the pods' volume mounts and
     * directories ({@link VolumeManager#removeAll}), then what the agent noted it installed in this process's network
     * namespace ({@link HostNetwork}: the proxy's iptables chains, the masquerade, the routes and vxlan device).
     * No agent may run on the dir meanwhile (its lock is held throughout).
     *
     * @throws IOException when an agent runs on the dir, or the teardown failed
     */
    public static Teardown killall(Path dataDir) throws IOException, InterruptedException {
        if (!java.nio.file.Files.isDirectory(dataDir)) {
            return new Teardown(-1, List.of());
        }
        try (var held = DataDirLock.acquire(dataDir)) {
            int sandboxes = LocalRuntime.teardown(dataDir.resolve("containerd"));
            VolumeManager.removeAll(dataDir.resolve("pods"));
            var network = HostNetwork.read(dataDir);
            List<String> removed = network.isEmpty() ? List.of() : network.get().remove(IptablesRunner.host());
            HostNetwork.forget(dataDir);
            return new Teardown(sandboxes, removed);
        }
    }

    private void shutdown(boolean keepPods) throws Exception {
        try {
            if (proxy != null && keepPods) {
                proxy.stop(); // its rules stay: services keep answering until the next agent's proxy takes them over
            } else if (proxy != null) {
                proxy.close();
            }
            server.close();
            imageGc.close();
            if (staticPods != null) {
                staticPods.close();
            }
            pleg.close();
            kubelet.close();
            probes.close();
        } finally {
            try {
                if (keepPods) {
                    routes.stop(); // routes and masquerade stay, as flanneld's do
                } else {
                    routes.close();
                    if (masquerade != null) {
                        masquerade.close();
                    }
                    HostNetwork.forget(dataDir);
                }
            } finally {
                try {
                    if (keepPods) {
                        runtime.stop();
                    } else {
                        runtime.close();
                    }
                } finally {
                    try {
                        if (!keepPods) {
                            volumes.close(); // after the containers are gone: nothing holds the tmpfs mounts any more
                        }
                        recorder.close();
                    } finally {
                        lock.close();
                    }
                }
            }
        }
    }
}
