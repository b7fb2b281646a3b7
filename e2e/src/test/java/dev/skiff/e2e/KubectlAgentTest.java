package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code skiff agent --simulated} joining a real {@code skiff server} with the server's token: its
 * nodes show Ready in kubectl, a deployment's pods are scheduled onto them, reported Running with IPs
 * and {@code kubectl rollout status} completes; bad agent flags fail with one line.
 */
class KubectlAgentTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void simulatedNodesJoinWithTheTokenAndRunADeployment() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            try (var agent = SkiffProcess.simulatedAgent(dir, port, 3, "--node-labels", "pool=sim")) {
                var lines = kubectl.ok("kubectl", "get", "nodes", "-l", "pool=sim").lines().toList();
                assertThat(cells(lines.getFirst())).containsExactly("NAME", "STATUS", "ROLES", "AGE", "VERSION");
                assertThat(lines.stream().skip(1).map(l -> cells(l).get(0) + " " + cells(l).get(1) + " " + cells(l).get(4)).toList())
                        .containsExactly("sim-0 Ready v1.33.0+skiff", "sim-1 Ready v1.33.0+skiff", "sim-2 Ready v1.33.0+skiff");

                kubectl.ok("kubectl", "create", "deployment", "web", "--image=busybox", "--replicas=6");
                assertThat(kubectl.ok("kubectl", "rollout", "status", "deployment/web", "--timeout=90s"))
                        .contains("deployment \"web\" successfully rolled out");
                var pods = kubectl.ok("kubectl", "get", "pods", "-l", "app=web", "-o", "wide").lines().toList();
                List<String> header = cells(pods.getFirst());
                assertThat(pods).hasSize(7);
                Set<String> nodes = pods.stream().skip(1).map(l -> cells(l).get(header.indexOf("NODE"))).collect(Collectors.toSet());
                // upstream's default spreading is a soft preference (PodTopologySpread ScheduleAnyway, maxSkew 3 per host):
                // 3+3+0 is as valid a placement as 2+2+2, so only "on the simulated nodes, more than one of them" is certain
                assertThat(nodes).as("spread over the simulated nodes").isSubsetOf("sim-0", "sim-1", "sim-2").hasSizeGreaterThan(1);
                for (String line : pods.subList(1, pods.size())) {
                    assertThat(cells(line).get(header.indexOf("STATUS"))).isEqualTo("Running");
                    assertThat(cells(line).get(header.indexOf("READY"))).isEqualTo("1/1");
                    assertThat(cells(line).get(header.indexOf("IP"))).startsWith("10.6");
                }
                assertThat(kubectl.ok("kubectl", "get", "lease", "sim-1", "-n", "kube-node-lease", "-o", "jsonpath={.spec.holderIdentity}"))
                        .isEqualTo("sim-1");

