package dev.skiff.agent.kubelet.stats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The node's own usage from the root cgroup, as cAdvisor's root container reports it to the
 * kubelet: cgroup v1 cpuacct.usage and memory.usage_in_bytes less total_inactive_file; on cgroup v2
 * (whose root has no memory.current) cpu.stat's usage_usec and /proc/meminfo's used memory less
 * Inactive(file).
 */
public final class NodeUsage {
    private final Path cgroupRoot;
    private final Path proc;
    private final Clock clock;

    public NodeUsage(Path cgroupRoot, Path proc, Clock clock) {
        this.cgroupRoot = cgroupRoot;
        this.proc = proc;
        this.clock = clock;
    }

    public static NodeUsage host() {
        return new NodeUsage(Path.of("/sys/fs/cgroup"), Path.of("/proc"), Clock.systemUTC());
    }

    public Summary.NodeStats read(String nodeName) {
        try {
            var now = clock.instant();
            return new Summary.NodeStats(nodeName, new Summary.CpuStats(now, cpuNanos()), new Summary.MemoryStats(now, workingSet()));
        } catch (IOException e) {
            throw new UncheckedIOException("reading the node's usage from " + cgroupRoot + " failed", e);
        }
    }

    private boolean v1() {
        return Files.exists(cgroupRoot.resolve("cpuacct/cpuacct.usage"));
    }

    private long cpuNanos() throws IOException {
        if (v1()) {
            return Long.parseLong(Files.readString(cgroupRoot.resolve("cpuacct/cpuacct.usage")).strip());
        }
        return field(Files.readString(cgroupRoot.resolve("cpu.stat")), "usage_usec") * 1000;
    }

    private long workingSet() throws IOException {
        long usage;
        long inactiveFile;
        if (Files.exists(cgroupRoot.resolve("memory/memory.usage_in_bytes"))) {
            usage = Long.parseLong(Files.readString(cgroupRoot.resolve("memory/memory.usage_in_bytes")).strip());
            inactiveFile = field(Files.readString(cgroupRoot.resolve("memory/memory.stat")), "total_inactive_file");
        } else {
            String meminfo = Files.readString(proc.resolve("meminfo"));
            usage = (field(meminfo, "MemTotal:") - field(meminfo, "MemFree:")) * 1024;
            inactiveFile = field(meminfo, "Inactive(file):") * 1024;
        }
        return Math.max(0, usage - inactiveFile);
    }

    /** The number after {@code key} on the line starting with it ("key value" or "key: value kB"). */
    static long field(String text, String key) {
        for (String line : text.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length >= 2 && parts[0].equals(key)) {
                return Long.parseLong(parts[1]);
            }
        }
        throw new IllegalStateException("no " + key + " in the node's usage file");
    }
}
