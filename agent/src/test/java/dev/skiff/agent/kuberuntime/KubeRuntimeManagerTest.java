package dev.skiff.agent.kuberuntime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.agent.containerd.Containerd;
import dev.skiff.agent.containerd.ContainerdConfig;
import dev.skiff.agent.cri.RemoteRuntime;
import dev.skiff.agent.cri.v1.ListContainersRequest;
import dev.skiff.agent.cri.v1.ListPodSandboxRequest;
import dev.skiff.agent.images.LocalImages;
import dev.skiff.agent.kubelet.pleg.GenericPleg;
import dev.skiff.agent.kuberuntime.logs.CriLogReader;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Pods as real containers: the agent's own containerd (child process), images built here from
 * busybox-static and imported, CNI bridge networking on a test subnet. Needs root and the
 * Debian packages bin/test installs.
 */
@Tag("containerd")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeRuntimeManagerTest {
    private static final String POD_CIDR = "10.88.77.0/24";
    /** Fixed, so a crashed run's bridge is reused by the next run rather than left holding the CIDR's route. */
    private static final String BRIDGE = "skiff-test0";
    private static Path dataDir;
    private static Set<String> netnsBefore;
    private static Containerd containerd;
    private static RemoteRuntime cri;
    private static KubeRuntimeManager runtime;

    @BeforeAll
    static void startContainerd() throws IOException {
        // short path: containerd's socket path must fit a sockaddr_un
        dataDir = Files.createTempDirectory(Path.of("/tmp"), "skiff-agent-");
        netnsBefore = netns();
        containerd = Containerd.start(ContainerdConfig.defaults(dataDir, POD_CIDR, BRIDGE),
                Duration.ofSeconds(60));
        LocalRuntime.importLocalImages(containerd, dataDir.resolve("images"));
        cri = RemoteRuntime.connect(containerd.endpoint(), Duration.ofSeconds(30));
        runtime = new KubeRuntimeManager(cri, dataDir.resolve("pods"));
    }

    @AfterAll
    static void stopContainerd() throws IOException {
        if (cri != null) {
            cri.close();
        }
        if (containerd != null) { // a test failed before the teardown test ran
            containerd.teardown();
            containerd.close();
        }
    }

    static Pod pod(String name, ContainerBuilder... containers) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").withUid(UUID.randomUUID().toString())
                .endMetadata().withNewSpec()
                .withContainers(Arrays.stream(containers).map(ContainerBuilder::build).toList())
                .endSpec().build();
    }

    static ContainerStatus awaitStatus(RunningPod pod, Predicate<ContainerStatus> done) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        ContainerStatus status = runtime.containerStatuses(pod).getFirst();
        while (!done.test(status) && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
            status = runtime.containerStatuses(pod).getFirst();
        }
        return status;
    }

    static boolean terminated(ContainerStatus s) {
        return s.getState().getTerminated() != null;
    }

    @Test
    @Order(1)
    void containerThatEchoesExitsZeroWithItsOutputInTheCriLog() throws Exception {
        Pod pod = pod("echo", new ContainerBuilder().withName("main").withImage("busybox:1.35")
                .withCommand("sh", "-c").withArgs("echo \"$GREETING from $(pwd)\"; echo to-stderr >&2")
                .withEnv(new EnvVarBuilder().withName("GREETING").withValue("hello").build())
                .withWorkingDir("/tmp"));
        RunningPod running = runtime.runPod(pod);
        try {
            ContainerStatus status = awaitStatus(running, KubeRuntimeManagerTest::terminated);
            assertThat(status.getName()).isEqualTo("main");
            assertThat(status.getContainerID()).isEqualTo("containerd://" + running.containerIds().get("main"));
            assertThat(status.getState().getTerminated().getExitCode()).isZero();
            assertThat(status.getState().getTerminated().getReason()).isEqualTo("Completed");
            assertThat(status.getReady()).isFalse();
            Path log = runtime.logFile(running, "main");
            assertThat(log).startsWith(dataDir.resolve("pods/default_echo_" + pod.getMetadata().getUid()));
            var lines = CriLogReader.read(log);
            // stdout and stderr are copied by separate goroutines: their relative order is not fixed
            assertThat(lines).extracting(CriLogReader.LogLine::stream, CriLogReader.LogLine::content)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("stdout", "hello from /tmp"),
                            org.assertj.core.groups.Tuple.tuple("stderr", "to-stderr"));
            assertThat(Files.readAllLines(log)).allMatch(line -> line.matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z (stdout|stderr) F .*"))
                    .extracting(line -> line.substring(line.indexOf(' ') + 1))
                    .containsExactlyInAnyOrder("stdout F hello from /tmp", "stderr F to-stderr");
        } finally {
            runtime.killPod(running, Duration.ZERO);
        }
    }

    @Test
    @Order(2)
    void httpServerIsReachableOnThePodIpAndExecSyncReturnsOutputAndExitCode() throws Exception {
        Pod pod = pod("web", new ContainerBuilder().withName("httpd").withImage(LocalImages.HTTPD)
                .addNewPort().withContainerPort(80).endPort());
        RunningPod running = runtime.runPod(pod);
        try {
            assertThat(running.podIp()).startsWith("10.88.77.");
            ContainerStatus status = runtime.containerStatuses(running).getFirst();
            assertThat(status.getState().getRunning()).isNotNull();
            assertThat(status.getReady()).isTrue();

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://" + running.podIp() + ":80/")).timeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> response = null;
            Instant deadline = Instant.now().plusSeconds(30);
            while (response == null && Instant.now().isBefore(deadline)) {
                try {
                    response = http.send(get, HttpResponse.BodyHandlers.ofString());
                } catch (IOException notListeningYet) {
                    Thread.sleep(100);
                }
            }
            assertThat(response).isNotNull();
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(LocalImages.HTTPD_INDEX);

            var cat = runtime.execSync(running, "httpd", List.of("cat", "/www/index.html"), Duration.ofSeconds(10));
            assertThat(cat.getExitCode()).isZero();
            assertThat(cat.getStdout().toString(StandardCharsets.UTF_8)).isEqualTo(LocalImages.HTTPD_INDEX);
            var fail = runtime.execSync(running, "httpd", List.of("sh", "-c", "echo oops >&2; exit 3"), Duration.ofSeconds(10));
            assertThat(fail.getExitCode()).isEqualTo(3);
            assertThat(fail.getStderr().toString(StandardCharsets.UTF_8)).isEqualTo("oops\n");
        } finally {
            runtime.killPod(running, Duration.ofSeconds(2));
        }
        assertThat(cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
                .noneMatch(s -> s.getId().equals(running.sandboxId()));
    }

    @Test
    @Order(3)
    void containerOverItsMemoryLimitIsReportedOomKilled() throws Exception {
        Pod pod = pod("hog", new ContainerBuilder().withName("hog").withImage("busybox:1.35")
                // dd allocates and fills a 256 MiB buffer in one block
                .withCommand("dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1")
                .withNewResources().withLimits(Map.of("memory", new Quantity("32Mi"), "cpu", new Quantity("500m"))).endResources());
        RunningPod running = runtime.runPod(pod);
        try {
            ContainerStatus status = awaitStatus(running, KubeRuntimeManagerTest::terminated);
            assertThat(status.getState().getTerminated().getReason()).isEqualTo("OOMKilled");
            assertThat(status.getState().getTerminated().getExitCode()).isEqualTo(137);
        } finally {
            runtime.killPod(running, Duration.ZERO);
        }
    }

    @Test
    @Order(4)
    void envFromAnotherObjectIsRejectedBeforeAnythingRuns() {
        int before = cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount();
        Pod pod = pod("bad", new ContainerBuilder().withName("main").withImage("busybox:1.35")
                .withEnv(new EnvVarBuilder().withName("X").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
                        .endFieldRef().endValueFrom().build()));
        assertThatThrownBy(() -> runtime.runPod(pod)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("env X: valueFrom");
        assertThat(cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount()).isEqualTo(before);
    }

    @Test
    @Order(5)
    void podStartLatency() throws Exception {
        List<Long> millis = new ArrayList<>();
        List<RunningPod> pods = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Pod pod = pod("sleep-" + i, new ContainerBuilder().withName("main").withImage("busybox:1.35")
                        .withCommand("sleep", "3600"));
                long start = System.nanoTime();
                RunningPod running = runtime.runPod(pod);
                millis.add((System.nanoTime() - start) / 1_000_000);
                pods.add(running);
                assertThat(runtime.containerStatuses(running).getFirst().getState().getRunning()).isNotNull();
            }
        } finally {
            for (RunningPod running : pods) {
                runtime.killPod(running, Duration.ZERO);
            }
        }
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        System.out.printf("pod start latency (RunPodSandbox incl. CNI + CreateContainer + StartContainer), %d pods one after another: "
                + "min %d ms, median %d ms, max %d ms; each: %s%n", sorted.size(), sorted.getFirst(), sorted.get(sorted.size() / 2),
                sorted.getLast(), millis);
    }

    @Test
    @Order(6)
    void plegSeesTheContainersOfAPodStartDieAndGo() throws Exception {
        var events = new java.util.concurrent.CopyOnWriteArrayList<GenericPleg.PodLifecycleEvent>();
        try (var pleg = GenericPleg.start(runtime::runtimeContainers, Duration.ofMillis(200), events::add)) {
            Thread.sleep(500); // the first relist reports what other tests left behind; only this pod's events count
            Pod pod = pod("pleg", new ContainerBuilder().withName("main").withImage("busybox:1.35").withCommand("sh", "-c", "sleep 1; exit 3"));
            String uid = pod.getMetadata().getUid();
            RunningPod running = runtime.runPod(pod);
            String container = running.containerIds().get("main");
            assertThat(awaitEvent(events, uid, GenericPleg.EventType.CONTAINER_STARTED, running.sandboxId())).as("sandbox started").isTrue();
            assertThat(awaitEvent(events, uid, GenericPleg.EventType.CONTAINER_DIED, container)).as("container died").isTrue();
            runtime.killPod(running, Duration.ZERO);
            assertThat(awaitEvent(events, uid, GenericPleg.EventType.CONTAINER_REMOVED, container)).as("container removed").isTrue();
            assertThat(awaitEvent(events, uid, GenericPleg.EventType.CONTAINER_REMOVED, running.sandboxId())).as("sandbox removed").isTrue();
        }
    }

    /** Whether the PLEG reported the event within 30 s. */
    private static boolean awaitEvent(List<GenericPleg.PodLifecycleEvent> events, String uid, GenericPleg.EventType type, String id)
            throws InterruptedException {
        var wanted = new GenericPleg.PodLifecycleEvent(uid, type, id);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!events.contains(wanted) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return events.contains(wanted);
    }

    @Test
    @Order(7)
    void teardownLeavesNoContainerSandboxNetnsOrProcess() throws Exception {
        RunningPod left = runtime.runPod(pod("left-running", new ContainerBuilder().withName("main").withImage("busybox:1.35")
                .withCommand("sleep", "3600")));
        assertThat(containerd.shims()).isNotEmpty();
        assertThat(netns()).contains(netnsOf(left));

        containerd.teardown();
        assertThat(cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()).isEmpty();
        assertThat(cri.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()).isEmpty();
        cri.close();
        cri = null;
        containerd.close();
        assertThat(containerd.isAlive()).isFalse();
        assertThat(containerd.shims()).isEmpty();
        assertThat(netns()).isSubsetOf(netnsBefore);
        assertThat(Path.of("/sys/class/net", containerd.config().bridge())).doesNotExist();
        containerd = null;
        // nothing is mounted under the data dir any more, so it deletes like any directory
        try (Stream<Path> all = Files.walk(dataDir)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertThat(dataDir).doesNotExist();
    }

    private static String netnsOf(RunningPod pod) {
        var info = cri.runtime().podSandboxStatus(dev.skiff.agent.cri.v1.PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(pod.sandboxId()).setVerbose(true).build()).getInfoMap().get("info");
        var matcher = java.util.regex.Pattern.compile("/var/run/netns/(cni-[0-9a-f-]+)").matcher(info);
        assertThat(matcher.find()).as("netns path in sandbox info").isTrue();
        return matcher.group(1);
    }

    private static Set<String> netns() throws IOException {
        Path dir = Path.of("/var/run/netns");
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
