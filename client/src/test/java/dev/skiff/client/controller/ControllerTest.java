package dev.skiff.client.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.client.Eventually;
import dev.skiff.client.TestCluster;
import dev.skiff.client.workqueue.RateLimitingQueue;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small real controller: for each ConfigMap labelled {@code mirror=true} it writes a copy named
 * {@code <name>-mirror}, reading the lister and writing through the client; its first sync of
 * each key fails, so success proves the rate-limited retry.
 */
class ControllerTest {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void syncsEachKeyFromTheListerAndRetriesFailuresWithBackoff(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = new TestCluster(dir); KubernetesClient client = cluster.newClient()) {
            SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace("ns").withLabel("mirror", "true").runnableInformer(0);
            var lister = new Lister<>(informer.getIndexer());
            Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
            Controller.Reconciler sync = key -> {
                var k = Controller.ObjectKey.parse(key);
                if (attempts.computeIfAbsent(key, x -> new AtomicInteger()).incrementAndGet() == 1) {
                    throw new IllegalStateException("first attempt fails");
                }
                ConfigMap source = lister.namespace(k.namespace()).get(k.name());
                if (source == null) {
                    client.configMaps().inNamespace(k.namespace()).withName(k.name() + "-mirror").delete();
                    return;
                }
                client.resource(new ConfigMapBuilder().withNewMetadata().withNamespace(k.namespace())
                        .withName(k.name() + "-mirror").endMetadata().withData(source.getData()).build()).createOr(NonDeletingOperation::update);
            };
            var controller = new Controller("mirror", sync, RateLimitingQueue.withDefaultRateLimiter(Clock.systemUTC()), 5);
            informer.addEventHandler(controller.enqueueingHandler());
            informer.run();
            client.resource(cm("a", "1")).create();
            client.resource(cm("b", "1")).create();
            assertThat(controller.run(2, List.of(informer), TIMEOUT)).isTrue();

            Eventually.await("mirrors written", TIMEOUT, () -> data(client, "a-mirror").equals(Map.of("v", "1"))
                    && data(client, "b-mirror").equals(Map.of("v", "1")));
            assertThat(attempts.get("ns/a").get()).isGreaterThanOrEqualTo(2);

            client.configMaps().inNamespace("ns").withName("a").edit(c -> new ConfigMapBuilder(c).withData(Map.of("v", "2")).build());
            client.configMaps().inNamespace("ns").withName("b").delete();
            Eventually.await("mirror follows update and delete", TIMEOUT, () -> data(client, "a-mirror").equals(Map.of("v", "2"))
                    && client.configMaps().inNamespace("ns").withName("b-mirror").get() == null);
            controller.close();
            informer.close();
        }
    }

    @Test
    void closeEndsARunStillWaitingForCachesThatNeverSync(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = new TestCluster(dir); KubernetesClient client = cluster.newClient()) {
            // no such resource: its list fails with 404 again and again, so the informer never syncs
            var informer = client.genericKubernetesResources(new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder()
                    .withGroup("example.com").withVersion("v1").withKind("Widget").withPlural("widgets").withNamespaced(true).build())
                    .inAnyNamespace().runnableInformer(0);
            informer.start(); // fails its first list, and retries
            var controller = new Controller("waiting", key -> { }, RateLimitingQueue.withDefaultRateLimiter(Clock.systemUTC()), 5);
            var result = new java.util.concurrent.CompletableFuture<Boolean>();
            Thread runner = Thread.ofVirtual().start(() -> {
                try {
                    result.complete(controller.run(1, List.of(informer), Duration.ofMinutes(5)));
                } catch (Throwable e) {
                    result.completeExceptionally(e);
                }
            });
            Thread.sleep(200); // run is in its wait for the caches
            assertThat(runner.isAlive()).isTrue();
            Thread closer = Thread.ofVirtual().start(() -> {
                try {
                    controller.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(closer.join(Duration.ofSeconds(10))).as("close returned while run waited for caches").isTrue();
            assertThat(result.get(10, java.util.concurrent.TimeUnit.SECONDS)).as("run started no workers").isFalse();
            informer.close();
        }
    }

    @Test
    void dropsAKeyAfterMaxRetries(@TempDir Path dir) throws Exception {
        var queue = RateLimitingQueue.<String>withDefaultRateLimiter(Clock.systemUTC());
        AtomicInteger attempts = new AtomicInteger();
        var controller = new Controller("failing", key -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("always");
        }, queue, 3);
        queue.add("ns/x");
        for (int i = 0; i < 4; i++) {
            assertThat(controller.processNextWorkItem()).isTrue();
        }
        assertThat(attempts.get()).isEqualTo(4);
        assertThat(queue.numRequeues("ns/x")).as("forgotten once dropped").isZero();
        assertThat(queue.len() + queue.waitingLen()).isZero();
        controller.close();
    }

    @Test
    void keysSplitAsUpstream() {
        assertThat(Controller.ObjectKey.parse("ns/name")).isEqualTo(new Controller.ObjectKey("ns", "name"));
        assertThat(Controller.ObjectKey.parse("node-1")).isEqualTo(new Controller.ObjectKey("", "node-1"));
        assertThatThrownBy(() -> Controller.ObjectKey.parse("a/b/c")).hasMessage("unexpected key format: \"a/b/c\"");
    }

    static ConfigMap cm(String name, String v) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace("ns").withName(name).withLabels(Map.of("mirror", "true"))
                .endMetadata().withData(Map.of("v", v)).build();
    }

    static Map<String, String> data(KubernetesClient client, String name) {
        ConfigMap c = client.configMaps().inNamespace("ns").withName(name).get();
        return c == null || c.getData() == null ? Map.of() : c.getData();
    }
}
