package dev.skiff.agent;

import dev.skiff.agent.kubelet.Kubelet;
import dev.skiff.agent.kubelet.envvars.EnvResolver;
import dev.skiff.agent.kubelet.nodestatus.MachineInfo;
import dev.skiff.agent.kubelet.nodestatus.NodeStatus;
import dev.skiff.agent.kubelet.server.HostInterface;
import dev.skiff.agent.kubelet.server.KubeletServer;
import dev.skiff.agent.kuberuntime.LocalRuntime;
import dev.skiff.agent.kuberuntime.RuntimePodSyncer;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real node: the agent's own containerd ({@link LocalRuntime}) and the kubelet loop running the
 * pods bound to this node through it. What {@code skiff agent} runs, and {@code skiff server} unless
 * --disable-agent. Closing stops the loop, then tears the runtime down (pods, bridge, containerd).
 */
public final class NodeAgent implements AutoCloseable {
    /**
     * @param dataDir the agent's directory ({@code <data-dir>/agent}); containerd's state goes below it
     */
    public record Config(String nodeName, String nodeIp, Path dataDir, String podCidr, String bridge, Map<String, String> labels,
                         List<Taint> taints, int maxPods, int leaseDurationSeconds, Duration statusReportPeriod, int kubeletPort) {
    }

    /** How often a pod is synced again to see its containers exit (upstream's PLEG relists every second). */
    static final Duration POD_RESYNC = Duration.ofSeconds(1);

    private final LocalRuntime runtime;
    private final Kubelet kubelet;
    private final KubeletServer server;

    private NodeAgent(LocalRuntime runtime, Kubelet kubelet, KubeletServer server) {
        this.runtime = runtime;
        this.kubelet = kubelet;
        this.server = server;
    }

    public static NodeAgent start(KubernetesClient client, Config config) throws IOException {
        byte[] clientCa = clusterCa(client);
        var runtime = LocalRuntime.start(config.dataDir().resolve("containerd"), config.podCidr(), config.bridge());
        KubeletServer server = null;
        try {
            var capacity = MachineInfo.capacity(config.dataDir(), config.maxPods());
            var syncer = new RuntimePodSyncer(runtime.manager(), new EnvResolver(client, capacity::get), config.nodeIp(), Clock.systemUTC());
            var kubeletRef = new java.util.concurrent.atomic.AtomicReference<Kubelet>();
            // the kubelet server listens before the node is registered, so the port the Node reports is served
            server = KubeletServer.start(new HostInterface() {
                @Override
                public java.util.Optional<io.fabric8.kubernetes.api.model.Pod> podByName(String namespace, String name) {
                    Kubelet kubelet = kubeletRef.get();
                    return kubelet == null ? java.util.Optional.empty() : kubelet.podByName(namespace, name);
                }

                @Override
                public java.util.Optional<dev.skiff.agent.kuberuntime.RunningPod> runningPod(String uid) {
                    return syncer.runningPod(uid);
                }

                @Override
                public dev.skiff.agent.kuberuntime.KubeRuntimeManager runtime() {
                    return runtime.manager();
                }
            }, "0.0.0.0", config.kubeletPort(), config.nodeName(), clientCa);
            var node = new NodeStatus(config.nodeName(), NodeStatus.labels(config.nodeName(), config.labels()), config.taints(), capacity,
                    config.nodeIp(), MachineInfo.nodeInfo(runtime.runtimeVersion()), server.port());
            var kubelet = Kubelet.start(client, Clock.systemUTC(), new Kubelet.Config(config.leaseDurationSeconds(),
                    config.statusReportPeriod(), POD_RESYNC, 8), List.of(node), n -> syncer);
            kubeletRef.set(kubelet);
            return new NodeAgent(runtime, kubelet, server);
        } catch (RuntimeException e) {
            if (server != null) {
                server.close();
            }
            runtime.close();
            throw e;
        }
    }

    /**
     * The cluster CA bundle the client trusts the API server with (fetched from /cacerts when joining with
     * the token, or the kubeconfig's certificate-authority): the kubelet server accepts client
     * certificates it signed, the API server's among them.
     */
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

    @Override
    public void close() throws Exception {
        try {
            server.close();
            kubelet.close();
        } finally {
            runtime.close();
        }
    }
}
