package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.client.rest.ExtensionApiServer;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl explain} of a kind only an extension API server serves, against a real {@code skiff server}:
 * the newest kubectl reads the aggregated {@code /openapi/v3} document, 1.27 the merged {@code /openapi/v2}
 * protobuf (gnostic's decoder is the judge of the encoding).
 */
class KubectlAggregatedOpenApiTest {
    @TempDir
    static Path dir;
    static SkiffProcess server;
    static KubernetesClient client;
    static ExtensionApiServer extension;
    static Kubectl kubectl;

    @BeforeAll
    static void start() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        server = SkiffProcess.apiServer(dir, SkiffProcess.freePort(), kubeconfig);
        kubectl = new Kubectl(kubeconfig, dir);
        client = RestClients.fromKubeconfig(kubeconfig);
        extension = new ExtensionApiServer(client, "widgets-api", dir.resolve("extension-pki"))
                .serveOpenApi("widgets.example.com", "v1", "Widget", "A widget, as its own server describes it.");
        ExtensionApiServer.register(client, extension.apiService("widgets.example.com", "v1"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (extension != null) {
            extension.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            assertThat(server.stop()).isEqualTo(143);
        }
    }

    @Test
    void explainShowsTheExtensionsKindFromAggregatedOpenApi() throws Exception {
        // the aggregator downloads the documents right after the check that made the APIService Available
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        Kubectl.Result newest = kubectl.run(Kubectl.newest(), "explain", "widgets");
        while (newest.exit() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            newest = kubectl.run(Kubectl.newest(), "explain", "widgets");
        }
        assertThat(newest.exit()).as(newest.err()).isZero();
        assertThat(newest.out()).contains("GROUP:      widgets.example.com", "KIND:       Widget", "VERSION:    v1",
                "A widget, as its own server describes it.", "spec\t<WidgetSpec>");
        String field = kubectl.ok(Kubectl.newest(), "explain", "widgets.spec.size");
        assertThat(field).contains("FIELD: size <integer>", "how big the widget is");

        Kubectl.Result oldest = kubectl.run(Kubectl.oldest(), "explain", "widgets", "--output=plaintext-openapiv2");
        assertThat(oldest.exit()).as(oldest.err()).isZero();
        assertThat(oldest.out()).contains("KIND:     Widget", "VERSION:  widgets.example.com/v1",
                "A widget, as its own server describes it.");
        assertThat(kubectl.ok(Kubectl.oldest(), "explain", "widgets.spec", "--output=plaintext-openapiv2"))
                .contains("size\t<integer> -required-", "how big the widget is");
    }
}
