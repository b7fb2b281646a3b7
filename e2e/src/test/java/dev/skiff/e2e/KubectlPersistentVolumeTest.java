package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostPath PersistentVolume, a claim and a pod through {@code kubectl apply} on a real
 * {@code skiff agent} (its own containerd, bridge skiff-pv0 on 10.88.104.0/24): the server's PV
 * binder binds the claim, the agent mounts the volume, and what the container writes ends up in
 * the host directory; deleting the claim releases the volume.
 */
class KubectlPersistentVolumeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String BRIDGE = "skiff-pv0";

    @TempDir
    Path dir;

    @Test
    void aPodWritesThroughABoundHostPathClaimIntoTheHostDirectory() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        Path hostDir = Files.createTempDirectory(Path.of("/tmp"), "skiff-e2e-pv-data-");
        // a short data dir: containerd's socket path must fit a sockaddr_un
        Path agentData = Files.createTempDirectory(Path.of("/tmp"), "skiff-e2e-pv-");
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            Path token = dir.resolve("data").resolve("server").resolve("token");
            var agent = SkiffProcess.start(dir.resolve("agent.log"), "agent", "--server", "https://127.0.0.1:" + port,
                    "--token-file", token.toString(), "--node-name", "pv-node", "--node-ip", "127.0.0.1", "--data-dir", agentData.toString(),
                    "--pod-cidr", "10.88.104.0/24", "--cni-bridge", BRIDGE, "--kubelet-port", String.valueOf(SkiffProcess.freePort()),
                    "--disable-kube-proxy"); // tests never program the host's own iptables
            try {
                agent.awaitLine("node pv-node registered", 0, Duration.ofSeconds(120));
                Path manifest = dir.resolve("pv.yaml");
                Files.writeString(manifest, """
                        apiVersion: v1
                        kind: PersistentVolume
                        metadata: {name: host-data}
                        spec:
                          capacity: {storage: 1Gi}
                          accessModes: [ReadWriteOnce]
                          persistentVolumeReclaimPolicy: Retain
                          storageClassName: ""
                          hostPath: {path: %s, type: Directory}
                        ---
                        apiVersion: v1
                        kind: PersistentVolumeClaim
                        metadata: {name: data}
                        spec:
                          accessModes: [ReadWriteOnce]
                          storageClassName: ""
                          resources: {requests: {storage: 500Mi}}
                        ---
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: writer}
                        spec:
                          restartPolicy: Never
                          containers:
                          - name: w
                            image: busybox:1.35
                            command: ["sh", "-c", "echo written by the pod > /data/out.txt"]
                            volumeMounts: [{name: data, mountPath: /data}]
                          volumes:
                          - {name: data, persistentVolumeClaim: {claimName: data}}
                        """.formatted(hostDir));
                kubectl.ok("kubectl", "apply", "-f", manifest.toString());

                await("the claim Bound", () -> "Bound".equals(kubectl.run("kubectl", "get", "pvc", "data", "-o",
                        "jsonpath={.status.phase}").out().trim()));
                assertThat(kubectl.ok("kubectl", "get", "pvc", "data", "-o", "jsonpath={.spec.volumeName} {.status.capacity.storage}"))
                        .isEqualTo("host-data 1Gi");
                assertThat(kubectl.ok("kubectl", "get", "pv", "host-data", "--no-headers")).containsPattern("Bound\\s+default/data");
                await("the pod Succeeded", () -> "Succeeded".equals(KubectlAgentTest.get(kubectl, "writer", "{.status.phase}")));
                assertThat(Files.readString(hostDir.resolve("out.txt"))).isEqualTo("written by the pod\n");

                kubectl.ok("kubectl", "delete", "pod", "writer");
                kubectl.ok("kubectl", "delete", "pvc", "data");
                await("the volume Released", () -> "Released".equals(kubectl.run("kubectl", "get", "pv", "host-data", "-o",
                        "jsonpath={.status.phase}").out().trim()));
                assertThat(Files.readString(hostDir.resolve("out.txt"))).as("Retain keeps the data").isEqualTo("written by the pod\n");
                kubectl.ok("kubectl", "delete", "pv", "host-data");
            } finally {
                assertThat(agent.stop(Duration.ofSeconds(60))).as("the agent stops on SIGTERM").isTrue();
                agent.close();
            }
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(agentData.toString());
            assertThat(Files.exists(Path.of("/sys/class/net/" + BRIDGE))).as("the bridge is removed").isFalse();
        } finally {
            for (Path root : new Path[] {hostDir, agentData}) {
                try (Stream<Path> files = Files.walk(root)) {
                    files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    private static void await(String what, KubectlAgentTest.Check condition) throws Exception {
        KubectlAgentTest.await(what, TIMEOUT, condition);
    }
}
