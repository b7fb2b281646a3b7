package dev.skiff.agent.kubelet.prober;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.skiff.agent.LocalNode;
import dev.skiff.agent.NodeAgent;
import dev.skiff.agent.images.LocalImages;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Probes and lifecycle hooks on a real node: the in-process control plane, a {@link NodeAgent} with
 * its own containerd (bridge skiff-pr0 on 10.88.83.0/24), pods bound to it through the API, their
 * status and events read back through the API. Commands are run in containers through the agent's
 * runtime to flip what the probes see; also the pod's active deadline, which the same sync loop keeps. Needs root and the
 * packages bin/test installs.
 */
@Tag("containerd")
class ProbesContainerdTest {
    private static final String POD_CIDR = "10.88.83.0/24";
    private static final String BRIDGE = "skiff-pr0";
    private static final String NODE = "probes-node";
    private static final Duration WAIT = Duration.ofSeconds(120);

    private static LocalNode node;
    private static KubernetesClient client;
    private static NodeAgent agent;
    private static HttpServer hookServer;
    private static final List<String> hookRequests = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        node = LocalNode.start("skp-", dataDir -> new NodeAgent.Config(NODE, "127.0.0.1", dataDir, POD_CIDR, BRIDGE, Map.of(), List.of(),
                110, 40, Duration.ofMinutes(5)));
        client = node.client();
        agent = node.agent();
        hookServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hookServer.createContext("/", exchange -> {
            hookRequests.add(exchange.getRequestURI().getPath() + " " + exchange.getRequestHeaders().getFirst("User-Agent"));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        hookServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (hookServer != null) {
            hookServer.stop(0);
        }
        if (node != null) {
            node.close();
        }
    }

    /** A shell that exits at once on SIGTERM, so kills need no SIGKILL. */
    private static ContainerBuilder sleeper(String name) {
        return new ContainerBuilder().withName(name).withImage("busybox:1.35")
                .withCommand("sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
    }

    private static Pod create(String name, Container... containers) {
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(5L).withContainers(containers).endSpec().build();
        return client.resource(pod).create();
    }

    private static Pod await(String name, String what, Predicate<Pod> done) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        Pod pod = client.pods().inNamespace("default").withName(name).get();
        while (!(pod != null && pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null && done.test(pod))) {
            assertThat(Instant.now()).as("pod %s: %s; last status %s", name, what, pod == null ? null : pod.getStatus()).isBefore(deadline);
            Thread.sleep(200);
            pod = client.pods().inNamespace("default").withName(name).get();
        }
        return pod;
    }

    private static List<Event> awaitEvent(String pod, String reason, Predicate<Event> matching) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        while (true) {
            List<Event> events = events(pod).stream().filter(e -> reason.equals(e.getReason()) && matching.test(e)).toList();
            if (!events.isEmpty()) {
                return events;
            }
            assertThat(Instant.now()).as("event %s for pod %s; events so far %s", reason, pod, events(pod)).isBefore(deadline);
            Thread.sleep(200);
        }
    }

