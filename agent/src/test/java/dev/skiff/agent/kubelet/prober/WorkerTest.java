package dev.skiff.agent.kubelet.prober;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.kubelet.prober.results.ResultsManager.Result;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The probe worker's rules, run by run with a clock the test moves: thresholds, initial delay,
 * startup gating, the hold after a liveness failure. The probe is a real tcpSocket probe against a
 * socket on loopback that the test opens and closes.
 */
class WorkerTest {
    private static final Instant STARTED = Instant.parse("2026-01-01T00:00:00Z");

    /** A clock the test sets. */
    static final class TestClock extends Clock {
        volatile Instant now = STARTED;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final TestClock clock = new TestClock();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private ProbeManager manager;
    private ServerSocket server;
    private int port;

    @BeforeEach
    void start() throws IOException {
        manager = new ProbeManager(new Prober((id, cmd, timeout) -> {
            throw new AssertionError("no exec probes here");
        }, (pod, container, type, reason, message) -> events.add(type + " " + reason + " " + message)), clock);
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        port = server.getLocalPort();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        manager.close();
    }

    private void serverDown() throws IOException {
        server.close();
    }

    private void serverUp() throws IOException {
        server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
    }

    private Probe probe(int initialDelay, int success, int failure) {
        return new ProbeBuilder().withNewTcpSocket().withHost("127.0.0.1").withPort(new IntOrString(port)).endTcpSocket()
                .withInitialDelaySeconds(initialDelay).withSuccessThreshold(success).withFailureThreshold(failure).build();
    }

    private static Pod pod(Container container, String restartPolicy) {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("default").withUid("uid-1").endMetadata()
                .withNewSpec().withContainers(container).withRestartPolicy(restartPolicy).endSpec().build();
    }

    private void status(String containerId, boolean running, boolean started) {
        var s = new ContainerStatusBuilder().withName("c").withContainerID(containerId).withStarted(started);
        ContainerStatus status = running ? s.withNewState().withNewRunning().withStartedAt(STARTED.toString()).endRunning().endState().build()
                : s.withNewState().withNewTerminated().withExitCode(1).endTerminated().endState().build();
        manager.recordStatus("uid-1", new ProbeManager.PodProbeStatus("Running", "127.0.0.1", List.of(status)));
    }

    private Result result(ProbeType type, String containerId) {
        return manager.results(type).get(containerId).orElse(null);
    }

    @Test
    void readinessStartsFailedWaitsForTheDelayAndStartupAndCountsToTheThresholds() throws IOException {
        Container c = new ContainerBuilder().withName("c").withReadinessProbe(probe(5, 2, 3)).build();
        Worker worker = new Worker(manager, ProbeType.READINESS, pod(c, "Always"), c);
        status("containerd://a", true, false);
        clock.now = STARTED.plusSeconds(4);
        assertThat(worker.doProbe()).isTrue();
        assertThat(result(ProbeType.READINESS, "containerd://a")).isEqualTo(Result.FAILURE); // the initial value, nothing probed
        clock.now = STARTED.plusSeconds(5);
        worker.doProbe();
        assertThat(result(ProbeType.READINESS, "containerd://a")).isEqualTo(Result.FAILURE); // not started yet: readiness waits
        status("containerd://a", true, true);
        worker.doProbe();
        assertThat(result(ProbeType.READINESS, "containerd://a")).isEqualTo(Result.FAILURE); // 1 success of 2
        worker.doProbe();
        assertThat(result(ProbeType.READINESS, "containerd://a")).isEqualTo(Result.SUCCESS);
        serverDown();
        worker.doProbe();
        worker.doProbe();
        assertThat(result(ProbeType.READINESS, "containerd://a")).isEqualTo(Result.SUCCESS); // 2 failures of 3
        worker.doProbe();
        assertThat(result(ProbeType.READINESS, "containerd://a")).isEqualTo(Result.FAILURE);
        assertThat(events).hasSize(3).allMatch(e -> e.equals("Warning Unhealthy Readiness probe failed: dial tcp 127.0.0.1:" + port
                + ": connect: connection refused"));
    }

