package dev.skiff.agent.kubelet.stats;

import dev.skiff.agent.cri.RemoteRuntime;
import dev.skiff.agent.cri.v1.ContainerState;
import dev.skiff.agent.cri.v1.ContainerStateValue;
import dev.skiff.agent.cri.v1.ContainerStatsFilter;
import dev.skiff.agent.cri.v1.CpuUsage;
import dev.skiff.agent.cri.v1.ListContainerStatsRequest;
import dev.skiff.agent.cri.v1.ListContainersRequest;
import dev.skiff.agent.cri.v1.ListPodSandboxRequest;
import dev.skiff.agent.cri.v1.ListPodSandboxStatsRequest;
import dev.skiff.agent.cri.v1.MemoryUsage;
import dev.skiff.agent.cri.v1.PodSandboxState;
import dev.skiff.agent.cri.v1.PodSandboxStateValue;
import dev.skiff.agent.cri.v1.PodSandboxFilter;
import dev.skiff.agent.cri.v1.ContainerFilter;
import dev.skiff.agent.kuberuntime.Labels;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pod and container CPU and memory from the runtime over CRI (upstream: pkg/kubelet/stats's
 * criStatsProvider, ListPodCPUAndMemoryStats): ListContainerStats for the running containers of
 * ready sandboxes, ListPodSandboxStats for the pods' own cgroups. Where the runtime has no sandbox
 * figures (UNIMPLEMENTED, or sandboxes without a pod cgroup - skiff's sandboxes get no cgroup_parent,
 * so containerd cannot read them), a pod's figures are its running containers' summed.
 */
public final class CriStatsProvider {
    private final RemoteRuntime cri;
    private final NodeUsage node;
    private final String nodeName;
    private volatile boolean sandboxStats = true;

    public CriStatsProvider(RemoteRuntime cri, NodeUsage node, String nodeName) {
        this.cri = cri;
        this.node = node;
        this.nodeName = nodeName;
    }

    public Summary summary() {
        return new Summary(node.read(nodeName), pods());
    }

    private record Sandbox(String namespace, String name, String uid) {
    }

    List<Summary.PodStats> pods() {
        Map<String, Sandbox> sandboxes = new HashMap<>();
        for (var sandbox : cri.runtime().listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(PodSandboxFilter.newBuilder()
                .setState(PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_READY))).build()).getItemsList()) {
            var meta = sandbox.getMetadata();
            sandboxes.put(sandbox.getId(), new Sandbox(meta.getNamespace(), meta.getName(), meta.getUid()));
        }
        // only running containers count, as upstream drops the stats of exited ones
        Map<String, String> sandboxOf = new HashMap<>();
        for (var container : cri.runtime().listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder()
                .setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_RUNNING))).build()).getContainersList()) {
            sandboxOf.put(container.getId(), container.getPodSandboxId());
        }
        Map<String, List<Summary.ContainerStats>> containers = new HashMap<>();
        for (var stats : cri.runtime().listContainerStats(ListContainerStatsRequest.newBuilder()
                .setFilter(ContainerStatsFilter.getDefaultInstance()).build()).getStatsList()) {
            String sandbox = sandboxOf.get(stats.getAttributes().getId());
            if (sandbox == null || !sandboxes.containsKey(sandbox)) {
                continue;
            }
            String name = stats.getAttributes().getLabelsOrDefault(Labels.CONTAINER_NAME, stats.getAttributes().getMetadata().getName());
            containers.computeIfAbsent(sandbox, k -> new ArrayList<>())
                    .add(new Summary.ContainerStats(name, cpu(stats.hasCpu() ? stats.getCpu() : null), memory(stats.hasMemory() ? stats.getMemory() : null)));
        }
        Map<String, Summary.PodStats> own = sandboxStats ? sandboxStats(sandboxes) : Map.of();
        List<Summary.PodStats> pods = new ArrayList<>();
        for (var entry : sandboxes.entrySet()) {
            Sandbox s = entry.getValue();
            List<Summary.ContainerStats> list = containers.getOrDefault(entry.getKey(), List.of());
            Summary.PodStats pod = own.get(entry.getKey());
            pods.add(pod != null && pod.cpu() != null && pod.memory() != null
                    ? new Summary.PodStats(s.namespace(), s.name(), s.uid(), pod.cpu(), pod.memory(), list)
                    : new Summary.PodStats(s.namespace(), s.name(), s.uid(), summedCpu(list), summedMemory(list), list));
        }
        return pods;
    }

    private Map<String, Summary.PodStats> sandboxStats(Map<String, Sandbox> sandboxes) {
        Map<String, Summary.PodStats> out = new HashMap<>();
        try {
            for (var stats : cri.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance()).getStatsList()) {
                Sandbox s = sandboxes.get(stats.getAttributes().getId());
                if (s == null || !stats.hasLinux()) {
                    continue;
                }
                var linux = stats.getLinux();
                out.put(stats.getAttributes().getId(), new Summary.PodStats(s.namespace(), s.name(), s.uid(),
                        cpu(linux.hasCpu() ? linux.getCpu() : null), memory(linux.hasMemory() ? linux.getMemory() : null), List.of()));
            }
        } catch (StatusRuntimeException e) {
            // UNIMPLEMENTED: a runtime without sandbox stats. Otherwise the runtime could not read some sandbox's cgroup
            // (containerd fails the whole list for a sandbox made without cgroup_parent, as skiff's are): sum the containers
            if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                sandboxStats = false;
            }
            return Map.of();
        }
        return out;
    }

    private static Summary.CpuStats cpu(CpuUsage usage) {
        return usage == null || !usage.hasUsageCoreNanoSeconds() ? null
                : new Summary.CpuStats(time(usage.getTimestamp()), usage.getUsageCoreNanoSeconds().getValue());
    }

    private static Summary.MemoryStats memory(MemoryUsage usage) {
        return usage == null || !usage.hasWorkingSetBytes() ? null
                : new Summary.MemoryStats(time(usage.getTimestamp()), usage.getWorkingSetBytes().getValue());
    }

    private static Instant time(long nanos) {
        return nanos <= 0 ? Instant.now() : Instant.ofEpochSecond(0, nanos);
    }

    private static Summary.CpuStats summedCpu(List<Summary.ContainerStats> containers) {
        if (containers.isEmpty() || containers.stream().anyMatch(c -> c.cpu() == null)) {
            return null;
        }
        return new Summary.CpuStats(containers.stream().map(c -> c.cpu().time()).max(Instant::compareTo).orElseThrow(),
                containers.stream().mapToLong(c -> c.cpu().usageCoreNanoSeconds()).sum());
    }

    private static Summary.MemoryStats summedMemory(List<Summary.ContainerStats> containers) {
        if (containers.isEmpty() || containers.stream().anyMatch(c -> c.memory() == null)) {
            return null;
        }
        return new Summary.MemoryStats(containers.stream().map(c -> c.memory().time()).max(Instant::compareTo).orElseThrow(),
                containers.stream().mapToLong(c -> c.memory().workingSetBytes()).sum());
    }
}
