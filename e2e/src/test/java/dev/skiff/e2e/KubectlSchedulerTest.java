package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler inside a real {@code skiff server}, driven by the real kubectl: nodes registered with
 * kubectl (as a kubelet would register them), pods created with kubectl run, placement read back with
 * kubectl get -o wide; and the same with --disable-scheduler, where pods stay Pending.
 */
class KubectlSchedulerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void theEmbeddedSchedulerBindsPodsAwayFromTheTaintedControlPlane() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        try (var server = SkiffProcess.apiServer(dir, SkiffProcess.freePort(), kubeconfig)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            registerNode(kubectl, "control", true);
            registerNode(kubectl, "worker", false);
            for (String kubectlBinary : List.of("kubectl", Kubectl.oldest())) {
                String pod = kubectlBinary.equals("kubectl") ? "web" : "web-old";
                kubectl.ok(kubectlBinary, "run", pod, "--image=busybox", "--restart=Never");
                awaitNode(kubectl, pod, "worker");
                var lines = kubectl.ok(kubectlBinary, "get", "pod", pod, "-o", "wide").lines().toList();
                List<String> header = cells(lines.getFirst());
                assertThat(cells(lines.get(1)).get(header.indexOf("NODE"))).as(kubectlBinary).isEqualTo("worker");
            }
            assertThat(kubectl.ok("kubectl", "get", "events", "--field-selector", "reason=Scheduled,involvedObject.name=web",
                    "-o", "jsonpath={.items[0].message}")).isEqualTo("Successfully assigned default/web to worker");
            assertThat(kubectl.ok("kubectl", "get", "lease", "kube-scheduler", "-n", "kube-system", "-o", "jsonpath={.spec.holderIdentity}"))
                    .as("the embedded scheduler holds the scheduler's lease").isNotEmpty();
        }
    }

    @Test
    void withTheSchedulerDisabledPodsStayPending() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        try (var server = SkiffProcess.apiServer(dir, SkiffProcess.freePort(), kubeconfig, "--disable-scheduler")) {
            var kubectl = new Kubectl(kubeconfig, dir);
            registerNode(kubectl, "worker", false);
            kubectl.ok("kubectl", "run", "idle", "--image=busybox", "--restart=Never");
            Thread.sleep(3000); // long enough for a running scheduler to have bound it (it takes milliseconds)
            assertThat(kubectl.ok("kubectl", "get", "pod", "idle", "-o", "jsonpath={.spec.nodeName}")).isEmpty();
            assertThat(kubectl.ok("kubectl", "get", "pod", "idle", "-o", "jsonpath={.status.phase}")).isEqualTo("Pending");
            assertThat(kubectl.run("kubectl", "get", "lease", "kube-scheduler", "-n", "kube-system").exit()).isNotZero();
        }
    }

    private void registerNode(Kubectl kubectl, String name, boolean controlPlane) throws Exception {
        String taints = controlPlane ? """
                  taints:
                  - key: node-role.kubernetes.io/control-plane
                    effect: NoSchedule
                """ : "";
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, """
                apiVersion: v1
                kind: Node
                metadata:
                  name: %s
                  labels:
                    kubernetes.io/hostname: %s
                spec:
                %s""".formatted(name, name, taints.isEmpty() ? "  {}\n" : taints));
        kubectl.ok("kubectl", "create", "-f", file.toString());
        kubectl.ok("kubectl", "patch", "node", name, "--subresource=status", "--type=merge", "-p",
                "{\"status\":{\"capacity\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"},"
                        + "\"allocatable\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"},"
                        + "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\"}]}}");
    }

    private static void awaitNode(Kubectl kubectl, String pod, String node) throws Exception {
        Instant deadline = Instant.now().plus(TIMEOUT);
        String current = "";
        while (Instant.now().isBefore(deadline)) {
            current = kubectl.ok("kubectl", "get", "pod", pod, "-o", "jsonpath={.spec.nodeName}");
            if (current.equals(node)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(pod + " not bound to " + node + " within " + TIMEOUT + " (nodeName '" + current + "')");
    }

    private static List<String> cells(String line) {
        return Arrays.asList(line.trim().split("\\s{2,}"));
    }
}
