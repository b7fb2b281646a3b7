package dev.skiff.e2e;

import static dev.skiff.e2e.KubectlAgentTest.await;
import static dev.skiff.e2e.KubectlAgentTest.cells;
import static dev.skiff.e2e.KubectlAgentTest.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Probes through kubectl on a real agent ({@code skiff agent} with its own containerd, bridge
 * skiff-pr0 on 10.88.83.0/24): a failing liveness probe restarts the container, readiness gates Ready.
 */
class KubectlProbesTest {
    @TempDir
    Path dir;

    @Test
    void livenessRestartsAndReadinessGatesReady() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            Path token = dir.resolve("data").resolve("server").resolve("token");
            Path agentData = Files.createTempDirectory(Path.of("/tmp"), "skiff-e2e-pr-"); // short: containerd's socket path
            var agent = SkiffProcess.start(dir.resolve("agent.log"), "agent", "--server", "https://127.0.0.1:" + port,
                    "--token-file", token.toString(), "--node-name", "prober", "--node-ip", "127.0.0.1", "--data-dir", agentData.toString(),
                    "--pod-cidr", "10.88.83.0/24", "--cni-bridge", "skiff-pr0", "--disable-kube-proxy"); // never the host's iptables
            try {
                agent.awaitLine("node prober registered", 0, Duration.ofSeconds(120));
                Path pods = dir.resolve("pods.yaml");
                Files.writeString(pods, """
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: liveness}
                        spec:
                          terminationGracePeriodSeconds: 2
                          containers:
                          - name: main
                            image: busybox:1.35
                            command: ["sh", "-c", "touch /tmp/healthy; sleep 3; rm /tmp/healthy; trap 'exit 0' TERM; while true; do sleep 1; done"]
                            livenessProbe:
                              exec: {command: ["cat", "/tmp/healthy"]}
                              periodSeconds: 1
                              failureThreshold: 2
                        ---
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: ready}
                        spec:
                          containers:
                          - name: httpd
                            image: skiff.local/httpd:1.35
                            ports: [{name: http, containerPort: 80}]
                            readinessProbe:
                              httpGet: {path: /index.html, port: http}
                              periodSeconds: 1
                        ---
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: unready}
                        spec:
                          containers:
                          - name: httpd
                            image: skiff.local/httpd:1.35
                            readinessProbe:
                              httpGet: {path: /missing.html, port: 80}
                              periodSeconds: 1
                        """);
                kubectl.ok("kubectl", "apply", "-f", pods.toString());

                await("liveness restarted the container", () -> get(kubectl, "liveness", "{.status.containerStatuses[0].restartCount}")
                        .matches("[1-9][0-9]*"));
                assertThat(get(kubectl, "liveness", "{.status.containerStatuses[0].lastState.terminated.containerID}")).startsWith("containerd://");
                await("the kill and the failures are events", () -> {
                    String events = kubectl.ok("kubectl", "get", "events", "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}");
                    return events.contains("Killing: Container main failed liveness probe, will be restarted")
                            && events.contains("Unhealthy: Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory");
                });

                await("ready is Ready", () -> "True".equals(get(kubectl, "ready", "{.status.conditions[?(@.type==\"Ready\")].status}")));
                assertThat(cells(kubectl.ok("kubectl", "get", "pod", "ready", "--no-headers"))).contains("1/1", "Running");
                await("unready was probed and failed", () -> kubectl.ok("kubectl", "get", "events", "-o", "jsonpath={.items[*].message}")
                        .contains("Readiness probe failed: HTTP probe failed with statuscode: 404"));
                assertThat(get(kubectl, "unready", "{.status.conditions[?(@.type==\"Ready\")].status}")).isEqualTo("False");
                assertThat(get(kubectl, "unready", "{.status.conditions[?(@.type==\"ContainersReady\")].reason}")).isEqualTo("ContainersNotReady");
                assertThat(cells(kubectl.ok("kubectl", "get", "pod", "unready", "--no-headers"))).contains("0/1", "Running");
            } finally {
                assertThat(agent.stop(Duration.ofSeconds(60))).as("the agent stops on SIGTERM").isTrue();
                agent.close();
                try (var all = Files.walk(agentData)) { // nothing is mounted there once the agent stopped
                    all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
