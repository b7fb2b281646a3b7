package dev.skiff.agent;

import dev.skiff.agent.kubelet.Kubelet;
import dev.skiff.agent.kubelet.envvars.EnvResolver;
import dev.skiff.agent.kubelet.nodestatus.MachineInfo;
import dev.skiff.agent.kubelet.nodestatus.NodeStatus;
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
 * runtime down (pods, bridge, containerd).
 */
public final class NodeAgent implements AutoCloseable {
    /**
     * @param dataDir the agent's directory ({@code <data-dir>/agent}); containerd's state goes below it
     * @param proxy the service proxy's configuration; null to run none (--disable-kube-proxy)
     */
    public record Config(String nodeName, String nodeIp, Path dataDir, String podCidr, String bridge, Map<String, String> labels,
                         List<Taint> taints, int maxPods, int leaseDurationSeconds, Duration statusReportPeriod, ProxyServer.Config proxy) {
    }

    /** How often a pod is synced again to see its containers exit (upstream's PLEG relists every second). */
    static final Duration POD_RESYNC = Duration.ofSeconds(1);

    private final LocalRuntime runtime;
    private final Kubelet kubelet;
    private final ProxyServer proxy;

    private NodeAgent(LocalRuntime runtime, Kubelet kubelet, ProxyServer proxy) {
        this.runtime = runtime;
        this.kubelet = kubelet;
        this.proxy = proxy;
    }

    public static NodeAgent start(KubernetesClient client, Config config) throws IOException {
        var runtime = LocalRuntime.start(config.dataDir().resolve("containerd"), config.podCidr(), config.bridge());
        try {
            var capacity = MachineInfo.capacity(config.dataDir(), config.maxPods());
            var node = new NodeStatus(config.nodeName(), NodeStatus.labels(config.nodeName(), config.labels()), config.taints(), capacity,
                    config.nodeIp(), MachineInfo.nodeInfo(runtime.runtimeVersion()), 10250);
            var syncer = new RuntimePodSyncer(runtime.manager(), new EnvResolver(client, capacity::get), config.nodeIp(), Clock.systemUTC());
            var kubelet = Kubelet.start(client, Clock.systemUTC(), new Kubelet.Config(config.leaseDurationSeconds(),
                    config.statusReportPeriod(), POD_RESYNC, 8), List.of(node), n -> syncer);
            try {
                var proxy = config.proxy() == null ? null : ProxyServer.start(client, config.proxy(), IptablesRunner.host());
                return new NodeAgent(runtime, kubelet, proxy);
            } catch (RuntimeException e) {
                try {
                    kubelet.close();
                } catch (Exception closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
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
            if (proxy != null) {
                proxy.close();
            }
        } finally {
            try {
                kubelet.close();
            } finally {
                runtime.close();
            }
        }
    }
}
