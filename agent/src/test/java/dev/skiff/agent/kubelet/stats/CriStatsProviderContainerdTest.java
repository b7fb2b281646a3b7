package dev.skiff.agent.kubelet.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.containerd.Containerd;
import dev.skiff.agent.containerd.ContainerdConfig;
import dev.skiff.agent.cri.RemoteRuntime;
import dev.skiff.agent.kubelet.metrics.collectors.ResourceMetricsCollector;
import dev.skiff.agent.kuberuntime.KubeRuntimeManager;
import dev.skiff.agent.kuberuntime.LocalRuntime;
import dev.skiff.agent.kuberuntime.RunningPod;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * CPU and memory of a real container read over CRI (ListContainerStats, ListPodSandboxStats) from the
 * test's own containerd (bridge skiff-mt0 on 10.88.101.0/24), and the /metrics/resource text made of
 * them. Needs root and the packages bin/test installs.
 */
@Tag("containerd")
class CriStatsProviderContainerdTest {
    private static final String POD_CIDR = "10.88.101.0/24";
    private static final String BRIDGE = "skiff-mt0";
    private static Path dataDir;
    private static Containerd containerd;
    private static RemoteRuntime cri;
    private static KubeRuntimeManager runtime;

    @BeforeAll
    static void startContainerd() throws IOException {
        dataDir = Files.createTempDirectory(Path.of("/tmp"), "skmt-"); // short: containerd's socket path must fit a sockaddr_un
        containerd = Containerd.start(ContainerdConfig.defaults(dataDir, POD_CIDR, BRIDGE), Duration.ofSeconds(60));
        LocalRuntime.importLocalImages(containerd, dataDir.resolve("images"));
        cri = RemoteRuntime.connect(containerd.endpoint(), Duration.ofSeconds(30));
        runtime = new KubeRuntimeManager(cri, dataDir.resolve("pods"));
    }

    @AfterAll
    static void stopContainerd() throws IOException {
        if (cri != null) {
            cri.close();
        }
        if (containerd != null) {
            containerd.teardown();
            containerd.close();
        }
        if (dataDir != null) {
            try (Stream<Path> all = Files.walk(dataDir)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void reportsABusyContainersCpuAndMemoryAndTheNodes() throws Exception {
        Pod pod = new PodBuilder().withNewMetadata().withName("burner").withNamespace("stats").withUid(UUID.randomUUID().toString())
                .endMetadata().withNewSpec().withContainers(new ContainerBuilder().withName("burn").withImage("busybox:1.35")
                        .withCommand("sh", "-c", "while :; do :; done").build()).endSpec().build();
        RunningPod running = runtime.runPod(pod);
        try {
            var provider = new CriStatsProvider(cri, NodeUsage.host(), "stats-node");
            Instant deadline = Instant.now().plusSeconds(60);
            Summary.PodStats stats;
            do {
                Thread.sleep(500);
                stats = provider.summary().pods().stream().filter(p -> p.name().equals("burner")).findFirst().orElse(null);
                assertThat(Instant.now()).as("the busy container's CPU passes 0.5 core-seconds: %s", stats).isBefore(deadline);
            } while (stats == null || stats.containers().isEmpty() || stats.containers().getFirst().cpu() == null
                    || stats.containers().getFirst().cpu().usageCoreNanoSeconds() < 500_000_000L);
            assertThat(stats.namespace()).isEqualTo("stats");
            assertThat(stats.uid()).isEqualTo(pod.getMetadata().getUid());
            var container = stats.containers().getFirst();
            assertThat(container.name()).isEqualTo("burn");
            assertThat(container.memory().workingSetBytes()).isPositive();
            assertThat(stats.cpu().usageCoreNanoSeconds()).isGreaterThanOrEqualTo(container.cpu().usageCoreNanoSeconds() / 2);
            assertThat(stats.memory().workingSetBytes()).isPositive();

            // two reads a second apart: a core-bound loop adds most of a core-second
            long before = container.cpu().usageCoreNanoSeconds();
            Thread.sleep(1000);
            var again = provider.summary();
            long after = again.pods().stream().filter(p -> p.name().equals("burner")).findFirst().orElseThrow()
                    .containers().getFirst().cpu().usageCoreNanoSeconds();
            assertThat(after - before).isGreaterThan(300_000_000L);
            assertThat(again.node().cpu().usageCoreNanoSeconds()).isGreaterThan(after);
            assertThat(again.node().memory().workingSetBytes()).isPositive();

            String text = new ResourceMetricsCollector(provider::summary).collect();
            assertThat(text).containsPattern("(?m)^container_cpu_usage_seconds_total\\{container=\"burn\",namespace=\"stats\",pod=\"burner\"} [0-9.]+ \\d{13}$")
                    .containsPattern("(?m)^container_memory_working_set_bytes\\{container=\"burn\",namespace=\"stats\",pod=\"burner\"} [1-9]\\d* \\d{13}$")
                    .containsPattern("(?m)^pod_cpu_usage_seconds_total\\{namespace=\"stats\",pod=\"burner\"} [0-9.]+ \\d{13}$")
                    .containsPattern("(?m)^node_cpu_usage_seconds_total [0-9.]+ \\d{13}$")
                    .containsPattern("(?m)^node_memory_working_set_bytes [1-9]\\d* \\d{13}$")
                    .contains("resource_scrape_error 0\n");
        } finally {
            runtime.killPod(running, pod, Duration.ofSeconds(1));
        }
    }
}
