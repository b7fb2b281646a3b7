package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Volumes and init containers through kubectl on a real {@code skiff agent} (its own containerd,
 * bridge skiff-vo0 on 10.88.82.0/24): containers check the files they see and exit 0 only when they
 * are right, so the pods' phases tell.
 */
class KubectlVolumesTest {
    /** Longer than the agent's one-minute volume remount, which a config map update waits for. */
    private static final Duration TIMEOUT = Duration.ofSeconds(150);

    @TempDir
    Path dir;

    @Test
    void podsSeeTheirVolumesAndInitContainersRunFirst() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            Path token = dir.resolve("data").resolve("server").resolve("token");
            // a short data dir: containerd's socket path must fit a sockaddr_un
            Path agentData = Files.createTempDirectory(Path.of("/tmp"), "skiff-e2e-vo-");
            var agent = SkiffProcess.start(dir.resolve("agent.log"), "agent", "--server", "https://127.0.0.1:" + port,
                    "--token-file", token.toString(), "--node-name", "worker", "--node-ip", "127.0.0.1", "--data-dir", agentData.toString(),
                    "--pod-cidr", "10.88.82.0/24", "--cni-bridge", "skiff-vo0", "--disable-kube-proxy"); // never the host's iptables
            try {
                agent.awaitLine("node worker registered", 0, Duration.ofSeconds(120));
                kubectl.ok("kubectl", "create", "configmap", "app-config", "--from-literal=greeting=hello", "--from-literal=value=v1");
                kubectl.ok("kubectl", "create", "secret", "generic", "app-secret", "--from-literal=password=s3cret");
                Path pods = dir.resolve("pods.yaml");
                Files.writeString(pods, """
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: reads-volumes, labels: {app: demo}}
                        spec:
                          restartPolicy: Never
                          initContainers:
                          - name: prepare
                            image: busybox:1.35
                            command: ["sh", "-c", "echo ready > /work/state"]
                            volumeMounts: [{name: work, mountPath: /work}]
                          containers:
                          - name: check
                            image: busybox:1.35
                            command: ["sh", "-c", "set -e; test \\"$(cat /work/state)\\" = ready; test \\"$(cat /etc/conf/greeting)\\" = hello; test \\"$(cat /etc/creds/password)\\" = s3cret; test \\"$(cat /etc/info/labels)\\" = 'app=\\"demo\\"'; grep -q ' /cache tmpfs ' /proc/mounts; ! touch /etc/conf/x"]
                            volumeMounts:
                            - {name: work, mountPath: /work}
                            - {name: conf, mountPath: /etc/conf}
                            - {name: creds, mountPath: /etc/creds}
                            - {name: info, mountPath: /etc/info}
                            - {name: cache, mountPath: /cache}
                          volumes:
                          - {name: work, emptyDir: {}}
                          - {name: conf, configMap: {name: app-config}}
                          - {name: creds, secret: {secretName: app-secret}}
                          - {name: info, downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}}
                          - {name: cache, emptyDir: {medium: Memory, sizeLimit: 8Mi}}
                        ---
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: follows-config}
                        spec:
                          restartPolicy: Never
                          containers:
                          - name: wait
                            image: busybox:1.35
                            command: ["sh", "-c", "until grep -q v2 /etc/conf/value; do sleep 1; done"]
                            volumeMounts: [{name: conf, mountPath: /etc/conf}]
                          volumes:
                          - {name: conf, configMap: {name: app-config}}
                        ---
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: waits-for-config}
                        spec:
                          restartPolicy: Never
                          containers:
                          - name: c
                            image: busybox:1.35
                            command: ["sh", "-c", "test \\"$(cat /cfg/k)\\" = late"]
                            volumeMounts: [{name: cfg, mountPath: /cfg}]
                          volumes:
                          - {name: cfg, configMap: {name: late-config}}
                        ---
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: init-fails}
                        spec:
                          restartPolicy: Never
                          initContainers:
                          - {name: setup, image: "busybox:1.35", command: ["sh", "-c", "exit 1"]}
                          containers:
                          - {name: app, image: "busybox:1.35", command: ["true"]}
                        """);
                kubectl.ok("kubectl", "apply", "-f", pods.toString());

                await("the volume checks pass", () -> "Succeeded".equals(get(kubectl, "reads-volumes", "{.status.phase}")));
                assertThat(get(kubectl, "reads-volumes", "{.status.initContainerStatuses[0].state.terminated.reason}")).isEqualTo("Completed");

                await("a missing config map keeps the pod ContainerCreating", () -> "ContainerCreating".equals(get(kubectl, "waits-for-config",
                        "{.status.containerStatuses[0].state.waiting.reason}")));
                await("a FailedMount event", () -> kubectl.run("kubectl", "get", "events", "-o",
                        "jsonpath={range .items[*]}{.reason} {.involvedObject.name}: {.message}{\"\\n\"}{end}").out()
                        .contains("FailedMount waits-for-config: MountVolume.SetUp failed for volume \"cfg\" : configmap \"late-config\" not found"));
                kubectl.ok("kubectl", "create", "configmap", "late-config", "--from-literal=k=late");
                await("the pod starts once the config map exists", () -> "Succeeded".equals(get(kubectl, "waits-for-config", "{.status.phase}")));

                await("a failed init container fails the Never pod", () -> "Failed".equals(get(kubectl, "init-fails", "{.status.phase}")));
                assertThat(get(kubectl, "init-fails", "{.status.initContainerStatuses[0].state.terminated.exitCode}")).isEqualTo("1");
                assertThat(kubectl.ok("kubectl", "get", "pod", "init-fails", "--no-headers")).contains("Init:Error");

                assertThat(get(kubectl, "follows-config", "{.status.phase}")).isEqualTo("Running");
                kubectl.ok("kubectl", "patch", "configmap", "app-config", "-p", "{\"data\":{\"value\":\"v2\"}}");
                await("the config map update reaches the running pod", () -> "Succeeded".equals(get(kubectl, "follows-config",
                        "{.status.phase}")));

                kubectl.ok("kubectl", "delete", "pod", "--all", "--wait=false");
                await("the pods are gone", () -> kubectl.run("kubectl", "get", "pods", "-o", "name").out().isBlank());
                await("their volumes are unmounted and removed", () -> !Files.readString(Path.of("/proc/self/mountinfo"))
                        .contains(agentData.resolve("agent/pods").toString()) && isEmpty(agentData.resolve("agent/pods")));
            } finally {
                assertThat(agent.stop(Duration.ofSeconds(60))).as("the agent stops on SIGTERM").isTrue();
                agent.close();
            }
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(agentData.toString());
        }
    }

    private static boolean isEmpty(Path dir) throws java.io.IOException {
        try (var list = Files.list(dir)) {
            return list.findAny().isEmpty();
        }
    }

    private static String get(Kubectl kubectl, String pod, String jsonpath) {
        return KubectlAgentTest.get(kubectl, pod, jsonpath);
    }

    private static void await(String what, KubectlAgentTest.Check condition) throws Exception {
        KubectlAgentTest.await(what, TIMEOUT, condition);
    }
}
