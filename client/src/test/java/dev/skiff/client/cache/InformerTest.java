package dev.skiff.client.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.client.Eventually;
import dev.skiff.client.TestCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fabric8's SharedIndexInformer, indexer and Lister against the real skiff API server: they must
 * agree with the server after every change, across a server restart, and across a watch that
 * expired (410 Gone after compaction) while the server was down.
 */
class InformerTest {
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final String BY_APP = "byApp";

    @TempDir
    Path dir;
    TestCluster cluster;
    KubernetesClient client;
    SharedIndexInformer<ConfigMap> informer;
    final Set<String> deleted = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void start() {
        cluster = new TestCluster(dir);
        client = cluster.newClient();
    }

    @AfterEach
    void stop() {
        if (informer != null) {
            informer.close();
        }
        client.close();
        cluster.close();
    }

    static ConfigMap cm(String namespace, String name, String app, String value) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace(namespace).withName(name).withLabels(Map.of("app", app))
                .endMetadata().withData(Map.of("v", value)).build();
    }

    void startInformer() throws InterruptedException {
        informer = client.configMaps().inAnyNamespace().runnableInformer(0);
        informer.addIndexers(Map.of(BY_APP, (Function<ConfigMap, List<String>>) c -> List.of(c.getMetadata().getLabels().get("app"))));
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap obj) {
                deleted.remove(Cache.metaNamespaceKeyFunc(obj));
            }

            @Override
            public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {
            }

            @Override
            public void onDelete(ConfigMap obj, boolean deletedFinalStateUnknown) {
                deleted.add(Cache.metaNamespaceKeyFunc(obj));
            }
        });
        informer.run();
        Eventually.await("informer synced", TIMEOUT, informer::hasSynced);
    }

    /** namespace/name -> resourceVersion + data, as the server lists it now. */
    Map<String, String> server() {
        return state(client.configMaps().inAnyNamespace().list().getItems());
    }

    Map<String, String> cached() {
        return state(new Lister<>(informer.getIndexer()).list());
    }

    static Map<String, String> state(List<ConfigMap> items) {
        return items.stream().collect(Collectors.toMap(Cache::metaNamespaceKeyFunc,
                c -> c.getMetadata().getResourceVersion() + " " + c.getData(), (a, b) -> a, TreeMap::new));
    }

    void awaitAgreement(String when) throws InterruptedException {
        Eventually.awaitEqual("lister agrees with the server " + when, TIMEOUT, this::server, this::cached);
    }

    @Test
    void listsThenWatchesAndItsIndexerAndListerAgreeWithTheServer() throws Exception {
        client.resource(cm("a", "one", "web", "1")).create();
        client.resource(cm("b", "two", "db", "1")).create();
        startInformer();
        assertThat(cached()).isEqualTo(server()).hasSize(2);

        client.resource(cm("a", "three", "web", "1")).create();
        client.configMaps().inNamespace("b").withName("two").edit(c -> new ConfigMapBuilder(c).withData(Map.of("v", "2")).build());
        client.resource(cm("b", "four", "db", "1")).create();
        client.configMaps().inNamespace("a").withName("one").delete();
        awaitAgreement("after create/update/delete");
        assertThat(deleted).containsExactly("a/one");

        var lister = new Lister<>(informer.getIndexer());
        assertThat(lister.namespace("a").list()).extracting(c -> c.getMetadata().getName()).containsExactly("three");
        assertThat(lister.namespace("b").get("two").getData()).containsEntry("v", "2");
        assertThat(lister.namespace("a").get("one")).isNull();
        assertThat(informer.getIndexer().byIndex(BY_APP, "db")).extracting(c -> c.getMetadata().getName())
                .containsExactlyInAnyOrder("two", "four");
        assertThat(informer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, "b")).hasSize(2);
    }

    @Test
    void resumesAfterTheServerRestartsWithoutMissingChanges() throws Exception {
        client.resource(cm("a", "before", "web", "1")).create();
        startInformer();
        cluster.stop();
        cluster.start();
        client.resource(cm("a", "after", "web", "1")).create();
        client.configMaps().inNamespace("a").withName("before").edit(c -> new ConfigMapBuilder(c).withData(Map.of("v", "2")).build());
        awaitAgreement("after a restart");
        assertThat(cached()).containsKeys("a/before", "a/after");
        assertThat(new Lister<>(informer.getIndexer()).namespace("a").get("before").getData()).containsEntry("v", "2");
    }

    @Test
    void relistsWhenItsWatchExpiredWhileTheServerWasDown() throws Exception {
        client.resource(cm("a", "kept", "web", "1")).create();
        client.resource(cm("a", "removed", "web", "1")).create();
        client.resource(cm("b", "changed", "db", "1")).create();
        startInformer();
        String before = informer.lastSyncResourceVersion();
        cluster.stop();
        // the changes happen, and the history the watch would resume from is compacted away
        cluster.changeWhileDownAndCompact(r -> {
            r.configMaps().delete("a", "removed", dev.skiff.registry.generic.DeleteOptions.DEFAULT);
            ConfigMap changed = r.configMaps().get("b", "changed");
            r.configMaps().update("b", "changed", new ConfigMapBuilder(changed).withData(Map.of("v", "2")).build(), false);
            r.configMaps().create("c", cm("c", "added", "web", "1"), false);
        });
        cluster.start();
        awaitAgreement("after a 410 Gone relist");
        assertThat(cached()).containsOnlyKeys("a/kept", "b/changed", "c/added");
        assertThat(deleted).as("a relist reports the object deleted meanwhile").containsExactly("a/removed");
        assertThat(informer.lastSyncResourceVersion()).isNotEqualTo(before);
        // and it watches again after the relist
        client.resource(cm("c", "later", "web", "1")).create();
        awaitAgreement("after the relist");
        assertThat(informer.getIndexer().byIndex(BY_APP, "web")).hasSize(3);
    }
}
