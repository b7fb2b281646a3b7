package dev.skiff.e2e;

import static dev.skiff.e2e.KubectlAgentTest.await;
import static dev.skiff.e2e.KubectlAgentTest.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent stops as a kubelet does: SIGTERM ends {@code skiff agent} with exit 0 and leaves its containers running (their
 * shims survive containerd); the agent started again on the same data dir adopts them, the same container with no restart.
 * {@code skiff killall} then stops the running agent and tears down everything it made: containers, containerd and shims,
 * the bridge, the pod's network namespace and IP, the mounts under the data dir; run again it has nothing to do.
 */
class AgentRestartTest {
    private static final String BRIDGE = "skiff-ks0";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void aStoppedAgentsPodsKeepRunningAndAreAdoptedUntilKillallTearsThemDown() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        // a short data dir: containerd's socket path must fit a sockaddr_un
        Path agentData = Files.createTempDirectory(Path.of("/tmp"), "skiff-ks-");
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            Path token = dir.resolve("data").resolve("server").resolve("token");
            var first = agent(port, token, agentData, "first.log");
            SkiffProcess second = null;
            try {
                first.awaitLine("node ks-node registered", 0, TIMEOUT);
                kubectl.ok("kubectl", "run", "sleeper", "--image=busybox:1.35", "--restart=Never", "--", "sleep", "3600");
                await("the pod runs", TIMEOUT, () -> "Running".equals(get(kubectl, "sleeper", "{.status.phase}")));
                String containerId = get(kubectl, "sleeper", "{.status.containerStatuses[0].containerID}");
                assertThat(containerId).startsWith("containerd://");
                String id = containerId.substring("containerd://".length());
                long pid = Long.parseLong(Files.readString(agentData.resolve("agent/containerd/state/io.containerd.runtime.v2.task/k8s.io")
                        .resolve(id).resolve("init.pid")).strip());
                assertThat(commandLine(pid)).as("the container's process").isEqualTo("sleep 3600");
                String netns = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")).toString();

                assertThat(first.stopKeepingPods(Duration.ofSeconds(90))).as("the agent exits 0 on SIGTERM").isZero();
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the container outlives the agent").contains(true);
                assertThat(processesOf(agentData)).as("containerd stopped, the shim stays").isNotEmpty()
                        .allMatch(c -> c.contains("containerd-shim"));

                second = agent(port, token, agentData, "second.log");
                second.awaitLine("node ks-node registered", 0, TIMEOUT);
                assertAdopted(kubectl, "sleeper", containerId);
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the same process still runs").contains(true);
                assertThat(mountsUnder(agentData.resolve("agent/pods"))).as("the pod's service account token volume (tmpfs)").isNotEmpty();

                var killall = SkiffProcess.run(dir.resolve("killall.log"), "killall", "--data-dir", agentData.toString());
                assertThat(killall.exit()).as(String.join("\n", killall.output())).isZero();
                assertThat(killall.output()).anyMatch(l -> l.contains("stopping the agent running on " + agentData.resolve("agent")))
                        .anyMatch(l -> l.contains("skiff killall: 1 pod sandbox(es)"));
                assertThat(second.isAlive()).as("killall stopped the running agent first").isFalse();
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("the container is gone").isFalse();
                assertThat(processesOf(agentData)).as("no containerd or shim of the data dir is left").isEmpty();
                assertThat(Files.exists(Path.of("/sys/class/net", BRIDGE))).as("the bridge is removed").isFalse();
                assertThat(mountsUnder(agentData)).as("nothing is mounted under the data dir").isEmpty();
                assertThat(netnsFiles(netns)).as("the pod's network namespace is removed").isEmpty();
                try (var ipam = Files.walk(agentData.resolve("agent/containerd/cni/ipam"))) {
                    assertThat(ipam.map(p -> p.getFileName().toString())).as("the pod IP is released").noneMatch(n -> n.startsWith("10.88.107."));
                }

                var again = SkiffProcess.run(dir.resolve("killall.log"), "killall", "--data-dir", agentData.toString());
                assertThat(again.exit()).isZero();
                assertThat(again.output()).containsExactly("skiff killall: nothing to tear down under " + agentData);
            } finally {
                first.close();
                if (second != null) {
                    second.close();
                }
                sh("rm", "-rf", agentData.toString());
            }
        }
    }

    private SkiffProcess agent(int port, Path token, Path data, String log) {
        return SkiffProcess.start(dir.resolve(log), "agent", "--server", "https://127.0.0.1:" + port, "--token-file", token.toString(),
                "--node-name", "ks-node", "--node-ip", "127.0.0.1", "--data-dir", data.toString(), "--pod-cidr", "10.88.107.0/24",
                "--cni-bridge", BRIDGE, "--kubelet-port", String.valueOf(SkiffProcess.freePort()),
                "--disable-kube-proxy"); // tests never program the host's own iptables
    }

    private static String commandLine(long pid) throws Exception {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).replace('\0', ' ').strip();
    }

    /** Checks over ten seconds of syncs that the pod was adopted, not recreated: Running and ready, the same container, no restart. */
    static void assertAdopted(Kubectl kubectl, String pod, String containerId) throws InterruptedException {
        for (int i = 0; i < 10; i++) {
            Thread.sleep(1000);
            assertThat(get(kubectl, pod, "{.status.phase}")).isEqualTo("Running");
            assertThat(get(kubectl, pod, "{.status.containerStatuses[0].containerID}")).isEqualTo(containerId);
            assertThat(get(kubectl, pod, "{.status.containerStatuses[0].restartCount}")).isEqualTo("0");
            assertThat(get(kubectl, pod, "{.status.containerStatuses[0].ready}")).isEqualTo("true");
        }
    }

    /** The command lines of the processes naming the data dir (containerd's config, the shims' socket). */
    static List<String> processesOf(Path data) {
        return ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse("")).filter(c -> c.contains(data.toString())).toList();
    }

    private static List<String> mountsUnder(Path data) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" ")[1])
                .filter(m -> m.startsWith(data.toString())).toList();
    }

    /** The files under /run/netns that are the network namespace {@code netns} ("net:[inode]"). */
    private static List<Path> netnsFiles(String netns) throws Exception {
        String inode = netns.replaceAll("\\D", "");
        if (!Files.isDirectory(Path.of("/run/netns"))) {
            return List.of();
        }
        try (var files = Files.list(Path.of("/run/netns"))) {
            return files.filter(f -> {
                try {
                    return String.valueOf(Files.getAttribute(f, "unix:ino")).equals(inode);
                } catch (Exception e) {
                    return false;
                }
            }).toList();
        }
    }

    private static void sh(String... command) throws Exception {
        new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
