package dev.skiff.e2e;

import static dev.skiff.e2e.KubectlAgentTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose agent stops: node lifecycle marks it NotReady (Unknown) after
 * --node-monitor-grace-period (20 s here: above the agents' 10 s lease renewals) and taints it unreachable, taint eviction deletes its pods once their
 * tolerationSeconds are over - gracefully, so with no kubelet left to confirm they stay Terminating,
 * as upstream's do - and the ReplicaSet's replacements land on the node that is left. Two
 * {@code skiff agent --simulated} processes are the nodes.
 */
class NodeFailureTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void aStoppedNodesPodsAreRecreatedOnTheNodeLeft() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig, "--node-monitor-grace-period", "20s")) {
            var kubectl = new Kubectl(kubeconfig, dir);
            Path token = dir.resolve("data").resolve("server").resolve("token");
            var east = agent(port, token, "east");
            try (var west = agent(port, token, "west")) {
                kubectl.ok("kubectl", "cordon", "west-0"); // everything starts on east
                Path deployment = dir.resolve("web.yaml");
                Files.writeString(deployment, """
                        apiVersion: apps/v1
                        kind: Deployment
                        metadata: {name: web}
                        spec:
                          replicas: 3
                          selector: {matchLabels: {app: web}}
                          template:
                            metadata: {labels: {app: web}}
                            spec:
                              containers: [{name: web, image: busybox}]
                              tolerations:
                              - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
                              - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
                        """);
                kubectl.ok("kubectl", "apply", "-f", deployment.toString());
                assertThat(kubectl.ok("kubectl", "rollout", "status", "deployment/web", "--timeout=90s")).contains("successfully rolled out");
                assertThat(nodesOfRunningPods(kubectl)).containsExactly("east-0", "east-0", "east-0");
                kubectl.ok("kubectl", "uncordon", "west-0");

                east.stop();
                await("east-0 turns NotReady", TIMEOUT, () -> kubectl.ok("kubectl", "get", "node", "east-0", "-o",
                        "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").equals("Unknown"));
                assertThat(kubectl.ok("kubectl", "get", "node", "east-0", "-o", "jsonpath={.spec.taints[*].key}"))
                        .contains("node.kubernetes.io/unreachable");
                await("three replacements run on west-0", TIMEOUT,
                        () -> nodesOfRunningPods(kubectl).equals(List.of("west-0", "west-0", "west-0")));
                assertThat(kubectl.ok("kubectl", "rollout", "status", "deployment/web", "--timeout=60s")).contains("successfully rolled out");

                var lines = kubectl.ok("kubectl", "get", "pods", "-l", "app=web", "-o", "wide").lines().toList();
                List<String> header = cells(lines.getFirst());
                var onEast = lines.stream().skip(1).map(NodeFailureTest::cells)
                        .filter(c -> c.get(header.indexOf("NODE")).equals("east-0")).toList();
                assertThat(onEast).as("the evicted pods wait for a kubelet that is gone").hasSize(3)
                        .allSatisfy(c -> assertThat(c.get(header.indexOf("STATUS"))).isEqualTo("Terminating"));
                assertThat(kubectl.ok("kubectl", "get", "events", "--field-selector", "reason=TaintManagerEviction", "-o", "name")
                        .lines().count()).isEqualTo(3);
            } finally {
                east.close();
            }
        }
    }

    private SkiffProcess agent(int port, Path token, String name) {
        var agent = SkiffProcess.start(dir.resolve(name + ".log"), "agent", "--server", "https://127.0.0.1:" + port,
                "--token-file", token.toString(), "--simulated", "--count", "1", "--node-name", name);
        agent.awaitLine("1 simulated node(s) registered", 0, Duration.ofSeconds(60));
        return agent;
    }

    /** The nodes of the app=web pods that are Running and not being deleted, sorted. */
    private static List<String> nodesOfRunningPods(Kubectl kubectl) throws Exception {
        String out = kubectl.ok("kubectl", "get", "pods", "-l", "app=web", "-o",
                "jsonpath={range .items[?(@.status.phase==\"Running\")]}{.metadata.deletionTimestamp}/{.spec.nodeName} {end}");
        return Arrays.stream(out.trim().split("\\s+")).filter(s -> s.startsWith("/")).map(s -> s.substring(1)).sorted().toList();
    }

    private static List<String> cells(String line) {
        return Arrays.asList(line.trim().split("\\s+"));
    }
}
