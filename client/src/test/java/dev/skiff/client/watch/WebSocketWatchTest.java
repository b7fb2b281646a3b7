package dev.skiff.client.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.client.Eventually;
import dev.skiff.client.TestCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * fabric8's client as its users build it - watches over WebSocket, its default - against the real
 * server: the server switches protocols and sends each watch event as one message, as upstream's
 * watch handler does for a WebSocket request. Only the key algorithm is set (skiff's keys are EC).
 */
@Timeout(120) // a server that never answers the upgrade leaves fabric8 waiting for ever
class WebSocketWatchTest {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    TestCluster cluster;
    KubernetesClient client;

    @BeforeEach
    void start() throws Exception {
        cluster = new TestCluster(dir);
        Config config = Config.fromKubeconfig(Files.readString(cluster.kubeconfig()));
        config.setClientKeyAlgo("EC");
        assertThat(config.isOnlyHttpWatches()).isFalse();
        client = new KubernetesClientBuilder().withConfig(config).build();
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    static ConfigMap cm(String name, String value) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace("default").withName(name).withLabels(Map.of("app", "ws"))
                .endMetadata().withData(Map.of("v", value)).build();
    }

    record Seen(Watcher.Action action, String name, String value) {
    }

    @Test
    void aWatchOverWebSocketSeesEveryChangeAsItsOwnEvent() throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        var watcher = new Watcher<ConfigMap>() {
            @Override
            public void eventReceived(Action action, ConfigMap resource) {
                seen.add(new Seen(action, resource.getMetadata().getName(), resource.getData() == null ? null : resource.getData().get("v")));
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        };
        try (var watch = client.configMaps().inNamespace("default").withLabel("app", "ws").watch(watcher)) {
            client.resource(cm("a", "1")).create();
            client.resource(cm("b", "1")).create();
            client.configMaps().inNamespace("default").withName("a").edit(c -> new ConfigMapBuilder(c).addToData("v", "2").build());
            client.configMaps().inNamespace("default").withName("b").delete();
            client.resource(new ConfigMapBuilder(cm("other", "1")).editMetadata().withLabels(Map.of("app", "else")).endMetadata().build())
                    .create();
            Eventually.await("four events", TIMEOUT, () -> seen.size() >= 4);
            Thread.sleep(300); // nothing else may arrive: the label selector filters "other"
            assertThat(seen).containsExactly(
                    new Seen(Watcher.Action.ADDED, "a", "1"),
                    new Seen(Watcher.Action.ADDED, "b", "1"),
                    new Seen(Watcher.Action.MODIFIED, "a", "2"),
                    new Seen(Watcher.Action.DELETED, "b", "1"));
        }
    }

    @Test
    void aWatchFromAGivenResourceVersionReplaysWhatCameAfterIt() throws Exception {
        String from = client.resource(cm("first", "1")).create().getMetadata().getResourceVersion();
        client.resource(cm("second", "1")).create();
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (var watch = client.configMaps().inNamespace("default").withResourceVersion(from).watch(new Watcher<ConfigMap>() {
            @Override
            public void eventReceived(Action action, ConfigMap resource) {
                seen.add(new Seen(action, resource.getMetadata().getName(), resource.getData().get("v")));
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        })) {
            Eventually.await("an event", TIMEOUT, () -> !seen.isEmpty());
            Thread.sleep(300);
            assertThat(seen).containsExactly(new Seen(Watcher.Action.ADDED, "second", "1"));
        }
    }

    @Test
    void anInformerOnTheDefaultClientKeepsItsCacheInStep() throws Exception {
        SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace("default").inform();
        try {
            client.resource(cm("x", "1")).create();
            client.resource(cm("y", "1")).create();
            client.configMaps().inNamespace("default").withName("x").delete();
            Eventually.await("the informer holding y alone", TIMEOUT, () -> informer.getStore().list().stream().map(c -> c.getMetadata().getName()).toList()
                    .equals(List.of("y")));
            assertThat(informer.getStore().getByKey("default/y").getData()).containsEntry("v", "1");
        } finally {
            informer.close();
        }
    }
}
