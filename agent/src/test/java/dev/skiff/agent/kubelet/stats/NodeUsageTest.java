package dev.skiff.agent.kubelet.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeUsageTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void cgroupV1RootGivesCpuacctUsageAndUsageLessInactiveFile(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("cpuacct"));
        Files.createDirectories(dir.resolve("memory"));
        Files.writeString(dir.resolve("cpuacct/cpuacct.usage"), "123456789\n");
        Files.writeString(dir.resolve("memory/memory.usage_in_bytes"), "10000\n");
        Files.writeString(dir.resolve("memory/memory.stat"), "cache 5\ninactive_file 1\ntotal_inactive_file 2500\n");
        var stats = new NodeUsage(dir, dir.resolve("proc"), CLOCK).read("n1");
        assertThat(stats.cpu().usageCoreNanoSeconds()).isEqualTo(123456789L);
        assertThat(stats.memory().workingSetBytes()).isEqualTo(7500);
        assertThat(stats.cpu().time()).isEqualTo(CLOCK.instant());
    }

    @Test
    void cgroupV2RootGivesCpuStatAndMeminfo(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 5000\nuser_usec 3000\n");
        Files.createDirectories(dir.resolve("proc"));
        Files.writeString(dir.resolve("proc/meminfo"), "MemTotal:       1000 kB\nMemFree:         200 kB\nInactive(file):   100 kB\n");
        var stats = new NodeUsage(dir, dir.resolve("proc"), CLOCK).read("n1");
        assertThat(stats.cpu().usageCoreNanoSeconds()).isEqualTo(5_000_000L);
        assertThat(stats.memory().workingSetBytes()).isEqualTo(700 * 1024L);
    }

    @Test
    void thisHostReportsUsage() {
        var stats = NodeUsage.host().read("here");
        assertThat(stats.cpu().usageCoreNanoSeconds()).isPositive();
        assertThat(stats.memory().workingSetBytes()).isPositive();
    }
}
