package dev.skiff.e2e;

import static dev.skiff.e2e.KubectlAgentTest.await;
import static dev.skiff.e2e.KubectlImagePullTest.awaitRunning;
import static dev.skiff.e2e.KubectlImagePullTest.events;
import static dev.skiff.e2e.KubectlImagePullTest.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.images.LocalImages;
import dev.skiff.agent.images.OciArchive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code skiff agent --private-registry} (k3s's registries.yaml) with a real containerd pulling from real registries on
 * loopback (Debian's docker-registry, the project's busybox pushed with skopeo): an open one on HTTP, one behind
 * htpasswd auth and one on HTTPS with a CA of its own. The same pods, none with imagePullSecrets, are given to an agent
 * with an empty registries file - every pull fails (ErrImagePull) - and to an agent with a file that mirrors
 * {@code mirror.invalid} (with a rewrite of {@code mirrored/x} to {@code library/x}, the open registry's repository) and
 * every other registry ({@code *}) to the open registry, {@code tls.invalid} to the HTTPS one
 * (its CA from {@code configs.tls.ca_file}) and has node-wide credentials for the locked one: all of them run.
 * {@code .invalid} names never resolve, so nothing leaves the machine.
 */
class KubectlPrivateRegistryTest {
    private static final String BRIDGE = "skiff-rg0";
    private static final String POD_CIDR = "10.88.106.0/24";

    @TempDir
    Path dir;

    @Test
    void mirrorsRewritesTlsAndNodeWideCredentialsFromTheRegistriesFile() throws Exception {
        Path archive = dir.resolve("busybox.tar");
        OciArchive.write(LocalImages.fromDebian().busybox(), archive);
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        try (var open = LocalRegistry.open(dir.resolve("open"));
             var locked = LocalRegistry.withAuth(dir.resolve("locked"), "puller", "s3cret:pw");
             var tls = LocalRegistry.withTls(dir.resolve("tls"));
             var server = SkiffProcess.apiServer(dir, port, kubeconfig, "--disable-agent")) {
            open.push(archive, "library/busybox:open", null, dir.resolve("push-open.log"));
            locked.push(archive, "busybox:locked", "puller:s3cret:pw", dir.resolve("push-locked.log"));
            tls.push(archive, "busybox:tls", null, dir.resolve("push-tls.log"));
            var kubectl = new Kubectl(kubeconfig, dir);
            List<String> pods = List.of("mirrored", "rewritten", "defaultmirror", "locked", "tls");
            List<String> images = List.of("mirror.invalid/library/busybox:open", "mirror.invalid/mirrored/busybox:open",
                    "any.invalid/library/busybox:open", locked.host() + "/busybox:locked", "tls.invalid/busybox:tls");

            // without configuration: none of the images can be pulled
            Path empty = Files.writeString(dir.resolve("empty.yaml"), "");
            runAgent(port, "rg-without", empty, () -> {
                for (int i = 0; i < pods.size(); i++) {
                    kubectl.ok("kubectl", "apply", "-f", write(pods.get(i) + "-without.yaml", pod(pods.get(i) + "-without", "rg-without", images.get(i))));
                }
                for (String pod : pods) {
                    await(pod + " fails to pull without the registries file", Duration.ofMinutes(2), () -> {
                        String reason = get(kubectl, pod + "-without", "{.status.containerStatuses[0].state.waiting.reason}");
                        return reason.equals("ErrImagePull") || reason.equals("ImagePullBackOff");
                    });
                }
                assertThat(events(kubectl, "locked-without", "Failed")).containsIgnoringCase("unauthorized");
                assertThat(events(kubectl, "tls-without", "Failed")).doesNotContain(tls.host());
            });

            Path file = Files.writeString(dir.resolve("registries.yaml"), """
                    mirrors:
                      mirror.invalid:
                        endpoint:
                          - "http://%s"
                        rewrite:
                          "^mirrored/(.*)": "library/$1"
                      tls.invalid:
                        endpoint:
                          - "https://%s"
                      "*":
                        endpoint:
                          - "http://%s"
                    configs:
                      "%s":
                        auth:
                          username: puller
                          password: "s3cret:pw"
                      "%s":
                        tls:
                          ca_file: %s
                    """.formatted(open.host(), tls.host(), open.host(), locked.host(), tls.host(), tls.caFile()));
            runAgent(port, "rg-with", file, () -> {
                for (int i = 0; i < pods.size(); i++) {
                    kubectl.ok("kubectl", "apply", "-f", write(pods.get(i) + ".yaml", pod(pods.get(i), "rg-with", images.get(i))));
                }
                for (String pod : pods) {
                    awaitRunning(kubectl, pod);
                }
                assertThat(events(kubectl, "mirrored", "Pulled")).startsWith("Successfully pulled image \"mirror.invalid/library/busybox:open\" in ");
                assertThat(events(kubectl, "rewritten", "Pulled")).startsWith("Successfully pulled image \"mirror.invalid/mirrored/busybox:open\" in ");
                assertThat(get(kubectl, "rewritten", "{.status.containerStatuses[0].image}")).as("the image keeps the pod's name")
                        .isEqualTo("mirror.invalid/mirrored/busybox:open");
                assertThat(events(kubectl, "locked", "Pulled")).startsWith("Successfully pulled image \"" + locked.host() + "/busybox:locked\" in ");
            });
            assertThat(open.isAlive() && locked.isAlive() && tls.isAlive()).as("the registries ran all along").isTrue();
        }
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(dir.toString())).toList())
                .as("no registry process is left").isEmpty();
    }

    private interface Body {
        void run() throws Exception;
    }

    /** A real agent named {@code node} with {@code --private-registry file} while {@code body} runs; everything it made is gone after. */
    private void runAgent(int port, String node, Path file, Body body) throws Exception {
        // a short data dir: containerd's socket path must fit a sockaddr_un
        Path agentData = Files.createTempDirectory(Path.of("/tmp"), "skiff-e2e-rg-");
        try {
            var agent = SkiffProcess.start(dir.resolve(node + ".log"), "agent", "--server", "https://127.0.0.1:" + port,
                    "--token-file", dir.resolve("data/server/token").toString(), "--node-name", node, "--node-ip", "127.0.0.1",
                    "--data-dir", agentData.toString(), "--pod-cidr", POD_CIDR, "--cni-bridge", BRIDGE,
                    "--kubelet-port", String.valueOf(SkiffProcess.freePort()), "--private-registry", file.toString(),
                    "--disable-kube-proxy"); // tests never program the host's own iptables
            try {
                agent.awaitLine("node " + node + " registered", 0, Duration.ofSeconds(120));
                body.run();
            } finally {
                assertThat(agent.stop(Duration.ofSeconds(60))).as("the agent stops on SIGTERM").isTrue();
                agent.close();
            }
        } finally {
            assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(agentData.toString())).toList())
                    .as("no containerd or shim of the agent is left").isEmpty();
            assertThat(Files.exists(Path.of("/sys/class/net/" + BRIDGE))).as("the bridge is removed").isFalse();
            try (var files = Files.walk(agentData)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String pod(String name, String node, String image) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                spec:
                  nodeName: %s
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: c
                    image: %s
                    imagePullPolicy: Always
                    command: ["sh", "-c", "exec sleep 3600"]
                """.formatted(name, node, image);
    }

    private String write(String file, String content) throws Exception {
        return Files.writeString(dir.resolve(file), content).toString();
    }
}
