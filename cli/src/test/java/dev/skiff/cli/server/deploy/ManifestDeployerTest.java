package dev.skiff.cli.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The auto-deploy directory against the real API server: applied at start, applied again on change, bad files reported alone. */
class ManifestDeployerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private LocalControlPlane controlPlane;
    private KubernetesClient client;
    private Path manifests;

    @BeforeEach
    void start() {
        controlPlane = LocalControlPlane.start(dir.resolve("cp"));
        client = RestClients.fromKubeconfig(controlPlane.kubeconfig());
        manifests = dir.resolve("manifests");
    }

    @AfterEach
    void stop() {
        client.close();
        controlPlane.close();
    }

    @Test
    void appliesEveryManifestPresentAtStartWithServerSideApply() throws Exception {
        Files.createDirectories(manifests);
        Files.writeString(manifests.resolve("app.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: apps
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                  namespace: apps
                data:
                  level: "1"
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: no-namespace
                data:
                  k: v
                """);
        Files.writeString(manifests.resolve("list.json"), """
                {"apiVersion": "v1", "kind": "List", "items": [
                  {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "deployer"}},
                  {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}, "value": 1000}
                ]}
                """);
        Files.writeString(manifests.resolve("notes.txt"), "not a manifest");
        try (var deployer = ManifestDeployer.start(client, manifests, Duration.ofSeconds(1))) {
            ConfigMap settings = client.configMaps().inNamespace("apps").withName("settings").get();
            assertThat(settings.getData()).containsEntry("level", "1");
            assertThat(settings.getMetadata().getManagedFields()).singleElement().satisfies(f -> {
                assertThat(f.getManager()).isEqualTo(ManifestDeployer.FIELD_MANAGER);
                assertThat(f.getOperation()).isEqualTo("Apply");
            });
            assertThat(client.configMaps().inNamespace("default").withName("no-namespace").get()).isNotNull();
            assertThat(client.serviceAccounts().inNamespace("default").withName("deployer").get()).isNotNull();
            assertThat(client.scheduling().v1().priorityClasses().withName("high").get().getValue()).isEqualTo(1000);
        }
    }

    @Test
    void appliesAnAddedOrChangedFileAgainAndForcesOverOtherManagers() throws Exception {
        try (var deployer = ManifestDeployer.start(client, manifests, Duration.ofSeconds(1))) {
            Path file = manifests.resolve("cm.yml");
            Files.writeString(file, configMap("one"));
            await("the added file is applied", () -> level("one"));
            // another manager takes the field; the changed file wins it back (force), as k3s's deploy does
            client.configMaps().inNamespace("default").withName("cm").edit(c -> {
                c.getData().put("level", "edited");
                return c;
            });
            Files.writeString(file, configMap("two"));
            await("the changed file is applied again", () -> level("two"));
        }
    }

    @Test
    void aMalformedFileIsReportedInOneLineAndTheOthersStillApply() throws Exception {
        Files.createDirectories(manifests);
        Files.writeString(manifests.resolve("a-broken.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n");
        Files.writeString(manifests.resolve("b-unknown.yaml"), "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n");
        Files.writeString(manifests.resolve("c-good.yaml"), configMap("good"));
        PrintStream err = System.err;
        var captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (var deployer = ManifestDeployer.start(client, manifests, Duration.ofSeconds(1))) {
            assertThat(level("good")).isTrue();
        } finally {
            System.setErr(err);
        }
        var errors = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("auto-deploy: ")).filter(l -> l.contains("ERROR"))
                .toList();
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0)).contains(manifests.resolve("a-broken.yaml").toString());
        assertThat(errors.get(1)).contains(manifests.resolve("b-unknown.yaml").toString()).contains("Widget");
    }

    private static String configMap(String level) {
        return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  level: \"" + level + "\"\n";
    }

    private boolean level(String value) {
        ConfigMap cm = client.configMaps().inNamespace("default").withName("cm").get();
        return cm != null && value.equals(cm.getData().get("level"));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(100);
        }
    }
}
