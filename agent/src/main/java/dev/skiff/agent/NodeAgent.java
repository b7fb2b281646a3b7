package dev.skiff.agent;

import dev.skiff.agent.kubelet.Kubelet;
import dev.skiff.agent.kubelet.events.ContainerEvents;
import dev.skiff.agent.kubelet.prober.ProbeManager;
import dev.skiff.agent.kubelet.prober.Prober;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.agent.kubelet.envvars.EnvResolver;
import dev.skiff.agent.kubelet.nodestatus.MachineInfo;
import dev.skiff.agent.kubelet.nodestatus.NodeStatus;
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
                         List<Taint> taints, int maxPods, int leaseDurationSeconds, Duration statusReportPeriod) {
    }

    /** How often a pod is synced again to see its containers exit (upstream's PLEG relists every second). */
    static final Duration POD_RESYNC = Duration.ofSeconds(1);

    private final LocalRuntime runtime;
    private final Kubelet kubelet;
    private final ProbeManager probes;
    private final EventRecorder recorder;

    private NodeAgent(LocalRuntime runtime, Kubelet kubelet, ProbeManager probes, EventRecorder recorder) {
        this.runtime = runtime;
        this.kubelet = kubelet;
        this.probes = probes;
        this.recorder = recorder;
    }

    public static NodeAgent start(KubernetesClient client, Config config) throws IOException {
        var recorder = new EventRecorder(client, "kubelet", config.nodeName(), Clock.systemUTC());
        var events = ContainerEvents.to(recorder);
        LocalRuntime runtime;
        try {
            runtime = LocalRuntime.start(config.dataDir().resolve("containerd"), config.podCidr(), config.bridge(), events);
        } catch (IOException | RuntimeException e) {
            recorder.close();
            throw e;
        }
        var probes = new ProbeManager(new Prober(runtime.manager()::exec, events), Clock.systemUTC());
        try {
            var capacity = MachineInfo.capacity(config.dataDir(), config.maxPods());
            var node = new NodeStatus(config.nodeName(), NodeStatus.labels(config.nodeName(), config.labels()), config.taints(), capacity,
                    config.nodeIp(), MachineInfo.nodeInfo(runtime.runtimeVersion()), 10250);
            var syncer = new RuntimePodSyncer(runtime.manager(), new EnvResolver(client, capacity::get), config.nodeIp(), Clock.systemUTC(),
                    probes);
            var kubelet = Kubelet.start(client, Clock.systemUTC(), new Kubelet.Config(config.leaseDurationSeconds(),
                    config.statusReportPeriod(), POD_RESYNC, 8), List.of(node), n -> syncer);
            return new NodeAgent(runtime, kubelet, probes, recorder);
        } catch (RuntimeException e) {
            probes.close();
            runtime.close();
            recorder.close();
            throw e;
        }
    }

    /** The node's runtime (tests run commands in containers through it, as kubectl exec will). */
    public dev.skiff.agent.kuberuntime.KubeRuntimeManager runtime() {
        return runtime.manager();
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
            kubelet.close();
            probes.close();
        } finally {
            try {
                runtime.close();
            } finally {
                recorder.close();
            }
        }
    }
}
