package dev.skiff.e2e;

import static dev.skiff.e2e.KubectlAgentTest.await;
import static dev.skiff.e2e.KubectlAgentTest.cells;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resource metrics and autoscaling through kubectl on a real agent ({@code skiff agent} with its own
 * containerd, bridge skiff-mt0 on 10.88.101.0/24, a free kubelet port): the server scrapes the
 * kubelet every 2 s, {@code kubectl top pod/node} print a busy busybox pod's and the node's usage,
 * and an HPA (synced every 3 s) scales a deployment of CPU burners requesting 50m up to its maximum.
 */
class KubectlTopTest {
    @TempDir
    Path dir;

    @Test
    void topShowsUsageAndAnHpaScalesABusyDeploymentUp() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig, "--metric-resolution", "2s",
                "--horizontal-pod-autoscaler-sync-period", "3s")) {
            var kubectl = new Kubectl(kubeconfig, dir);
            Path token = dir.resolve("data").resolve("server").resolve("token");
            Path agentData = Files.createTempDirectory(Path.of("/tmp"), "skiff-e2e-mt-"); // short: containerd's socket path
            var agent = SkiffProcess.start(dir.resolve("agent.log"), "agent", "--server", "https://127.0.0.1:" + port,
                    "--token-file", token.toString(), "--node-name", "topper", "--node-ip", "127.0.0.1", "--data-dir", agentData.toString(),
                    "--pod-cidr", "10.88.101.0/24", "--cni-bridge", "skiff-mt0", "--kubelet-port", String.valueOf(SkiffProcess.freePort()),
                    "--disable-kube-proxy"); // never the host's iptables
            try {
                agent.awaitLine("node topper registered", 0, Duration.ofSeconds(120));
                Path manifests = dir.resolve("burner.yaml");
                Files.writeString(manifests, """
                        apiVersion: apps/v1
                        kind: Deployment
                        metadata: {name: burner}
                        spec:
                          replicas: 1
                          selector: {matchLabels: {app: burner}}
                          template:
                            metadata: {labels: {app: burner}}
                            spec:
                              terminationGracePeriodSeconds: 1
                              containers:
                              - name: burn
                                image: busybox:1.35
                                command: ["sh", "-c", "while :; do :; done"]
                                resources: {requests: {cpu: 50m}}
                        """);
                kubectl.ok("kubectl", "apply", "-f", manifests.toString());

                await("kubectl top pod shows the burner's CPU", () -> {
                    var top = kubectl.run("kubectl", "top", "pod", "--no-headers");
                    return top.exit() == 0 && top.out().lines().anyMatch(l -> l.startsWith("burner-") && millicores(cells(l).get(1)) > 300);
                });
                String line = kubectl.ok("kubectl", "top", "pod", "-l", "app=burner", "--containers", "--no-headers").lines()
                        .findFirst().orElseThrow();
                assertThat(cells(line).get(1)).as("the container column").isEqualTo("burn");
                assertThat(cells(line).get(3)).as("memory").matches("[0-9]+Mi");
                String node = kubectl.ok("kubectl", "top", "node", "--no-headers");
                assertThat(cells(node).getFirst()).isEqualTo("topper");
                assertThat(millicores(cells(node).get(1))).isGreaterThan(300);
                assertThat(cells(node).get(3)).matches("[0-9]+Mi");
                assertThat(kubectl.ok("kubectl", "api-resources", "--api-group=metrics.k8s.io", "--no-headers").lines().map(l -> cells(l)))
                        .containsExactly(java.util.List.of("nodes", "metrics.k8s.io/v1beta1", "false", "NodeMetrics"),
                                java.util.List.of("pods", "metrics.k8s.io/v1beta1", "true", "PodMetrics"));
                String printed = kubectl.ok("kubectl", "get", "nodes.metrics.k8s.io", "topper");
                assertThat(printed.lines().findFirst().orElseThrow()).matches("NAME\\s+CPU\\s+MEMORY\\s+WINDOW");
                assertThat(printed.lines().skip(1).findFirst().orElseThrow()).matches("topper\\s+[0-9]+n\\s+[0-9]+Ki\\s+[0-9.]+s");
                assertThat(kubectl.ok("kubectl", "get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"))
                        .contains("\"kind\":\"PodMetricsList\"").contains("\"name\":\"burn\"");

                kubectl.ok("kubectl", "autoscale", "deployment", "burner", "--cpu-percent=50", "--min=1", "--max=3");
                await("the HPA scaled the deployment to its maximum", Duration.ofSeconds(120),
                        () -> kubectl.ok("kubectl", "get", "deployment", "burner", "-o", "jsonpath={.spec.replicas}").equals("3"));
                await("the HPA reports it", () -> kubectl.ok("kubectl", "get", "hpa", "burner", "-o",
                        "jsonpath={.status.currentReplicas}/{.status.desiredReplicas}").equals("3/3"));
                String events = kubectl.ok("kubectl", "get", "events", "--field-selector", "involvedObject.kind=HorizontalPodAutoscaler",
                        "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}");
                assertThat(events).contains("SuccessfulRescale: New size: ")
                        .contains("reason: cpu resource utilization (percentage of request) above target");
                String hpa = kubectl.ok("kubectl", "get", "hpa", "burner", "--no-headers");
                assertThat(hpa).as("NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE").matches("burner\\s+Deployment/burner\\s+cpu: [0-9]+%/50%\\s+1\\s+3\\s+3\\s+\\S+");
                assertThat(kubectl.ok("kubectl", "get", "hpa", "burner", "-o",
                        "jsonpath={.status.conditions[?(@.type==\"ScalingLimited\")].reason}")).isEqualTo("TooManyReplicas");
            } finally {
                kubectl.run("kubectl", "delete", "hpa", "burner", "--ignore-not-found");
                kubectl.run("kubectl", "delete", "deployment", "burner", "--ignore-not-found", "--wait=false");
                assertThat(agent.stop(Duration.ofSeconds(60))).as("the agent stops on SIGTERM").isTrue();
                agent.close();
                try (var all = Files.walk(agentData)) { // nothing is mounted there once the agent stopped
                    all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** "950m" or "1" (cores) as millicores. */
    private static long millicores(String cpu) {
        return cpu.endsWith("m") ? Long.parseLong(cpu.substring(0, cpu.length() - 1)) : Long.parseLong(cpu) * 1000;
    }
}
