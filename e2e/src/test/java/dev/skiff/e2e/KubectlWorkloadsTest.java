package dev.skiff.e2e;

import static dev.skiff.e2e.KubectlAgentTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller manager's workloads on real containers, driven by the real kubectl: a {@code skiff server} and two real
 * {@code skiff agent}s (each with its own containerd), one of them a control-plane node tainted NoSchedule. A deleted pod
 * is replaced, a DaemonSet covers the worker and not the control plane, a Job completes, a CronJob fires on its minute,
 * a cascading delete removes a deployment's ReplicaSets and pods, and deleting a namespace empties it.
 */
@Tag("containerd")
class KubectlWorkloadsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void workloadsHealCompleteFireAndCleanUpOnRealContainers() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        List<Path> agentDirs = new ArrayList<>();
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig);
             var controlPlane = agent(port, "cp", "10.88.111.0/24", "skiff-wl0", agentDirs,
                     "--register-with-taints", "node-role.kubernetes.io/control-plane:NoSchedule",
                     "--node-labels", "node-role.kubernetes.io/control-plane=");
             var worker = agent(port, "worker", "10.88.112.0/24", "skiff-wl1", agentDirs)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            // The CronJob first: it fires at the next full minute while the rest runs.
            kubectl.ok("kubectl", "create", "cronjob", "tick", "--image=busybox:1.35", "--schedule=* * * * *", "--", "echo", "tick");
            Instant cronCreated = Instant.now();

            // A deployment on the worker only; a deleted pod is replaced.
            apply(kubectl, deployment("default", "web", 2));
            kubectl.ok("kubectl", "rollout", "status", "deployment/web", "--timeout=100s");
            List<String> pods = words(kubectl.ok("kubectl", "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"));
            assertThat(words(kubectl.ok("kubectl", "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.nodeName}")))
                    .as("the control plane's taint keeps ordinary pods off it").containsExactly("worker", "worker");
            kubectl.ok("kubectl", "delete", "pod", pods.get(0), "--wait=false");
            await("a replacement for the deleted pod runs", TIMEOUT, () -> {
                List<String> running = new ArrayList<>(words(kubectl.run("kubectl", "get", "pods", "-l", "app=web",
                        "--field-selector=status.phase=Running", "-o", "jsonpath={.items[*].metadata.name}").out()));
                running.remove(pods.get(0));
                return running.size() == 2 && running.contains(pods.get(1));
            });

            // A DaemonSet covers every node but the tainted control plane.
            apply(kubectl, """
                    apiVersion: apps/v1
                    kind: DaemonSet
                    metadata: {name: agentd}
                    spec:
                      selector: {matchLabels: {app: agentd}}
                      template:
                        metadata: {labels: {app: agentd}}
                        spec:
                          terminationGracePeriodSeconds: 1
                          containers: [{name: agentd, image: "busybox:1.35", command: [sleep, "3600"]}]
                    """);
            kubectl.ok("kubectl", "rollout", "status", "daemonset/agentd", "--timeout=100s");
            assertThat(kubectl.ok("kubectl", "get", "daemonset", "agentd", "-o",
                    "jsonpath={.status.desiredNumberScheduled} {.status.numberReady} {.status.numberAvailable}")).isEqualTo("1 1 1");
            assertThat(kubectl.ok("kubectl", "get", "pods", "-l", "app=agentd", "-o", "jsonpath={range .items[*]}{.spec.nodeName}={.status.phase} {end}"))
                    .isEqualTo("worker=Running");

            // A Job runs its completions to the end.
            kubectl.ok("kubectl", "create", "job", "once", "--image=busybox:1.35", "--", "sh", "-c", "echo finished");
            kubectl.ok("kubectl", "wait", "--for=condition=complete", "job/once", "--timeout=100s");
            assertThat(kubectl.ok("kubectl", "get", "job", "once", "-o", "jsonpath={.status.succeeded}")).isEqualTo("1");
            assertThat(kubectl.ok("kubectl", "logs", "job/once")).isEqualTo("finished");

            // A cascading delete (background, kubectl's default) removes the ReplicaSets and the pods.
            kubectl.ok("kubectl", "delete", "deployment", "web");
            await("the deployment's ReplicaSets and pods are gone", TIMEOUT, () ->
                    kubectl.run("kubectl", "get", "rs,pods", "-l", "app=web", "-o", "name").out().isBlank());

            // Deleting a namespace empties it, then removes it.
            kubectl.ok("kubectl", "create", "namespace", "team");
            apply(kubectl, deployment("team", "api", 1));
            kubectl.ok("kubectl", "-n", "team", "create", "configmap", "settings", "--from-literal=a=b");
            kubectl.ok("kubectl", "-n", "team", "rollout", "status", "deployment/api", "--timeout=100s");
            kubectl.ok("kubectl", "delete", "namespace", "team", "--timeout=100s");
            assertThat(kubectl.run("kubectl", "get", "namespace", "team").err()).contains("namespaces \"team\" not found");
            assertThat(kubectl.ok("kubectl", "get", "deployments,replicasets,pods,configmaps", "-n", "team", "-o", "name")).isEmpty();

            // The CronJob fired on a full minute and its Job completed.
            await("the CronJob's first Job completes", Duration.ofSeconds(150), () -> !kubectl.run("kubectl", "get", "cronjob", "tick", "-o",
                    "jsonpath={.status.lastSuccessfulTime}").out().isBlank());
            String scheduled = kubectl.ok("kubectl", "get", "cronjob", "tick", "-o", "jsonpath={.status.lastScheduleTime}");
            Instant fired = Instant.parse(scheduled);
            assertThat(fired.getEpochSecond() % 60).as("scheduled on a full minute").isZero();
            assertThat(fired).isAfter(cronCreated.minusSeconds(60)).isBefore(Instant.now());
            String job = "tick-" + fired.getEpochSecond() / 60;
            assertThat(kubectl.ok("kubectl", "get", "job", job, "-o", "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.status.succeeded}"))
                    .as("upstream's name: the scheduled time in minutes").isEqualTo("CronJob/tick 1");
            assertThat(kubectl.ok("kubectl", "logs", "job/" + job)).isEqualTo("tick");
        } finally {
            for (Path d : agentDirs) {
                new ProcessBuilder("rm", "-rf", d.toString()).inheritIO().start().waitFor();
            }
        }
    }

    private static void apply(Kubectl kubectl, String yaml) throws Exception {
        var applied = kubectl.runWithInput(yaml, "kubectl", "apply", "-f", "-");
        assertThat(applied.exit()).as(applied.err()).isZero();
    }

    /** A deployment of {@code sleep} containers that stop within a second (busybox's sleep as PID 1 ignores SIGTERM). */
    private static String deployment(String namespace, String name, int replicas) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %1$s, namespace: %2$s}
                spec:
                  replicas: %3$d
                  selector: {matchLabels: {app: %1$s}}
                  template:
                    metadata: {labels: {app: %1$s}}
                    spec:
                      terminationGracePeriodSeconds: 1
                      containers: [{name: %1$s, image: "busybox:1.35", command: [sleep, "3600"]}]
                """.formatted(name, namespace, replicas);
    }

    /** A real agent named {@code node} on its own bridge and pod CIDR, never touching the host's iptables. */
    private SkiffProcess agent(int port, String node, String podCidr, String bridge, List<Path> dirs, String... extra) throws Exception {
        Path data = Files.createTempDirectory(Path.of("/tmp"), "skiff-wl-"); // short: containerd's socket path
        dirs.add(data);
        var args = new ArrayList<>(List.of("agent", "--server", "https://127.0.0.1:" + port,
                "--token-file", dir.resolve("data").resolve("server").resolve("token").toString(), "--node-name", node,
                "--node-ip", "127.0.0.1", "--data-dir", data.toString(), "--pod-cidr", podCidr, "--cni-bridge", bridge,
                "--kubelet-port", String.valueOf(SkiffProcess.freePort()), "--disable-kube-proxy"));
        args.addAll(List.of(extra));
        return SkiffProcess.registeredAgent(dir.resolve(node + ".log"), node, args.toArray(String[]::new));
    }

    private static List<String> words(String s) {
        return s.isBlank() ? List.of() : Arrays.asList(s.strip().split("\\s+"));
    }
}
