package dev.skiff.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.containerd.Containerd;
import dev.skiff.agent.containerd.ContainerdConfig;
import dev.skiff.agent.cri.RemoteRuntime;
import dev.skiff.agent.cri.v1.ImageSpec;
import dev.skiff.agent.cri.v1.ImageStatusRequest;
import dev.skiff.agent.images.LocalImages;
import dev.skiff.agent.kubelet.images.ImageGcManager;
import dev.skiff.agent.kubelet.images.ImageGcPolicy;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real node's life beyond one pod: image garbage collection, containers killed for their memory limit, and the agent
 * stopped and started again under running pods. The in-process control plane, a {@link NodeAgent} with its own containerd
 * (bridge skiff-gc0 on 10.88.102.0/24, kubelet server on a free port), pods bound through the API and read back from it.
 * Image GC runs with thresholds 0/0 (always over, never enough), so one collection removes every unused image. Needs root
 * and the packages bin/test installs.
 */
@Tag("containerd")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeAgentContainerdTest {
    private static final String POD_CIDR = "10.88.102.0/24";
    private static final String BRIDGE = "skiff-gc0";
    private static final String NODE = "gc-node";
    private static final Duration WAIT = Duration.ofSeconds(120);

    private static LocalNode node;
    private static KubernetesClient client;

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        node = LocalNode.start("skgc-", dataDir -> new NodeAgent.Config(NODE, "127.0.0.1", dataDir, POD_CIDR, BRIDGE, Map.of(), List.of(),
                110, 40, Duration.ofMinutes(5)).withImageGc(new ImageGcPolicy(0, 0, Duration.ZERO, Duration.ZERO)));
        client = node.client();
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static NodeAgent agent() {
        return node.agent();
    }

    /** A shell that exits at once on SIGTERM. */
    private static ContainerBuilder sleeper() {
        return new ContainerBuilder().withName("main").withImage(LocalImages.BUSYBOX)
                .withCommand("sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
    }

    private static Pod create(String name, String restartPolicy, ContainerBuilder container) {
        return client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNodeName(NODE).withRestartPolicy(restartPolicy).withTerminationGracePeriodSeconds(5L)
                .withContainers(container.build()).endSpec().build()).create();
    }

    private static Pod await(String name, String what, Predicate<Pod> done) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        Pod pod = client.pods().inNamespace("default").withName(name).get();
        while (!(pod != null && pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null
                && !pod.getStatus().getContainerStatuses().isEmpty() && done.test(pod))) {
            assertThat(Instant.now()).as("pod %s: %s; last status %s", name, what, pod == null ? null : pod.getStatus()).isBefore(deadline);
            Thread.sleep(200);
            pod = client.pods().inNamespace("default").withName(name).get();
        }
        return pod;
    }

    private static ContainerStatus main(Pod pod) {
        return pod.getStatus().getContainerStatuses().getFirst();
    }

    private static boolean runningAndReady(Pod pod) {
        return main(pod).getState().getRunning() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    }

    private static Event awaitNodeEvent(String reason) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        while (true) {
            var found = client.v1().events().inNamespace("default").list().getItems().stream()
                    .filter(e -> "Node".equals(e.getInvolvedObject().getKind()) && NODE.equals(e.getInvolvedObject().getName())
                            && reason.equals(e.getReason())).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            assertThat(Instant.now()).as("node event %s", reason).isBefore(deadline);
            Thread.sleep(200);
        }
    }

    private static boolean present(RemoteRuntime cri, String image) {
        return cri.images().imageStatus(ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build()).hasImage();
    }

    private static RemoteRuntime cri() {
        return RemoteRuntime.connect(node.dir().resolve("agent/containerd/containerd.sock").toString(), Duration.ofSeconds(30));
    }

    @Test
    @Order(1)
    void imageGcOverTheHighThresholdRemovesUnusedImagesAndKeepsTheUsedAndTheSandboxImage() throws Exception {
        // stays running through the other tests too: busybox stays in use whenever the periodic collection runs
        create("gc-user", "Always", sleeper());
        await("gc-user", "running", p -> main(p).getState().getRunning() != null);
        try (RemoteRuntime cri = cri()) {
            assertThat(present(cri, LocalImages.HTTPD)).isTrue();
            assertThat(present(cri, LocalImages.BUSYBOX)).isTrue();

            agent().imageGc().collectOnce();

            assertThat(present(cri, LocalImages.HTTPD)).as("unused: removed").isFalse();
            assertThat(present(cri, LocalImages.BUSYBOX)).as("used by gc-user's container").isTrue();
            assertThat(present(cri, LocalImages.PAUSE)).as("the sandbox image is pinned").isTrue();
        }
        Event freeFailed = awaitNodeEvent(ImageGcManager.FREE_DISK_SPACE_FAILED);
        assertThat(freeFailed.getType()).isEqualTo("Warning");
        assertThat(freeFailed.getMessage()).matches("Failed to garbage collect required amount of images\\. Attempted to free \\d+ bytes,"
                + " but only found \\d+ bytes eligible to free\\.");
        assertThat(freeFailed.getSource().getComponent()).isEqualTo("kubelet");
        assertThat(client.v1().events().inNamespace("default").list().getItems())
                .as("a first failure is only logged").noneMatch(e -> ImageGcManager.IMAGE_GC_FAILED.equals(e.getReason()));

        agent().imageGc().collectOnce();
        assertThat(awaitNodeEvent(ImageGcManager.IMAGE_GC_FAILED).getMessage()).startsWith("Failed to garbage collect required amount");
        assertThat(main(client.pods().inNamespace("default").withName("gc-user").get()).getRestartCount()).isZero();
    }

    @Test
    @Order(2)
    void containerOverItsMemoryLimitIsOomKilledAndRestartedAsItsPolicySays() throws Exception {
        // dd allocates its 64 MiB block and fills it from /dev/zero: over the 20 MiB limit
        ContainerBuilder hog = new ContainerBuilder().withName("main").withImage(LocalImages.BUSYBOX)
                .withCommand("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
                .withNewResources().withLimits(Map.of("memory", new Quantity("20Mi"))).endResources();
        create("oom-never", "Never", hog);
        create("oom-onfailure", "OnFailure", hog);

        Pod never = await("oom-never", "Failed", p -> "Failed".equals(p.getStatus().getPhase()));
        var terminated = main(never).getState().getTerminated();
        assertThat(terminated).isNotNull();
        assertThat(terminated.getReason()).isEqualTo("OOMKilled");
        assertThat(terminated.getExitCode()).isEqualTo(137);
        assertThat(main(never).getRestartCount()).isZero();

        Pod onFailure = await("oom-onfailure", "restarted after the OOM kill", p -> main(p).getRestartCount() >= 1);
        var last = main(onFailure).getLastState().getTerminated();
        assertThat(last).isNotNull();
        assertThat(last.getReason()).isEqualTo("OOMKilled");
        assertThat(last.getExitCode()).isEqualTo(137);
        assertThat(onFailure.getStatus().getPhase()).isEqualTo("Running");

        client.pods().inNamespace("default").withName("oom-never").delete();
        client.pods().inNamespace("default").withName("oom-onfailure").delete();
    }

    @Test
    @Order(3)
    void agentStartedAgainAdoptsRunningPodsAndTearsDownPodsDeletedWhileItWasDown() throws Exception {
        create("kept", "Always", sleeper());
        create("gone", "Always", sleeper());
        create("done", "Never", new ContainerBuilder().withName("main").withImage(LocalImages.BUSYBOX).withCommand("true"));
        Pod kept = await("kept", "running and ready", NodeAgentContainerdTest::runningAndReady);
        Pod gone = await("gone", "running and ready", NodeAgentContainerdTest::runningAndReady);
        String doneUid = await("done", "Succeeded", p -> "Succeeded".equals(p.getStatus().getPhase())).getMetadata().getUid();
        String keptUid = kept.getMetadata().getUid();
        String goneUid = gone.getMetadata().getUid();
        List<String> keptInRuntime = runtimeIds(keptUid);
        assertThat(keptInRuntime).hasSize(2); // sandbox and container

        node.stopAgent();
        client.pods().inNamespace("default").withName("gone").withGracePeriod(0).delete();
        Instant deadline = Instant.now().plus(WAIT);
        while (client.pods().inNamespace("default").withName("gone").get() != null) {
            assertThat(Instant.now()).as("pod gone deleted").isBefore(deadline);
            Thread.sleep(100);
        }

        node.startAgent();

        while (agent().runtime().runtimePodUids().contains(goneUid)) {
            assertThat(Instant.now()).as("the pod deleted while the agent was down torn down").isBefore(deadline.plus(WAIT));
            Thread.sleep(200);
        }
        // the kept pod was synced by then (its worker started before the cleanup): nothing of it was started again
        assertKeptAsItRan(kept, keptInRuntime);
        var exec = agent().runtime().exec(main(kept).getContainerID(), List.of("echo", "adopted"), Duration.ofSeconds(10));
        assertThat(exec.stdout()).isEqualTo("adopted\n");

        client.pods().inNamespace("default").withName("kept").delete();
        client.pods().inNamespace("default").withName("done").delete();
        while (agent().runtime().runtimePodUids().contains(keptUid) || agent().runtime().runtimePodUids().contains(doneUid)) {
            assertThat(Instant.now()).as("an adopted pod and one that had finished before the restart, deleted, are torn down")
                    .isBefore(deadline.plus(WAIT).plus(WAIT));
            Thread.sleep(200);
        }
    }

    @Test
    @Order(4)
    void agentStartedAgainReplacesTheContainerdAKilledAgentLeftAndAdoptsItsPods() throws Exception {
        create("survivor", "Always", sleeper());
        Pod survivor = await("survivor", "running and ready", NodeAgentContainerdTest::runningAndReady);
        String uid = survivor.getMetadata().getUid();
        List<String> inRuntime = runtimeIds(uid);
        node.stopAgent();
        // what an agent killed with SIGKILL leaves: its containerd child, still running on the agent's config and root
        Containerd leftover = Containerd.start(ContainerdConfig.defaults(node.dir().resolve("agent/containerd"), POD_CIDR, BRIDGE),
                Duration.ofSeconds(60));
        try {
            node.startAgent();
            assertThat(leftover.isAlive()).as("the leftover containerd was stopped").isFalse();
        } finally {
            if (leftover.isAlive()) {
                leftover.stop();
            }
        }
        assertKeptAsItRan(survivor, inRuntime);
    }

    /** For 5 s: the pod runs on in the sandbox and container it had before the restart, as the API reports it then. */
    private static void assertKeptAsItRan(Pod before, List<String> runtimeIdsBefore) throws InterruptedException {
        Instant watchUntil = Instant.now().plusSeconds(5);
        while (Instant.now().isBefore(watchUntil)) {
            assertThat(runtimeIds(before.getMetadata().getUid())).as("same sandbox and container").isEqualTo(runtimeIdsBefore);
            Pod now = client.pods().inNamespace("default").withName(before.getMetadata().getName()).get();
            assertThat(main(now).getContainerID()).isEqualTo(main(before).getContainerID());
            assertThat(main(now).getRestartCount()).isZero();
            assertThat(main(now).getState().getRunning()).isNotNull();
            assertThat(main(now).getState().getRunning().getStartedAt()).isEqualTo(main(before).getState().getRunning().getStartedAt());
            assertThat(now.getStatus().getPhase()).isEqualTo("Running");
            assertThat(now.getStatus().getStartTime()).isEqualTo(before.getStatus().getStartTime());
            assertThat(runningAndReady(now)).as("Ready").isTrue();
            Thread.sleep(250);
        }
    }

    /** The runtime IDs of the pod's sandbox and containers, sorted. */
    private static List<String> runtimeIds(String podUid) {
        return agent().runtime().runtimeContainers().stream().filter(c -> c.podUid().equals(podUid)).map(c -> c.id()).sorted().toList();
    }
}
