package dev.skiff.e2e;

import static dev.skiff.e2e.KubectlAgentTest.await;
import static dev.skiff.e2e.KubectlAgentTest.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code skiff server} with its embedded agent stops as {@code skiff agent} does: SIGTERM leaves the pods' containers
 * running, and the server started again on the same data dir adopts them - the same container and sandbox (no second
 * one), restartCount 0, the pod Running throughout; {@code skiff killall -d DIR} then stops the server and tears
 * everything down.
 */
@Tag("containerd")
class ServerRestartTest {
    private static final String BRIDGE = "skiff-sr0";
    private static final String CLUSTER_CIDR = "10.88.109.0/24";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void aStoppedServersPodsKeepRunningAndTheRestartedServerAdoptsThem() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        Path data = Files.createTempDirectory(Path.of("/tmp"), "skiff-sr-"); // short: containerd's socket path
        Path tasks = data.resolve("agent/containerd/state/io.containerd.runtime.v2.task/k8s.io");
        int port = SkiffProcess.freePort();
        SkiffProcess first = null;
        SkiffProcess second = null;
        try {
            first = server(data, port, kubeconfig, "first.log");
            var kubectl = new Kubectl(kubeconfig, dir);
            String node = dev.skiff.agent.NodeAgent.hostName();
            await("this host is a Ready node", TIMEOUT, () -> kubectl.run("kubectl", "get", "nodes", "--no-headers").out().contains(" Ready "));
            kubectl.ok("kubectl", "run", "sleeper", "--image=busybox:1.35", "--restart=Never", "--", "sleep", "3600");
            await("the pod runs", TIMEOUT, () -> "Running".equals(get(kubectl, "sleeper", "{.status.phase}")));
            String containerId = get(kubectl, "sleeper", "{.status.containerStatuses[0].containerID}");
            String podIp = get(kubectl, "sleeper", "{.status.podIP}");
            assertThat(podIp).as("from the node's /24 of --cluster-cidr").startsWith("10.88.109.");
            String id = containerId.substring("containerd://".length());
            long pid = Long.parseLong(Files.readString(tasks.resolve(id).resolve("init.pid")).strip());
            Set<String> sandboxAndContainer = taskIds(tasks);
            assertThat(sandboxAndContainer).as("the pod's sandbox and its container").hasSize(2).contains(id);

            first.stopKeepingPods(Duration.ofSeconds(90));
            assertThat(SkiffProcess.lines(dir.resolve("first.log"))).as("the server stopped through its shutdown hook")
                    .anyMatch(l -> l.contains("skiff server stopped"));
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the container outlives the server").contains(true);
            assertThat(AgentRestartTest.processesOf(data)).as("containerd stopped, the shims stay").isNotEmpty().allMatch(c -> c.contains("containerd-shim"));

            second = server(data, port, kubeconfig, "second.log");
            await("the node is Ready again", TIMEOUT, () -> kubectl.run("kubectl", "get", "node", node, "--no-headers").out().contains(" Ready "));
            AgentRestartTest.assertAdopted(kubectl, "sleeper", containerId);
            assertThat(get(kubectl, "sleeper", "{.status.podIP}")).as("the same sandbox's address").isEqualTo(podIp);
            assertThat(taskIds(tasks)).as("no second sandbox or container").isEqualTo(sandboxAndContainer);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the same process still runs").contains(true);

            var killall = SkiffProcess.run(dir.resolve("killall.log"), "killall", "-d", data.toString());
            assertThat(killall.exit()).as(String.join("\n", killall.output())).isZero();
            assertThat(killall.output()).anyMatch(l -> l.contains("stopping the agent running on " + data.resolve("agent")))
                    .anyMatch(l -> l.contains("skiff killall: 1 pod sandbox(es)"))
                    .anyMatch(l -> l.contains("the masquerade of " + CLUSTER_CIDR));
            assertThat(second.isAlive()).as("killall stopped the running server first").isFalse();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("the container is gone").isFalse();
            assertThat(AgentRestartTest.processesOf(data)).as("no containerd or shim of the data dir is left").isEmpty();
            assertThat(Files.exists(Path.of("/sys/class/net", BRIDGE))).as("the bridge is removed").isFalse();
            assertThat(taskIds(tasks)).as("no task is left").isEmpty();

            var again = SkiffProcess.run(dir.resolve("killall.log"), "killall", "-d", data.toString());
            assertThat(again.exit()).isZero();
            assertThat(again.output()).containsExactly("skiff killall: nothing to tear down under " + data);
        } finally {
            if (first != null) {
                first.close();
            }
            if (second != null) {
                second.close();
            }
            new ProcessBuilder("rm", "-rf", data.toString()).inheritIO().start().waitFor();
        }
    }

    /**
     * A rolling update (maxSurge 1, maxUnavailable 0, minReadySeconds 5: a step every few seconds) is caught by a server
     * restart after its first new pod; the restarted controllers finish it: {@code kubectl rollout status} completes, the
     * new ReplicaSet has every replica and the old one none, no third ReplicaSet and no extra pod exist, and the
     * history has both revisions.
     */
    @Test
    void aRolloutInterruptedByAServerRestartConverges() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        Path data = Files.createTempDirectory(Path.of("/tmp"), "skiff-sr-");
        int port = SkiffProcess.freePort();
        SkiffProcess first = null;
        SkiffProcess second = null;
        try {
            first = server(data, port, kubeconfig, "first.log");
            var kubectl = new Kubectl(kubeconfig, dir);
            await("this host is a Ready node", TIMEOUT, () -> kubectl.run("kubectl", "get", "nodes", "--no-headers").out().contains(" Ready "));
            var applied = kubectl.runWithInput("""
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: web}
                    spec:
                      replicas: 3
                      minReadySeconds: 5
                      strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
                      selector: {matchLabels: {app: web}}
                      template:
                        metadata: {labels: {app: web}}
                        spec:
                          terminationGracePeriodSeconds: 1
                          containers:
                          - {name: web, image: "busybox:1.35", command: [sleep, "3600"], env: [{name: VERSION, value: "1"}]}
                    """, "kubectl", "apply", "-f", "-");
            assertThat(applied.exit()).as(applied.err()).isZero();
            awaitRolledOut(kubectl);
            kubectl.ok("kubectl", "set", "env", "deployment/web", "VERSION=2");
            await("the rollout's first new pod exists", TIMEOUT, () -> !kubectl.run("kubectl", "get", "pods", "-l", "app=web",
                    "-o", "jsonpath={range .items[?(@.spec.containers[0].env[0].value==\"2\")]}{.metadata.name} {end}").out().isBlank());
            assertThat(kubectl.ok("kubectl", "get", "deployment", "web", "-o", "jsonpath={.status.updatedReplicas}/{.status.replicas}"))
                    .as("the restart comes before the rollout is done").isNotEqualTo("3/3");

            first.stopKeepingPods(Duration.ofSeconds(90));
            second = server(data, port, kubeconfig, "second.log");
            awaitRolledOut(kubectl);

            String newHash = kubectl.ok("kubectl", "get", "rs", "-l", "app=web", "-o",
                    "jsonpath={range .items[?(@.metadata.annotations.deployment\\.kubernetes\\.io/revision==\"2\")]}{.metadata.labels.pod-template-hash}{end}").strip();
            assertThat(newHash).as("the revision-2 ReplicaSet").isNotEmpty();
            assertThat(kubectl.ok("kubectl", "get", "rs", "-l", "app=web", "-o",
                    "jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision}={.spec.replicas}/{.status.readyReplicas} {end}").strip())
                    .as("two ReplicaSets: revision 1 scaled to 0, revision 2 with all replicas").matches("1=0/0? 2=3/3|2=3/3 1=0/0?");
            await("only the new ReplicaSet's pods remain", TIMEOUT, () -> kubectl.run("kubectl", "get", "pods", "-l", "app=web", "-o",
                    "jsonpath={range .items[*]}{.metadata.labels.pod-template-hash} {end}").out().strip()
                    .equals(String.join(" ", java.util.Collections.nCopies(3, newHash))));
            assertThat(kubectl.ok("kubectl", "get", "deployment", "web", "-o",
                    "jsonpath={.status.observedGeneration}={.metadata.generation} {.status.updatedReplicas} {.status.availableReplicas} {.status.replicas}"))
                    .isEqualTo("2=2 3 3 3");
            assertThat(kubectl.ok("kubectl", "rollout", "history", "deployment/web")).contains("1 ", "2 ");
        } finally {
            if (first != null) {
                first.close();
            }
            if (second != null) {
                second.close();
            }
            new ProcessBuilder("rm", "-rf", data.toString()).inheritIO().start().waitFor();
        }
    }

    private static void awaitRolledOut(Kubectl kubectl) throws Exception {
        await("kubectl rollout status reports the deployment rolled out", Duration.ofSeconds(180), () -> kubectl.run("kubectl", "rollout",
                "status", "deployment/web", "--watch=false").out().contains("successfully rolled out"));
    }

    /** The server with its agent on {@code data}: pods on the test bridge from the test's CIDR, no service proxy (never the host's iptables). */
    private SkiffProcess server(Path data, int port, Path kubeconfig, String log) {
        return SkiffProcess.serverWithAgent(dir.resolve(log), "--data-dir", data.toString(), "--https-listen-port", String.valueOf(port),
                "--etcd-listen-client-url", "http://127.0.0.1:" + SkiffProcess.freePort(), "--write-kubeconfig", kubeconfig.toString(),
                "--kubelet-port", String.valueOf(SkiffProcess.freePort()), "--cni-bridge", BRIDGE, "--cluster-cidr", CLUSTER_CIDR,
                "--service-cluster-ip-range", "10.109.0.0/16", "--disable-kube-proxy", "--disable-dns");
    }

    /** The IDs of the containerd tasks (sandboxes and containers) of the data dir's containerd. */
    private static Set<String> taskIds(Path tasks) throws Exception {
        if (!Files.isDirectory(tasks)) {
            return Set.of();
        }
        try (var all = Files.list(tasks)) {
            return all.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }
}
