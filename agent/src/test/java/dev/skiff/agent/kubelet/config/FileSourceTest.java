package dev.skiff.agent.kubelet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Static pod files: parsed, named and hashed as upstream's file source does; bad files left out. */
class FileSourceTest {
    private static final String WEB = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              labels: {app: web}
            spec:
              containers:
              - name: httpd
                image: skiff.local/httpd:1.35
            """;

    @TempDir
    Path dir;

    @Test
    void aPodFileRunsOnTheNodeNamedAfterItAndHashedByItsContent() throws Exception {
        Files.writeString(dir.resolve("web.yaml"), WEB);
        Pod pod = new FileSource(dir, "Node-A").read().getFirst();
        assertThat(pod.getMetadata().getName()).isEqualTo("web-node-a");
        assertThat(pod.getMetadata().getNamespace()).isEqualTo("default");
        assertThat(pod.getMetadata().getLabels()).containsEntry("app", "web");
        assertThat(pod.getSpec().getNodeName()).isEqualTo("Node-A");
        String uid = pod.getMetadata().getUid();
        assertThat(uid).matches("[0-9a-f]{32}");
        assertThat(pod.getMetadata().getAnnotations()).containsEntry(FileSource.CONFIG_HASH, uid).containsEntry(FileSource.CONFIG_SOURCE, "file");
        assertThat(pod.getSpec().getTolerations()).anySatisfy(t -> {
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getKey()).isNull();
            assertThat(t.getEffect()).isEqualTo("NoExecute");
        });
        // the API types' defaults, as the API server would fill them in
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Always");
        assertThat(pod.getSpec().getDnsPolicy()).isEqualTo("ClusterFirst");
        assertThat(pod.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(30L);
        assertThat(pod.getSpec().getContainers().getFirst().getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(pod.getStatus().getPhase()).isEqualTo("Pending");

        // same content, node and file: same UID; any of them changed: another pod
        assertThat(new FileSource(dir, "Node-A").read().getFirst().getMetadata().getUid()).isEqualTo(uid);
        assertThat(new FileSource(dir, "node-b").read().getFirst().getMetadata().getUid()).isNotEqualTo(uid);
        Files.writeString(dir.resolve("web.yaml"), WEB.replace("httpd:1.35", "httpd:1.36"));
        assertThat(new FileSource(dir, "Node-A").read().getFirst().getMetadata().getUid()).isNotEqualTo(uid);
        Files.move(dir.resolve("web.yaml"), dir.resolve("web2.yaml"));
        Files.writeString(dir.resolve("web2.yaml"), WEB);
        assertThat(new FileSource(dir, "Node-A").read().getFirst().getMetadata().getUid()).isNotEqualTo(uid);
    }

    @Test
    void jsonAGivenNamespaceAndASingleFilePathWork() throws Exception {
        Path file = Files.writeString(dir.resolve("etcd.json"), """
                {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "etcd", "namespace": "kube-system"},
                 "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "etcd", "image": "busybox"}]}}
                """);
        Pod pod = new FileSource(file, "n1").read().getFirst();
        assertThat(pod.getMetadata().getName()).isEqualTo("etcd-n1");
        assertThat(pod.getMetadata().getNamespace()).isEqualTo("kube-system");
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("OnFailure");
        assertThat(pod.getSpec().getContainers().getFirst().getImagePullPolicy()).isEqualTo("Always");
        assertThat(new FileSource(dir.resolve("missing"), "n1").read()).isEmpty();
    }

    @Test
    void badFilesAreLeftOutAndTheOthersRead() throws Exception {
        Files.writeString(dir.resolve("a-good.yaml"), WEB);
        Files.writeString(dir.resolve("b-malformed.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n");
        Files.writeString(dir.resolve("c-deployment.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n");
        Files.writeString(dir.resolve("d-nocontainers.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: empty\nspec: {}\n");
        Files.writeString(dir.resolve("e-duplicate.yaml"), WEB);
        Files.writeString(dir.resolve(".hidden.yaml"), WEB.replace("name: web", "name: hidden"));
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/nested.yaml"), WEB.replace("name: web", "name: nested"));
        List<Pod> pods = new FileSource(dir, "n1").read();
        assertThat(pods).extracting(p -> p.getMetadata().getName()).containsExactly("web-n1");

        assertThatThrownBy(() -> FileSource.podFromFile(dir.resolve("x"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n", "n1"))
                .hasMessage("couldn't parse as pod: kind Deployment, want Pod");
        assertThatThrownBy(() -> FileSource.podFromFile(dir.resolve("x"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: empty\nspec: {}\n", "n1"))
                .hasMessage("invalid pod: spec.containers: Required value");
        assertThatThrownBy(() -> FileSource.podFromFile(dir.resolve("x"), WEB.replace("name: web\n", "generateName: web\n"), "n1"))
                .hasMessage("invalid pod: metadata.name: Required value");
        assertThatThrownBy(() -> FileSource.podFromFile(dir.resolve("x"), WEB.replace("name: web\n", "name: Web_1\n"), "n1"))
                .hasMessageStartingWith("invalid pod: metadata.name: Invalid value: \"Web_1-n1\"");
        assertThatThrownBy(() -> FileSource.podFromFile(dir.resolve("x"), "metadata: [unclosed\n", "n1"))
                .hasMessageStartingWith("couldn't parse as pod: ");
    }
}
