package dev.skiff.agent.kubelet.stats;

import java.time.Instant;
import java.util.List;

/**
 * The CPU and memory part of upstream's stats/v1alpha1 Summary: what the node and each pod and
 * container on it use at one moment. CPU is cumulative (core-nanoseconds since the cgroup was made),
 * as the resource metrics carry it; readers turn two samples into a rate.
 */
public record Summary(NodeStats node, List<PodStats> pods) {
    public Summary {
        pods = List.copyOf(pods);
    }

    /** Cumulative CPU time used, in core-nanoseconds, read at {@code time}. */
    public record CpuStats(Instant time, long usageCoreNanoSeconds) {
    }

    /** The working set (usage less inactive file pages, as cAdvisor and the runtimes count it), read at {@code time}. */
    public record MemoryStats(Instant time, long workingSetBytes) {
    }

    public record NodeStats(String nodeName, CpuStats cpu, MemoryStats memory) {
    }

    public record ContainerStats(String name, CpuStats cpu, MemoryStats memory) {
    }

    /** A pod's own totals (its sandbox cgroup) and its containers'; cpu or memory is null where the runtime had no figure. */
    public record PodStats(String namespace, String name, String uid, CpuStats cpu, MemoryStats memory, List<ContainerStats> containers) {
        public PodStats {
            containers = List.copyOf(containers);
        }
    }
}