                kubectl.ok("kubectl", "delete", "deployment", "web");
                await("the pods are gone", () -> kubectl.run("kubectl", "get", "pods", "-l", "app=web", "-o", "name").out().isBlank());
            }
        }
    }

    @Test
    void aRealAgentRunsPodsAsContainersThroughItsOwnContainerd() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            Path token = dir.resolve("data").resolve("server").resolve("token");
            // a short data dir: containerd's socket path must fit a sockaddr_un
            Path agentData = java.nio.file.Files.createTempDirectory(Path.of("/tmp"), "skiff-e2e-agent-");
            var agent = SkiffProcess.start(dir.resolve("real-agent.log"), "agent", "--server", "https://127.0.0.1:" + port,
                    "--token-file", token.toString(), "--node-name", "worker", "--node-ip", "127.0.0.1", "--data-dir", agentData.toString(),
                    "--pod-cidr", "10.88.91.0/24", "--cni-bridge", "skiff-e2e0", "--kubelet-port", String.valueOf(SkiffProcess.freePort()),
                    "--disable-kube-proxy"); // tests never program the host's own iptables
            try {
                agent.awaitLine("node worker registered", 0, Duration.ofSeconds(120));
                assertThat(kubectl.ok("kubectl", "get", "node", "worker", "-o", "jsonpath={.status.nodeInfo.containerRuntimeVersion}"))
                        .startsWith("containerd://");
                kubectl.ok("kubectl", "run", "sleeper", "--image=busybox:1.35", "--restart=Never", "--", "sleep", "3600");
                kubectl.ok("kubectl", "run", "fails", "--image=busybox:1.35", "--restart=Never", "--", "sh", "-c", "exit 3");
                kubectl.ok("kubectl", "run", "succeeds", "--image=busybox:1.35", "--restart=Never", "--", "true");
                kubectl.ok("kubectl", "run", "nosuchimage", "--image=skiff.invalid/none:1", "--restart=Never");
                kubectl.ok("kubectl", "run", "crashes", "--image=busybox:1.35", "--", "sh", "-c", "exit 1");
                kubectl.ok("kubectl", "run", "retries", "--image=busybox:1.35", "--restart=OnFailure", "--", "true");
                kubectl.ok("kubectl", "create", "configmap", "conf", "--from-literal=greeting=hello");
                kubectl.ok("kubectl", "create", "secret", "generic", "creds", "--from-literal=password=s3cret");
                Path pods = dir.resolve("env-pods.yaml");
                java.nio.file.Files.writeString(pods, """
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: envcheck}
                        spec:
                          restartPolicy: Never
                          containers:
                          - name: c
                            image: busybox:1.35
                            command: ["sh", "-c", "test \\"$GREETING\\" = hello && test \\"$PASSWORD\\" = s3cret && test -n \\"$POD_IP\\""]
                            env:
                            - {name: GREETING, valueFrom: {configMapKeyRef: {name: conf, key: greeting}}}
                            - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
                            - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                        ---
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: missingconf}
                        spec:
                          restartPolicy: Never
                          containers:
                          - name: c
                            image: busybox:1.35
                            env:
                            - {name: X, valueFrom: {configMapKeyRef: {name: nope, key: k}}}
                        """);
                kubectl.ok("kubectl", "apply", "-f", pods.toString());
                await("sleeper runs", () -> "Running".equals(get(kubectl, "sleeper", "{.status.phase}")));
                assertThat(get(kubectl, "sleeper", "{.status.podIP}")).startsWith("10.88.91.");
                assertThat(get(kubectl, "sleeper", "{.status.containerStatuses[0].containerID}")).startsWith("containerd://");
                assertThat(get(kubectl, "sleeper", "{.status.containerStatuses[0].ready}")).isEqualTo("true");
                await("fails ends Failed", () -> "Failed".equals(get(kubectl, "fails", "{.status.phase}")));
                assertThat(get(kubectl, "fails", "{.status.containerStatuses[0].state.terminated.exitCode}")).isEqualTo("3");
                await("succeeds ends Succeeded", () -> "Succeeded".equals(get(kubectl, "succeeds", "{.status.phase}")));
                // ErrImagePull at each pull, ImagePullBackOff between them, as upstream's image back-off
                await("an image that cannot be pulled", () -> java.util.Set.of("ErrImagePull", "ImagePullBackOff").contains(get(kubectl,
                        "nosuchimage", "{.status.containerStatuses[0].state.waiting.reason}")));
                assertThat(get(kubectl, "nosuchimage", "{.status.phase}")).isEqualTo("Pending");
                // one read for all: the back-off may end (and the container run and exit again) between two reads
                String crashLoopJsonPath = "{.status.containerStatuses[0].state.waiting.reason}|{.status.containerStatuses[0].lastState"
                        + ".terminated.exitCode}|{.status.phase}|{.status.containerStatuses[0].state.waiting.message}";
                var crashLoop = new java.util.concurrent.atomic.AtomicReference<String>();
                await("restartPolicy Always: CrashLoopBackOff after the exit", () -> {
                    crashLoop.set(get(kubectl, "crashes", crashLoopJsonPath));
                    return crashLoop.get().startsWith("CrashLoopBackOff|");
                });
                assertThat(crashLoop.get()).matches("CrashLoopBackOff\\|1\\|Running\\|"
                        + "back-off (10|20|40)s restarting failed container=crashes pod=crashes_default\\([-0-9a-f]{36}\\)");
                await("restarted after the back-off", () -> Integer.parseInt(get(kubectl, "crashes",
                        "{.status.containerStatuses[0].restartCount}")) >= 1);
                await("env from a config map, a secret and the pod's IP", () -> "Succeeded".equals(get(kubectl, "envcheck", "{.status.phase}")));
                await("a missing config map", () -> "CreateContainerConfigError".equals(get(kubectl, "missingconf",
                        "{.status.containerStatuses[0].state.waiting.reason}")));
                assertThat(get(kubectl, "missingconf", "{.status.containerStatuses[0].state.waiting.message}"))
                        .isEqualTo("configmap \"nope\" not found");
                await("restartPolicy OnFailure: exit 0 is final", () -> "Succeeded".equals(get(kubectl, "retries", "{.status.phase}")));
                assertThat(get(kubectl, "retries", "{.status.containerStatuses[0].restartCount}")).isEqualTo("0");
                var wide = kubectl.ok("kubectl", "get", "pod", "sleeper", "-o", "wide").lines().toList();
                assertThat(cells(wide.get(1))).contains("Running", "worker");

                kubectl.ok("kubectl", "delete", "pod", "sleeper", "--wait=false");
                await("sleeper is gone", () -> kubectl.run("kubectl", "get", "pod", "sleeper").exit() != 0);
            } finally {
                assertThat(agent.stop(Duration.ofSeconds(60))).as("the agent stops on SIGTERM").isTrue();
                agent.close();
            }
            assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(agentData.toString())).toList())
                    .as("no containerd or shim of the agent is left").isEmpty();
            assertThat(java.nio.file.Files.exists(Path.of("/sys/class/net/skiff-e2e0"))).as("the bridge is removed").isFalse();
        }
    }

    /** A field of a pod by kubectl's jsonpath, blank when the pod or the field is missing. */
    static String get(Kubectl kubectl, String pod, String jsonpath) {
        try {
            return kubectl.run("kubectl", "get", "pod", pod, "-o", "jsonpath=" + jsonpath).out().strip();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void skiffServerAloneIsAWorkingSingleNodeCluster() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        Path data = dir.resolve("data");
        var server = SkiffProcess.serverWithAgent(dir.resolve("server.log"), "--data-dir", data.toString(),
                "--etcd-listen-client-url", "http://127.0.0.1:" + SkiffProcess.freePort(), "--write-kubeconfig", kubeconfig.toString(),
                "--kubelet-port", String.valueOf(SkiffProcess.freePort()),
                "--disable-kube-proxy"); // tests never program the host's own iptables
        try {
            var kubectl = new Kubectl(kubeconfig, dir);
            String host = dev.skiff.agent.NodeAgent.hostName();
            await("this host is a Ready node", () -> kubectl.run("kubectl", "get", "nodes", "--no-headers").out().contains(" Ready "));
            var nodes = kubectl.ok("kubectl", "get", "nodes", "--no-headers").lines().toList();
            assertThat(nodes).hasSize(1);
            assertThat(cells(nodes.getFirst()).subList(0, 3)).containsExactly(host, "Ready", "control-plane,master");
            assertThat(kubectl.ok("kubectl", "get", "node", host, "-o", "jsonpath={.spec.podCIDR}"))
                    .as("node IPAM gave the first node the first /24 of --cluster-cidr").isEqualTo("10.42.0.0/24");
            kubectl.ok("kubectl", "create", "deployment", "web", "--image=skiff.local/httpd:1.35", "--replicas=2");
            assertThat(kubectl.ok("kubectl", "rollout", "status", "deployment/web", "--timeout=120s"))
                    .contains("deployment \"web\" successfully rolled out");
            var pods = kubectl.ok("kubectl", "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.podIP}").split(" ");
            assertThat(pods).hasSize(2).allMatch(ip -> ip.startsWith("10.42.0."));
        } finally {
            assertThat(server.stop(Duration.ofSeconds(90))).as("the server stops on SIGTERM").isTrue();
            server.close();
        }
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(data.toString())).toList())
                .as("no containerd or shim is left").isEmpty();
        assertThat(java.nio.file.Files.exists(Path.of("/sys/class/net/skiff0"))).as("the bridge is removed").isFalse();
    }

    @Test
    void badAgentFlagsFailWithOneLine() {
        var noServer = SkiffProcess.run(dir.resolve("bad.log"), "agent", "--simulated");
        assertThat(noServer.exit()).isNotZero();
        assertThat(String.join("\n", noServer.output())).contains("--server (with --token or --token-file) or --kubeconfig is required");
        var badTaint = SkiffProcess.run(dir.resolve("bad.log"), "agent", "--simulated", "--server", "https://127.0.0.1:1", "--token", "x",
                "--register-with-taints", "dedicated=gpu:Sometimes");
        assertThat(badTaint.exit()).isNotZero();
        assertThat(String.join("\n", badTaint.output()))
                .contains("invalid value for --register-with-taints: \"dedicated=gpu:Sometimes\"");
        var badToken = SkiffProcess.run(dir.resolve("bad.log"), "agent", "--simulated", "--server", "https://127.0.0.1:1", "--token", "x");
        assertThat(badToken.exit()).isNotZero();
        assertThat(String.join("\n", badToken.output())).contains("the token is not a server token");
    }

    static List<String> cells(String line) {
        return Arrays.asList(line.trim().split("\\s+"));
    }

    @FunctionalInterface
    interface Check {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} until it holds; fails after the test timeout (shared by the agent e2e tests). */
    static void await(String what, Check condition) throws Exception {
        await(what, TIMEOUT, condition);
    }

    /** Checks {@code condition} until it holds; fails after {@code timeout}. */
    static void await(String what, Duration timeout, Check condition) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.holds()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(200);
        }
    }
}
