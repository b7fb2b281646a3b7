package dev.skiff.e2e;

import static dev.skiff.e2e.KubectlAgentTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.images.ImageRecipe;
import dev.skiff.agent.images.LocalImages;
import dev.skiff.agent.images.OciArchive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code skiff agent} (its own containerd) with {@code --pod-manifest-path}: the static pod runs from an image
 * the agent imported from its airgap directory at start, its mirror pod shows it Running through kubectl, comes back
 * when deleted and goes with the file.
 */
class KubectlStaticPodsTest {
    @TempDir
    Path dir;

    @Test
    void aStaticPodRunsFromAnAirgapImageWithAMirrorPodKubectlSees() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            Path token = dir.resolve("data").resolve("server").resolve("token");
            // a short data dir: containerd's socket path must fit a sockaddr_un
            Path agentData = Files.createTempDirectory(Path.of("/tmp"), "skiff-e2e-st-");
            var busybox = LocalImages.fromDebian().busybox();
            OciArchive.write(new ImageRecipe("skiff.local/airgap:1", busybox.layers(), busybox.entrypoint(), busybox.cmd(), busybox.env()),
                    Files.createDirectories(agentData.resolve("agent/images")).resolve("airgap.tar"));
            Path manifests = Files.createDirectories(dir.resolve("manifests"));
            Files.writeString(manifests.resolve("static-web.yaml"), """
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: static-web
                      namespace: kube-system
                    spec:
                      containers:
                      - name: c
                        image: skiff.local/airgap:1
                        command: ["sh", "-c", "echo static pod up; exec sleep 3600"]
                    """);
            var agent = SkiffProcess.start(dir.resolve("agent.log"), "agent", "--server", "https://127.0.0.1:" + port,
                    "--token-file", token.toString(), "--node-name", "st-node", "--node-ip", "127.0.0.1", "--data-dir", agentData.toString(),
                    "--pod-cidr", "10.88.86.0/24", "--cni-bridge", "skiff-st0", "--kubelet-port", String.valueOf(SkiffProcess.freePort()),
                    "--pod-manifest-path", manifests.toString(), "--file-check-frequency", "1s",
                    "--disable-kube-proxy"); // tests never program the host's own iptables
            try {
                agent.awaitLine("node st-node registered", 0, Duration.ofSeconds(120));
                var images = SkiffProcess.run(dir.resolve("images.log"), "images", "list", "--data-dir", agentData.toString());
                assertThat(images.exit()).isZero();
                assertThat(String.join("\n", images.output())).containsPattern("skiff.local/airgap\\s+1\\s");

                String pod = "static-web-st-node";
                await("the mirror pod shows the static pod Running", () -> "Running".equals(get(kubectl, pod, "{.status.phase}")));
                String hash = get(kubectl, pod, "{.metadata.annotations.kubernetes\\.io/config\\.hash}");
                assertThat(hash).matches("[0-9a-f]{32}");
                assertThat(get(kubectl, pod, "{.metadata.annotations.kubernetes\\.io/config\\.mirror}")).isEqualTo(hash);
                assertThat(get(kubectl, pod, "{.metadata.annotations.kubernetes\\.io/config\\.source}")).isEqualTo("file");
                assertThat(get(kubectl, pod, "{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}")).isEqualTo("Node/st-node");
                assertThat(get(kubectl, pod, "{.status.podIP}")).startsWith("10.88.86.");
                String containerId = get(kubectl, pod, "{.status.containerStatuses[0].containerID}");
                assertThat(containerId).startsWith("containerd://");
                var logs = new java.util.concurrent.atomic.AtomicReference<Kubectl.Result>();
                try {
                    await("its output through kubectl logs", () -> {
                        logs.set(kubectl.run("kubectl", "-n", "kube-system", "logs", pod));
                        return logs.get().out().contains("static pod up");
                    });
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + ": last kubectl logs said " + logs.get(), e);
                }

                String uid = get(kubectl, pod, "{.metadata.uid}");
                kubectl.ok("kubectl", "-n", "kube-system", "delete", "pod", pod, "--wait=false");
                await("the mirror pod is created again", () -> {
                    String now = get(kubectl, pod, "{.metadata.uid}");
                    return !now.isEmpty() && !now.equals(uid) && "Running".equals(get(kubectl, pod, "{.status.phase}"));
                });
                assertThat(get(kubectl, pod, "{.status.containerStatuses[0].containerID}")).as("the static pod ran on").isEqualTo(containerId);

                Files.delete(manifests.resolve("static-web.yaml"));
                await("the mirror pod goes with the file", () -> kubectl.run("kubectl", "-n", "kube-system", "get", "pod", pod).exit() != 0);
            } finally {
                assertThat(agent.stop(Duration.ofSeconds(60))).as("the agent stops on SIGTERM").isTrue();
                agent.close();
            }
            assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(agentData.toString())).toList())
                    .as("no containerd or shim of the agent is left").isEmpty();
            assertThat(Files.exists(Path.of("/sys/class/net/skiff-st0"))).as("the bridge is removed").isFalse();
            try (var files = Files.walk(agentData)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String get(Kubectl kubectl, String pod, String jsonpath) throws Exception {
        return kubectl.run("kubectl", "-n", "kube-system", "get", "pod", pod, "-o", "jsonpath=" + jsonpath).out().strip();
    }
}