    private static List<Event> events(String pod) {
        return client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> pod.equals(e.getInvolvedObject().getName())).toList();
    }

    private static ContainerStatus container(Pod pod, String name) {
        return pod.getStatus().getContainerStatuses().stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
    }

    private static String condition(Pod pod, String type) {
        return pod.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).map(PodCondition::getStatus).findFirst()
                .orElse(null);
    }

    private static boolean ready(Pod pod) {
        return "True".equals(condition(pod, "Ready"));
    }

    private static String exec(Pod pod, String container, String... command) {
        var result = agent.runtime().exec(container(pod, container).getContainerID(), List.of(command), Duration.ofSeconds(10));
        assertThat(result.exitCode()).as("exit code of %s: %s", List.of(command), result).isZero();
        return result.stdout();
    }

    private static void delete(String name) throws InterruptedException {
        client.pods().inNamespace("default").withName(name).delete();
        Instant deadline = Instant.now().plus(WAIT);
        while (client.pods().inNamespace("default").withName(name).get() != null) {
            assertThat(Instant.now()).as("pod %s deleted", name).isBefore(deadline);
            Thread.sleep(200);
        }
    }

    @Test
    void aPodRunningPastItsActiveDeadlineFailsWithDeadlineExceededAndItsContainerIsStopped() throws Exception {
        Pod created = client.resource(new PodBuilder().withNewMetadata().withName("deadline").withNamespace("default").endMetadata()
                .withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(5L).withActiveDeadlineSeconds(4L)
                .withContainers(sleeper("main").build()).endSpec().build()).create();
        Instant createdAt = Instant.now();
        await("deadline", "Running", p -> "Running".equals(p.getStatus().getPhase()));
        Pod failed = await("deadline", "Failed past its deadline", p -> "Failed".equals(p.getStatus().getPhase()));
        // the kubelet asks for a sync at the deadline: a running ready pod is otherwise synced again only after a minute
        assertThat(Duration.between(createdAt, Instant.now())).as("failed soon after the 4 s deadline").isLessThan(Duration.ofSeconds(40));
        assertThat(failed.getStatus().getReason()).isEqualTo("DeadlineExceeded");
        assertThat(failed.getStatus().getMessage()).isEqualTo("Pod was active on the node longer than the specified deadline");
        assertThat(failed.getMetadata().getUid()).as("the pod stays").isEqualTo(created.getMetadata().getUid());
        Pod stopped = await("deadline", "its container stopped", p -> p.getStatus().getContainerStatuses().getFirst().getState().getTerminated() != null);
        assertThat(stopped.getStatus().getContainerStatuses().getFirst().getReady()).isFalse();
        awaitEvent("deadline", "DeadlineExceeded", e -> "Pod was active on the node longer than the specified deadline".equals(e.getMessage()));
        Thread.sleep(3000);
        assertThat(client.pods().inNamespace("default").withName("deadline").get().getStatus().getContainerStatuses().getFirst()
                .getRestartCount()).as("never started again").isZero();
    }

    @Test
    void failingExecLivenessKillsAndRestartsTheContainerAfterItsPreStopHook() throws Exception {
        create("liveness", sleeper("main")
                .withCommand("sh", "-c", "touch /tmp/healthy; trap 'exit 0' TERM; while true; do sleep 1; done")
                .withLivenessProbe(new ProbeBuilder().withNewExec().withCommand("cat", "/tmp/healthy").endExec()
                        .withPeriodSeconds(1).withFailureThreshold(2).withTerminationGracePeriodSeconds(2L).build())
                .withNewLifecycle().withNewPreStop().withNewHttpGet().withHost("127.0.0.1").withPath("/prestop-liveness")
                .withPort(new IntOrString(hookServer.getAddress().getPort())).endHttpGet().endPreStop().endLifecycle().build());
        Pod pod = await("liveness", "running and ready", ProbesContainerdTest::ready);
        assertThat(container(pod, "main").getRestartCount()).isZero();
        String firstId = container(pod, "main").getContainerID();

        exec(pod, "main", "rm", "/tmp/healthy");
        pod = await("liveness", "restarted and running again", p -> container(p, "main").getRestartCount() == 1
                && container(p, "main").getState().getRunning() != null);
        ContainerStatus main = container(pod, "main");
        assertThat(main.getContainerID()).isNotEqualTo(firstId);
        assertThat(main.getLastState().getTerminated()).isNotNull();
        assertThat(main.getLastState().getTerminated().getContainerID()).isEqualTo(firstId);
        assertThat(awaitEvent("liveness", "Unhealthy", e -> true)).first().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getMessage()).isEqualTo("Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n");
            assertThat(e.getInvolvedObject().getFieldPath()).isEqualTo("spec.containers{main}");
            assertThat(e.getSource().getComponent()).isEqualTo("kubelet");
        });
        assertThat(awaitEvent("liveness", "Killing", e -> true)).first().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Normal");
            assertThat(e.getMessage()).isEqualTo("Container main failed liveness probe, will be restarted");
        });
        assertThat(hookRequests).contains("/prestop-liveness kube-lifecycle/1.33");
        // the new container made its file again: it stays alive
        await("liveness", "ready again", ProbesContainerdTest::ready);
        delete("liveness");
    }

    @Test
    void httpGetReadinessOnTheHttpdImageFollowsThePageAndGatesReady() throws Exception {
        create("web", new ContainerBuilder().withName("httpd").withImage(LocalImages.HTTPD)
                .addNewPort().withName("http").withContainerPort(80).endPort()
                .withReadinessProbe(new ProbeBuilder().withNewHttpGet().withPath("/index.html").withPort(new IntOrString("http")).endHttpGet()
                        .withPeriodSeconds(1).withFailureThreshold(1).build()).build());
        Pod pod = await("web", "Ready", ProbesContainerdTest::ready);
        assertThat(condition(pod, "ContainersReady")).isEqualTo("True");
        assertThat(container(pod, "httpd").getReady()).isTrue();
        assertThat(container(pod, "httpd").getStarted()).isTrue();

        exec(pod, "httpd", "mv", "/www/index.html", "/www/gone.html");
        pod = await("web", "not Ready", p -> !ready(p));
        assertThat(condition(pod, "ContainersReady")).isEqualTo("False");
        assertThat(container(pod, "httpd").getReady()).isFalse();
        assertThat(container(pod, "httpd").getRestartCount()).isZero(); // readiness never restarts
        assertThat(awaitEvent("web", "Unhealthy", e -> true)).first().extracting(Event::getMessage)
                .isEqualTo("Readiness probe failed: HTTP probe failed with statuscode: 404");

        exec(pod, "httpd", "mv", "/www/gone.html", "/www/index.html");
        await("web", "Ready again", ProbesContainerdTest::ready);
        delete("web");
    }

    @Test
    void tcpSocketReadinessIsReadyOnlyForAListeningPort() throws Exception {
        create("tcp", new ContainerBuilder().withName("httpd").withImage(LocalImages.HTTPD)
                        .withReadinessProbe(new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString(80)).endTcpSocket()
                                .withPeriodSeconds(1).build()).build(),
                sleeper("nothing-on-81").withReadinessProbe(new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString(81)).endTcpSocket()
                        .withPeriodSeconds(1).build()).build());
        Pod pod = await("tcp", "httpd ready", p -> p.getStatus().getContainerStatuses().size() == 2 && container(p, "httpd").getReady());
        assertThat(container(pod, "nothing-on-81").getReady()).isFalse();
        assertThat(condition(pod, "Ready")).isEqualTo("False");
        assertThat(condition(pod, "ContainersReady")).isEqualTo("False");
        String podIp = pod.getStatus().getPodIP();
        assertThat(podIp).startsWith("10.88.83.");
        assertThat(awaitEvent("tcp", "Unhealthy", e -> true)).first().extracting(Event::getMessage)
                .isEqualTo("Readiness probe failed: dial tcp " + podIp + ":81: connect: connection refused");
        delete("tcp");
    }

    @Test
    void startupProbeHoldsLivenessAndReadinessUntilItSucceeds() throws Exception {
        // liveness would kill the container at once if it ran before the startup probe succeeded
        create("startup", sleeper("main")
                .withStartupProbe(new ProbeBuilder().withNewExec().withCommand("test", "-f", "/tmp/started").endExec()
                        .withPeriodSeconds(1).withFailureThreshold(1000).build())
                .withLivenessProbe(new ProbeBuilder().withNewExec().withCommand("test", "-f", "/tmp/started").endExec()
                        .withPeriodSeconds(1).withFailureThreshold(1).build())
                .withReadinessProbe(new ProbeBuilder().withNewExec().withCommand("true").endExec().withPeriodSeconds(1).build()).build());
        // the startup probe failed 3 times: liveness (threshold 1) had every chance to kill had it run
        awaitEvent("startup", "Unhealthy", e -> e.getMessage().startsWith("Startup probe failed") && e.getCount() >= 3);
        Pod pod = client.pods().inNamespace("default").withName("startup").get();
        ContainerStatus main = container(pod, "main");
        assertThat(main.getState().getRunning()).isNotNull();
        assertThat(main.getStarted()).isFalse();
        assertThat(main.getReady()).isFalse();
        assertThat(main.getRestartCount()).isZero();
        assertThat(events("startup")).noneMatch(e -> e.getMessage().startsWith("Liveness") || e.getMessage().startsWith("Readiness"));

        exec(pod, "main", "touch", "/tmp/started");
        pod = await("startup", "started and Ready", ProbesContainerdTest::ready);
        assertThat(container(pod, "main").getStarted()).isTrue();
        assertThat(container(pod, "main").getRestartCount()).isZero();
        delete("startup");
    }

    @Test
    void postStartRunsAfterStartAFailingOneKillsAndPreStopRunsBeforeTeardown() throws Exception {
        create("hooks", sleeper("ok").withNewLifecycle().withNewPostStart().withNewExec()
                        .withCommand("sh", "-c", "echo done > /tmp/post-start").endExec().endPostStart()
                        .withNewPreStop().withNewHttpGet().withHost("127.0.0.1").withPath("/prestop-delete")
                        .withPort(new IntOrString(hookServer.getAddress().getPort())).endHttpGet().endPreStop().endLifecycle().build(),
                sleeper("bad").withNewLifecycle().withNewPostStart().withNewExec().withCommand("sh", "-c", "exit 3").endExec().endPostStart()
                        .endLifecycle().build(),
                sleeper("badstop").withNewLifecycle().withNewPreStop().withNewExec().withCommand("sh", "-c", "echo bye; exit 3").endExec()
                        .endPreStop().endLifecycle().build());
        Pod pod = await("hooks", "ok running", p -> p.getStatus().getContainerStatuses().size() == 3
                && container(p, "ok").getState().getRunning() != null);
        assertThat(exec(pod, "ok", "cat", "/tmp/post-start")).isEqualTo("done\n");
        assertThat(awaitEvent("hooks", "FailedPostStartHook", e -> true)).first().satisfies(e -> {
            assertThat(e.getMessage()).isEqualTo("PostStartHook failed");
            assertThat(e.getInvolvedObject().getFieldPath()).isEqualTo("spec.containers{bad}");
        });
        assertThat(awaitEvent("hooks", "Killing", e -> true)).first().extracting(Event::getMessage).isEqualTo("FailedPostStartHook");
        // killed: the restart policy (Always) brings it back after the back-off, where its hook fails again
        await("hooks", "bad restarted", p -> container(p, "bad").getRestartCount() >= 1);

        delete("hooks");
        // the API server removes a pod at once (no graceful deletion yet): the agent tears it down just after
        Instant deadline = Instant.now().plus(WAIT);
        while (!hookRequests.contains("/prestop-delete kube-lifecycle/1.33")) {
            assertThat(Instant.now()).as("preStop hook called; calls so far %s", hookRequests).isBefore(deadline);
            Thread.sleep(200);
        }
        awaitEvent("hooks", "Killing", e -> "Stopping container ok".equals(e.getMessage())); // written after the pod went: events are asynchronous
        String uid = pod.getMetadata().getUid();
        awaitEvent("hooks", "FailedPreStopHook", e -> e.getMessage().equals("Exec lifecycle hook ([sh -c echo bye; exit 3]) for Container \"badstop\" in Pod "
                + "\"hooks_default(" + uid + ")\" failed - error: command 'sh -c echo bye; exit 3' exited with 3: , message: \"bye\\n\""));
    }

    @Test
    void anExecProbeStillRunningAtItsTimeoutFails() throws Exception {
        create("slow", sleeper("main").withReadinessProbe(new ProbeBuilder().withNewExec().withCommand("sleep", "5").endExec()
                .withTimeoutSeconds(1).withPeriodSeconds(1).build()).build());
        assertThat(awaitEvent("slow", "Unhealthy", e -> true)).first().extracting(Event::getMessage)
                .isEqualTo("Readiness probe failed: command [\"sleep\" \"5\"] timed out");
        assertThat(ready(client.pods().inNamespace("default").withName("slow").get())).isFalse();
        delete("slow");
    }
}
