package dev.skiff.registry.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.registry.storage.ObjectCodec;
import dev.skiff.registry.storage.Preconditions;
import dev.skiff.registry.storage.Resource;
import dev.skiff.registry.storage.Storage;
import dev.skiff.registry.storage.Storage.Change;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatcherTest {
    static final Resource<ConfigMap> CONFIGMAPS = Resource.of("", "configmaps", "ConfigMap", true, ConfigMap.class, ConfigMap::new);

    @TempDir
    Path dir;
    EmbeddedStore store;
    Storage<ConfigMap> storage;
    Watcher<ConfigMap> watcher;
    final BlockingQueue<WatchEvent<ConfigMap>> events = new LinkedBlockingQueue<>();

    @BeforeEach
    void open() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
        storage = new Storage<>(store, CONFIGMAPS, new ObjectCodec());
        watcher = new Watcher<>(store, storage);
    }

    @AfterEach
    void close() {
        store.close();
    }

    ConfigMap create(String ns, String name, String tier) {
        return storage.create(ns, name, new ConfigMapBuilder().withNewMetadata().withNamespace(ns).withName(name)
                .withLabels(Map.of("tier", tier)).endMetadata().build(), false);
    }

    ConfigMap relabel(String ns, String name, String tier) {
        return storage.guaranteedUpdate(ns, name, Preconditions.NONE, c -> {
            c.getMetadata().setLabels(Map.of("tier", tier));
            return new Change.Write<>(c);
        }, false).object();
    }

    WatchEvent<ConfigMap> next() throws InterruptedException {
        WatchEvent<ConfigMap> event = events.poll(10, TimeUnit.SECONDS);
        assertThat(event).as("an event within 10s").isNotNull();
        return event;
    }

    static Predicate<HasMetadata> tier(String value) {
        return o -> value.equals(o.getMetadata().getLabels().get("tier"));
    }

    @Test
    void sendsChangesAfterTheGivenResourceVersionWithSelectorTransitions() throws Exception {
        ConfigMap before = create("ns", "a", "web");
        try (var stream = watcher.watch("ns", WatchOptions.from(before.getMetadata().getResourceVersion()).withPredicate(tier("web")), events::add)) {
            create("ns", "b", "web");
            create("other", "c", "web");           // another namespace: not seen
            relabel("ns", "a", "db");                // stops matching: DELETED
            relabel("ns", "a", "web");               // starts matching again: ADDED
            relabel("ns", "b", "web");               // no change: nothing written, nothing sent
            ConfigMap b = storage.guaranteedUpdate("ns", "b", Preconditions.NONE, c -> {
                c.setData(Map.of("k", "v"));
                return new Change.Write<>(c);
            }, false).object();
            var gone = storage.delete("ns", "b", Preconditions.NONE, 0, false).orElseThrow();

            assertThat(next()).satisfies(e -> assertThat(e.type()).isEqualTo(WatchEvent.Type.ADDED)).extracting(e -> e.object().getMetadata().getName()).isEqualTo("b");
            WatchEvent<ConfigMap> left = next();
            assertThat(left.type()).isEqualTo(WatchEvent.Type.DELETED);
            assertThat(left.object().getMetadata().getLabels()).containsEntry("tier", "web");
            assertThat(next().type()).isEqualTo(WatchEvent.Type.ADDED);
            WatchEvent<ConfigMap> modified = next();
            assertThat(modified.type()).isEqualTo(WatchEvent.Type.MODIFIED);
            assertThat(modified.object().getMetadata().getResourceVersion()).isEqualTo(b.getMetadata().getResourceVersion());
            WatchEvent<ConfigMap> deleted = next();
            assertThat(deleted.type()).isEqualTo(WatchEvent.Type.DELETED);
            assertThat(deleted.object().getData()).containsEntry("k", "v");
            assertThat(deleted.object().getMetadata().getResourceVersion()).isEqualTo(gone.getMetadata().getResourceVersion());
            assertThat(events.poll(200, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void startsFromTheCurrentStateWithSyntheticAddedEvents() throws Exception {
        create("ns", "a", "web");
        create("ns", "b", "db");
        try (var stream = watcher.watch("ns", WatchOptions.from("0").withPredicate(tier("web")), events::add)) {
            assertThat(events).hasSize(1);
            assertThat(next().object().getMetadata().getName()).isEqualTo("a");
            create("ns", "c", "web");
            assertThat(next().object().getMetadata().getName()).isEqualTo("c");
        }
    }

    @Test
    void endsInitialEventsWithAnAnnotatedBookmarkAndSendsBookmarksOnRequest() throws Exception {
        create("ns", "a", "web");
        try (var stream = watcher.watch(null, WatchOptions.from("").withBookmarks().withSendInitialEvents(true), events::add)) {
            assertThat(next().type()).isEqualTo(WatchEvent.Type.ADDED);
            WatchEvent<ConfigMap> end = next();
            assertThat(end.type()).isEqualTo(WatchEvent.Type.BOOKMARK);
            assertThat(end.object().getMetadata().getAnnotations()).containsEntry("k8s.io/initial-events-end", "true");
            ConfigMap b = create("ns", "b", "web");
            assertThat(next().type()).isEqualTo(WatchEvent.Type.ADDED);
            stream.requestBookmark();
            WatchEvent<ConfigMap> bookmark = next();
            assertThat(bookmark.type()).isEqualTo(WatchEvent.Type.BOOKMARK);
            assertThat(Long.parseLong(bookmark.object().getMetadata().getResourceVersion()))
                    .isGreaterThanOrEqualTo(Long.parseLong(b.getMetadata().getResourceVersion()));
        }
    }

    @Test
    void failsWithExpiredWhenTheResourceVersionWasCompacted() throws Exception {
        ConfigMap a = create("ns", "a", "web");
        relabel("ns", "a", "db");
        relabel("ns", "a", "web");
        long compactedTo = store.status().revision();
        store.compact(compactedTo);
        try (var stream = watcher.watch("ns", WatchOptions.from(a.getMetadata().getResourceVersion()), events::add)) {
            WatchEvent<ConfigMap> error = next();
            assertThat(error.type()).isEqualTo(WatchEvent.Type.ERROR);
            assertThat(error.error().code()).isEqualTo(410);
            assertThat(error.error().reason()).isEqualTo("Expired");
            assertThat(error.error().getMessage()).isEqualTo("too old resource version: " + a.getMetadata().getResourceVersion() + " (" + compactedTo + ")");
        }
    }
}
