package dev.skiff.e2e;

import static dev.skiff.e2e.KubectlAgentTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.images.LocalImages;
import dev.skiff.agent.images.OciArchive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code skiff agent} (its own containerd) pulls pods' images from real registries on loopback (Debian's
 * docker-registry, plain HTTP, the project's busybox image pushed with skopeo): from an open one without
 * credentials; from one behind htpasswd auth only with a kubernetes.io/dockerconfigjson image pull secret that
 * kubectl made - without it the pod waits in ErrImagePull/ImagePullBackOff. A credential that does not work is
 * followed by the next one that matches, and a missing pull secret is an event, the pull going on without it.
 * imagePullPolicy Never runs an image already pulled and leaves a missing one in ErrImageNeverPull.
 */
class KubectlImagePullTest {
    @TempDir
    Path dir;

    @Test
    void podsPullFromALoopbackRegistryWithAndWithoutImagePullSecrets() throws Exception {
        Path archive = dir.resolve("busybox.tar");
        OciArchive.write(LocalImages.fromDebian().busybox(), archive);
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        // a short data dir: containerd's socket path must fit a sockaddr_un
        Path agentData = Files.createTempDirectory(Path.of("/tmp"), "skiff-e2e-rp-");
        try (var open = LocalRegistry.open(dir.resolve("open"));
             var locked = LocalRegistry.withAuth(dir.resolve("locked"), "puller", "s3cret:pw");
             var server = SkiffProcess.apiServer(dir, port, kubeconfig)) {
            open.push(archive, "busybox:test", null, dir.resolve("push-open.log"));
            locked.push(archive, "busybox:test", "puller:s3cret:pw", dir.resolve("push-locked.log"));
            var kubectl = new Kubectl(kubeconfig, dir);
            Path token = dir.resolve("data").resolve("server").resolve("token");
            var agent = SkiffProcess.start(dir.resolve("agent.log"), "agent", "--server", "https://127.0.0.1:" + port,
                    "--token-file", token.toString(), "--node-name", "rp-node", "--node-ip", "127.0.0.1", "--data-dir", agentData.toString(),
                    "--pod-cidr", "10.88.78.0/24", "--cni-bridge", "skiff-rp0", "--kubelet-port", String.valueOf(SkiffProcess.freePort()),
                    "--disable-kube-proxy"); // tests never program the host's own iptables
            try {
                agent.awaitLine("node rp-node registered", 0, Duration.ofSeconds(120));

                // the open registry: no credentials needed; a missing pull secret is reported and the pull goes on without it
                kubectl.ok("kubectl", "apply", "-f", write("open.yaml", pod("open", open.host(), "[{name: nosuch}]")));
                awaitRunning(kubectl, "open");
                await("the missing pull secret is an event", () -> events(kubectl, "open", "FailedToRetrieveImagePullSecret")
                        .equals("Unable to retrieve some image pull secrets (nosuch); attempting to pull the image may not succeed."));
                await("the pull is an event", () -> events(kubectl, "open", "Pulled")
                        .startsWith("Successfully pulled image \"" + open.host() + "/busybox:test\" in "));

                // imagePullPolicy Never: only an image already on the node
                String absent = open.host() + "/busybox:absent";
                kubectl.ok("kubectl", "apply", "-f", write("never.yaml", pod("never", absent, "Never", "[]")));
                await("a missing image with pull policy Never waits in ErrImageNeverPull", () ->
                        get(kubectl, "never", "{.status.containerStatuses[0].state.waiting.reason}").equals("ErrImageNeverPull"));
                assertThat(get(kubectl, "never", "{.status.containerStatuses[0].state.waiting.message}"))
                        .isEqualTo("Container image \"" + absent + "\" is not present with pull policy of Never");
                kubectl.ok("kubectl", "apply", "-f", write("present.yaml", pod("present", open.host() + "/busybox:test", "Never", "[]")));
                awaitRunning(kubectl, "present");

                // the locked registry without credentials: the pull is refused
                kubectl.ok("kubectl", "apply", "-f", write("anonymous.yaml", pod("anonymous", locked.host(), "[]")));
                await("the pod without pull secrets waits in ErrImagePull or ImagePullBackOff", () -> {
                    String reason = get(kubectl, "anonymous", "{.status.containerStatuses[0].state.waiting.reason}");
                    return reason.equals("ErrImagePull") || reason.equals("ImagePullBackOff");
                });
                assertThat(get(kubectl, "anonymous", "{.status.phase}")).isEqualTo("Pending");
                assertThat(get(kubectl, "anonymous", "{.status.containerStatuses[0].state.waiting.message}")).containsIgnoringCase("unauthorized");
                await("the next attempt is held back: ImagePullBackOff", () ->
                        get(kubectl, "anonymous", "{.status.containerStatuses[0].state.waiting.reason}").equals("ImagePullBackOff"));
                assertThat(get(kubectl, "anonymous", "{.status.containerStatuses[0].state.waiting.message}"))
                        .startsWith("Back-off pulling image \"" + locked.host() + "/busybox:test\": ErrImagePull: ");

                // with secrets: a wrong password first, then the right one, both matching the registry
                kubectl.ok("kubectl", "create", "secret", "docker-registry", "wrongcred", "--docker-server=" + locked.host(),
                        "--docker-username=puller", "--docker-password=wrong");
                kubectl.ok("kubectl", "create", "secret", "docker-registry", "regcred", "--docker-server=http://" + locked.host() + "/v2/",
                        "--docker-username=puller", "--docker-password=s3cret:pw");
                assertThat(kubectl.ok("kubectl", "get", "secret", "regcred", "-o", "jsonpath={.type}")).isEqualTo("kubernetes.io/dockerconfigjson");
                kubectl.ok("kubectl", "apply", "-f", write("authorized.yaml", pod("authorized", locked.host(), "[{name: wrongcred}, {name: regcred}]")));
                awaitRunning(kubectl, "authorized");
                assertThat(get(kubectl, "anonymous", "{.status.phase}")).as("still without credentials").isEqualTo("Pending");
            } finally {
                assertThat(agent.stop(Duration.ofSeconds(60))).as("the agent stops on SIGTERM").isTrue();
                agent.close();
            }
            assertThat(open.isAlive() && locked.isAlive()).as("the registries ran all along").isTrue();
        } finally {
            assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(agentData.toString())).toList())
                    .as("no containerd or shim of the agent is left").isEmpty();
            assertThat(Files.exists(Path.of("/sys/class/net/skiff-rp0"))).as("the bridge is removed").isFalse();
            try (var files = Files.walk(agentData)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(dir.toString())).toList())
                .as("no registry process is left").isEmpty();
    }

    private static String pod(String name, String registry, String pullSecrets) {
        return pod(name, registry + "/busybox:test", "Always", pullSecrets);
    }

    private static String pod(String name, String image, String policy, String pullSecrets) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                spec:
                  terminationGracePeriodSeconds: 1
                  imagePullSecrets: %s
                  containers:
                  - name: c
                    image: %s
                    imagePullPolicy: %s
                    command: ["sh", "-c", "exec sleep 3600"]
                """.formatted(name, pullSecrets, image, policy);
    }

    private String write(String file, String content) throws Exception {
        return Files.writeString(dir.resolve(file), content).toString();
    }

    static void awaitRunning(Kubectl kubectl, String pod) throws Exception {
        try {
            await(pod + " runs", Duration.ofMinutes(2), () -> "Running".equals(get(kubectl, pod, "{.status.phase}")));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; its status: " + get(kubectl, pod, "{.status.containerStatuses}"), e);
        }
    }

    static String events(Kubectl kubectl, String pod, String reason) throws Exception {
        return kubectl.ok("kubectl", "get", "events", "--field-selector", "involvedObject.name=" + pod + ",reason=" + reason,
                "-o", "jsonpath={.items[*].message}");
    }

    static String get(Kubectl kubectl, String pod, String jsonpath) throws Exception {
        return kubectl.run("kubectl", "get", "pod", pod, "-o", "jsonpath=" + jsonpath).out().strip();
    }
}