    @Test
    void livenessHoldsAfterAFailureUntilTheContainerIsReplaced() throws IOException {
        Container c = new ContainerBuilder().withName("c").withLivenessProbe(probe(0, 1, 2)).build();
        Worker worker = new Worker(manager, ProbeType.LIVENESS, pod(c, "Always"), c);
        status("containerd://a", true, true);
        worker.doProbe();
        assertThat(result(ProbeType.LIVENESS, "containerd://a")).isEqualTo(Result.SUCCESS);
        serverDown();
        worker.doProbe();
        assertThat(result(ProbeType.LIVENESS, "containerd://a")).isEqualTo(Result.SUCCESS);
        worker.doProbe();
        assertThat(result(ProbeType.LIVENESS, "containerd://a")).isEqualTo(Result.FAILURE);
        serverUp();
        worker.doProbe();
        assertThat(result(ProbeType.LIVENESS, "containerd://a")).isEqualTo(Result.FAILURE); // on hold: not probed again
        assertThat(events).hasSize(2);
        status("containerd://b", true, true);
        worker.doProbe();
        assertThat(result(ProbeType.LIVENESS, "containerd://a")).isNull();
        assertThat(result(ProbeType.LIVENESS, "containerd://b")).isEqualTo(Result.SUCCESS);
    }

    @Test
    void startupProbesUntilStartedAndThenLeavesTheResultAlone() throws IOException {
        Container c = new ContainerBuilder().withName("c").withStartupProbe(probe(0, 1, 1)).build();
        Worker worker = new Worker(manager, ProbeType.STARTUP, pod(c, "Always"), c);
        serverDown();
        status("containerd://a", true, false);
        worker.doProbe();
        assertThat(result(ProbeType.STARTUP, "containerd://a")).isEqualTo(Result.FAILURE);
        status("containerd://b", true, false);
        serverUp();
        worker.doProbe();
        assertThat(result(ProbeType.STARTUP, "containerd://b")).isEqualTo(Result.SUCCESS);
        status("containerd://b", true, true);
        serverDown();
        worker.doProbe();
        assertThat(result(ProbeType.STARTUP, "containerd://b")).isEqualTo(Result.SUCCESS); // started: no more probing
        assertThat(events).containsExactly("Warning Unhealthy Startup probe failed: dial tcp 127.0.0.1:" + port + ": connect: connection refused");
    }

    @Test
    void anExitedContainerFailsAndWithRestartPolicyNeverEndsTheWorker() {
        Container c = new ContainerBuilder().withName("c").withReadinessProbe(probe(0, 1, 1)).build();
        status("containerd://a", false, false);
        assertThat(new Worker(manager, ProbeType.READINESS, pod(c, "Always"), c).doProbe()).isTrue();
        assertThat(result(ProbeType.READINESS, "containerd://a")).isEqualTo(Result.FAILURE);
        assertThat(new Worker(manager, ProbeType.READINESS, pod(c, "Never"), c).doProbe()).isFalse();
    }

    @Test
    void defaultsAreUpstreams() {
        ProbeSpec spec = ProbeSpec.of(new Probe());
        assertThat(spec).isEqualTo(new ProbeSpec(0, Duration.ofSeconds(10), Duration.ofSeconds(1), 1, 3));
        Pod pod = new PodBuilder().withNewSpec().withTerminationGracePeriodSeconds(20L).endSpec().build();
        assertThat(ProbeManager.killGracePeriod(pod, new Probe())).isEqualTo(Duration.ofSeconds(20));
        assertThat(ProbeManager.killGracePeriod(pod, new ProbeBuilder().withTerminationGracePeriodSeconds(3L).build()))
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(ProbeManager.killGracePeriod(new PodBuilder().withNewSpec().endSpec().build(), null)).isEqualTo(Duration.ofSeconds(30));
    }
}
