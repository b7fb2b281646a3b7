package dev.skiff.registry.cacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.storage.ListOptions;
import dev.skiff.registry.storage.ListResult;
import dev.skiff.registry.storage.ObjectCodec;
import dev.skiff.registry.storage.Preconditions;
import dev.skiff.registry.storage.Resource;
import dev.skiff.registry.storage.Storage;
import dev.skiff.registry.storage.Storage.Change;
import dev.skiff.registry.watch.WatchEvent;
import dev.skiff.registry.watch.WatchOptions;
import dev.skiff.registry.watch.WatchStream;
import dev.skiff.registry.watch.Watcher;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacherTest {
    static final Resource<ConfigMap> CONFIGMAPS = Resource.of("", "configmaps", "ConfigMap", true, ConfigMap.class, ConfigMap::new);

    @TempDir
    Path dir;
    EmbeddedStore store;
    Storage<ConfigMap> storage;

    @BeforeEach
    void open() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
        storage = new Storage<>(store, CONFIGMAPS, new ObjectCodec());
    }

    @AfterEach
    void close() {
        store.close();
    }

    Cacher<ConfigMap> cacher(int capacity) {
        return new Cacher<>(store, storage, new Watcher<>(store, storage), capacity);
    }

    ConfigMap create(String ns, String name, String tier) {
        return storage.create(ns, name, new ConfigMapBuilder().withNewMetadata().withNamespace(ns).withName(name)
                .withLabels(Map.of("tier", tier)).endMetadata().build(), false);
    }

    ConfigMap setData(String ns, String name, String value) {
        return storage.guaranteedUpdate(ns, name, Preconditions.NONE, c -> {
            c.setData(Map.of("k", value));
            return new Change.Write<>(c);
        }, false).object();
    }

    static WatchEvent<ConfigMap> next(BlockingQueue<WatchEvent<ConfigMap>> events) throws InterruptedException {
        WatchEvent<ConfigMap> event = events.poll(10, TimeUnit.SECONDS);
        assertThat(event).as("an event within 10s").isNotNull();
        return event;
    }

    static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    static Predicate<HasMetadata> tier(String value) {
        return o -> value.equals(o.getMetadata().getLabels().get("tier"));
    }

    static List<String> namesAndVersions(ListResult<ConfigMap> list) {
        return list.items().stream().map(c -> c.getMetadata().getNamespace() + "/" + c.getMetadata().getName() + "@"
                + c.getMetadata().getResourceVersion() + "=" + c.getData()).toList();
    }

    @Test
    void manyWatchersShareOneStoreWatchAndEachGetsTheirEvents() throws Exception {
        Cacher<ConfigMap> cacher = cacher(Cacher.DEFAULT_CAPACITY);
        create("ns", "before", "web");
        List<BlockingQueue<WatchEvent<ConfigMap>>> queues = new ArrayList<>();
        List<WatchStream> streams = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            BlockingQueue<WatchEvent<ConfigMap>> q = new LinkedBlockingQueue<>();
            queues.add(q);
            // every other watcher selects tier=web only; every fourth watches another namespace
            WatchOptions options = WatchOptions.from("0").withPredicate(i % 2 == 0 ? ListOptions.EVERYTHING : tier("web"));
            streams.add(cacher.watch(i % 4 == 3 ? "other" : "ns", options, q::add));
        }
        ConfigMap added = create("ns", "a", "db");
        setData("ns", "a", "1");
        for (int i = 0; i < queues.size(); i++) {
            BlockingQueue<WatchEvent<ConfigMap>> q = queues.get(i);
            if (i % 4 == 3) {
                continue;
            }
            WatchEvent<ConfigMap> initial = next(q);
            assertThat(initial.type()).isEqualTo(WatchEvent.Type.ADDED);
            assertThat(initial.object().getMetadata().getName()).isEqualTo("before");
            if (i % 2 == 0) {
                WatchEvent<ConfigMap> first = next(q);
                assertThat(first.type()).isEqualTo(WatchEvent.Type.ADDED);
                assertThat(first.object().getMetadata().getResourceVersion()).isEqualTo(added.getMetadata().getResourceVersion());
                assertThat(next(q).type()).isEqualTo(WatchEvent.Type.MODIFIED);
            }
        }
        Thread.sleep(100);
        for (int i = 0; i < queues.size(); i++) {
            assertThat(queues.get(i)).as("watcher " + i + " has nothing else").isEmpty();
        }
        assertThat(cacher.storeWatchesStarted()).isEqualTo(1);
        streams.forEach(WatchStream::close);
    }

    @Test
    void everyWatcherOfAnEventSharesItsEncodingsSoItIsEncodedOncePerForm() throws Exception {
        Cacher<ConfigMap> cacher = cacher(Cacher.DEFAULT_CAPACITY);
        cacher.list(null, ListOptions.latest()); // starts the cache
        List<BlockingQueue<WatchEvent<ConfigMap>>> queues = new ArrayList<>();
        List<WatchStream> streams = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            BlockingQueue<WatchEvent<ConfigMap>> q = new LinkedBlockingQueue<>();
            queues.add(q);
            streams.add(cacher.watch("ns", WatchOptions.from(Long.toString(cacher.revision())).withPredicate(tier("web")), q::add));
        }
        create("ns", "a", "web");
        storage.guaranteedUpdate("ns", "a", Preconditions.NONE, c -> { // stops matching: DELETED with the previous state
            c.getMetadata().setLabels(Map.of("tier", "db"));
            return new Change.Write<>(c);
        }, false);
        var encoded = new java.util.concurrent.atomic.AtomicInteger();
        List<WatchEvent<ConfigMap>> added = new ArrayList<>();
        List<WatchEvent<ConfigMap>> deleted = new ArrayList<>();
        for (var q : queues) {
            added.add(next(q));
            deleted.add(next(q));
        }
        for (int i = 0; i < queues.size(); i++) {
            assertThat(added.get(i).type()).isEqualTo(WatchEvent.Type.ADDED);
            assertThat(deleted.get(i).type()).isEqualTo(WatchEvent.Type.DELETED);
            assertThat(added.get(i).encodings()).isSameAs(added.getFirst().encodings()).isNotSameAs(deleted.get(i).encodings());
            assertThat(deleted.get(i).encodings()).isSameAs(deleted.getFirst().encodings());
            byte[] v1 = added.get(i).encodings().get("v1", () -> new byte[] {(byte) encoded.incrementAndGet()});
            assertThat(v1).containsExactly(1);
            byte[] v2 = added.get(i).encodings().get("v2", () -> new byte[] {(byte) (100 + encoded.incrementAndGet())});
            assertThat(v2).containsExactly(102);
        }
        assertThat(encoded.get()).as("one encoding per form, whatever the number of watchers").isEqualTo(2);
        streams.forEach(WatchStream::close);
    }

    @Test
    void replaysTheWindowAndAnswersExpiredOnceEventsLeftIt() throws Exception {
        Cacher<ConfigMap> cacher = cacher(4);
        cacher.list(null, ListOptions.latest()); // starts the cache
        ConfigMap first = create("ns", "a", "web");
        List<ConfigMap> versions = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            versions.add(setData("ns", "a", Integer.toString(i)));
        }
        eventually("cache caught up", () -> cacher.revision() >= Long.parseLong(versions.getLast().getMetadata().getResourceVersion()));

        BlockingQueue<WatchEvent<ConfigMap>> replayed = new LinkedBlockingQueue<>();
        String fromRv = versions.get(2).getMetadata().getResourceVersion(); // events 3..5 are in the window of 4
        try (var stream = cacher.watch("ns", WatchOptions.from(fromRv), replayed::add)) {
            for (int i = 3; i < 6; i++) {
                WatchEvent<ConfigMap> e = next(replayed);
                assertThat(e.type()).isEqualTo(WatchEvent.Type.MODIFIED);
                assertThat(e.object().getData()).containsEntry("k", Integer.toString(i));
            }
            assertThat(replayed.poll(100, TimeUnit.MILLISECONDS)).isNull();
        }

        BlockingQueue<WatchEvent<ConfigMap>> expired = new LinkedBlockingQueue<>();
        String tooOld = first.getMetadata().getResourceVersion();
        long oldestKept = Long.parseLong(versions.get(2).getMetadata().getResourceVersion()) - 1; // window: versions 2..5
        cacher.watch("ns", WatchOptions.from(tooOld), expired::add).close();
        WatchEvent<ConfigMap> error = next(expired);
        assertThat(error.type()).isEqualTo(WatchEvent.Type.ERROR);
        assertThat(error.error().code()).isEqualTo(410);
        assertThat(error.error().reason()).isEqualTo("Expired");
        assertThat(error.error().getMessage()).isEqualTo("too old resource version: " + tooOld + " (" + oldestKept + ")");
        // the store still has that history: only the window decides, as upstream
        assertThat(store.status().revision()).isGreaterThan(Long.parseLong(tooOld));
    }

    @Test
    void listsFromTheCacheEqualTheStoreAfterABurstOfWrites() throws Exception {
        Cacher<ConfigMap> cacher = cacher(64);
        cacher.list(null, ListOptions.latest());
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 8; t++) {
                int thread = t;
                pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        String ns = "ns" + (i % 3);
                        String name = "cm-" + thread + "-" + i;
                        create(ns, name, i % 2 == 0 ? "web" : "db");
                        setData(ns, name, "v" + i);
                        if (i % 5 == 0) {
                            storage.delete(ns, name, Preconditions.NONE, 0, false);
                        }
                    }
                    return null;
                });
            }
        }
        // a consistent list ("" = latest) waits for the cache to catch up with the store, then reads memory
        ListResult<ConfigMap> fromStore = storage.list(null, ListOptions.latest());
        ListResult<ConfigMap> fromCache = cacher.list(null, ListOptions.latest());
        assertThat(fromCache.resourceVersion()).isEqualTo(fromStore.resourceVersion());
        assertThat(namesAndVersions(fromCache)).isEqualTo(namesAndVersions(fromStore)).hasSize(8 * 32);

        ListOptions webInNs1 = ListOptions.latest().withPredicate(tier("web")).atResourceVersion("0", null);
        assertThat(namesAndVersions(cacher.list("ns1", webInNs1)))
                .isEqualTo(namesAndVersions(storage.list("ns1", ListOptions.latest().withPredicate(tier("web")))))
                .isNotEmpty();
        // limited lists page through the cache exactly as through the store: items, tokens, remaining counts
        for (String ns : new String[] {null, "ns1"}) {
            for (Predicate<HasMetadata> predicate : List.of(ListOptions.EVERYTHING, tier("db"))) {
                assertThat(pages(cacher::list, ns, predicate, 7)).isEqualTo(pages(storage::list, ns, predicate, 7)).hasSizeGreaterThan(3);
            }
        }
        assertThat(cacher.storeWatchesStarted()).isEqualTo(1);
    }

    interface Lister {
        ListResult<ConfigMap> list(String namespace, ListOptions options);
    }

    /** Every page of a paged list: its items, resourceVersion, continue token and remaining count. */
    static List<String> pages(Lister lister, String namespace, Predicate<HasMetadata> predicate, int limit) {
        List<String> pages = new ArrayList<>();
        String token = null;
        do {
            var page = lister.list(namespace, ListOptions.latest().withPredicate(predicate).withLimit(limit).withContinue(token));
            pages.add(namesAndVersions(page) + " rv=" + page.resourceVersion() + " continue=" + page.continueToken()
                    + " remaining=" + page.remainingItemCount());
            token = page.continueToken();
        } while (token != null);
        return pages;
    }

    @Test
    void pagesContinueFromTheSnapshotOfTheirRevisionEvenAfterTheStoreCompactedIt() throws Exception {
        Cacher<ConfigMap> cacher = cacher(Cacher.DEFAULT_CAPACITY);
        for (int i = 0; i < 10; i++) {
            create("ns", "cm-" + i, "web");
        }
        ListResult<ConfigMap> first = cacher.list("ns", ListOptions.latest().withLimit(4));
        assertThat(first.items()).extracting(c -> c.getMetadata().getName()).containsExactly("cm-0", "cm-1", "cm-2", "cm-3");
        assertThat(first.remainingItemCount()).isEqualTo(6);
        // later writes touch what the next pages hold; then the store forgets the page's revision
        setData("ns", "cm-5", "changed");
        storage.delete("ns", "cm-6", Preconditions.NONE, 0, false);
        create("ns", "cm-55", "web");
        assertThat(cacher.list("ns", ListOptions.latest()).items()).as("the cache has seen them").hasSize(10);
        store.compact(store.status().revision());

        ListResult<ConfigMap> second = cacher.list("ns", ListOptions.latest().withLimit(4).withContinue(first.continueToken()));
        assertThat(second.resourceVersion()).isEqualTo(first.resourceVersion());
        assertThat(second.items()).extracting(c -> c.getMetadata().getName()).containsExactly("cm-4", "cm-5", "cm-6", "cm-7");
        assertThat(second.items().get(1).getData()).as("as it was at the first page's revision").isNullOrEmpty();
        ListResult<ConfigMap> last = cacher.list("ns", ListOptions.latest().withLimit(4).withContinue(second.continueToken()));
        assertThat(last.items()).extracting(c -> c.getMetadata().getName()).containsExactly("cm-8", "cm-9");
        assertThat(last.continueToken()).isNull();

        // an exact revision the cache still holds is served too; the store alone would answer 410
        ListOptions exact = ListOptions.latest().atResourceVersion(first.resourceVersion(), dev.skiff.registry.storage.ResourceVersionMatch.EXACT);
        assertThat(cacher.list("ns", exact).items()).hasSize(10);
        assertThatThrownBy(() -> storage.list("ns", exact)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status().getCode()).isEqualTo(410));
        assertThat(cacher.storeWatchesStarted()).isEqualTo(1);
    }

    @Test
    void aRevisionThatLeftTheWindowIsTheStoresToAnswer() throws Exception {
        Cacher<ConfigMap> cacher = cacher(4);
        for (int i = 0; i < 6; i++) {
            create("ns", "cm-" + i, "web");
        }
        ListResult<ConfigMap> first = cacher.list("ns", ListOptions.latest().withLimit(2));
        for (int i = 0; i < 5; i++) {
            setData("ns", "cm-0", "v" + i); // five events push the first page's revision out of a window of four
        }
        assertThat(cacher.list("ns", ListOptions.latest()).items()).hasSize(6);
        // not compacted: the store still serves the page at its revision
        ListResult<ConfigMap> second = cacher.list("ns", ListOptions.latest().withLimit(2).withContinue(first.continueToken()));
        assertThat(second.items()).extracting(c -> c.getMetadata().getName()).containsExactly("cm-2", "cm-3");
        assertThat(second.resourceVersion()).isEqualTo(first.resourceVersion());
        store.compact(store.status().revision());
        assertThatThrownBy(() -> cacher.list("ns", ListOptions.latest().withLimit(2).withContinue(second.continueToken())))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status().getCode()).isEqualTo(410));
    }

    @Test
    void restartsItsStoreWatchAfterACompactionAndEndsItsWatchers() throws Exception {
        Cacher<ConfigMap> cacher = cacher(Cacher.DEFAULT_CAPACITY);
        CountDownLatch release = new CountDownLatch(1);
        BlockingQueue<WatchEvent<ConfigMap>> slow = new LinkedBlockingQueue<>();
        // a sink that stalls the cache's store watch, so the store compacts past it
        cacher.watch("ns", WatchOptions.from("0"), e -> {
            slow.add(e);
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        create("ns", "a", "web");
        for (int i = 0; i < 20; i++) {
            setData("ns", "a", Integer.toString(i));
        }
        ConfigMap late = create("ns", "b", "web");
        store.compact(store.status().revision());
        release.countDown();

        WatchEvent<ConfigMap> event;
        do {
            event = next(slow);
        } while (event.type() != WatchEvent.Type.ERROR);
        assertThat(event.error().code()).isEqualTo(410);
        assertThat(event.error().reason()).isEqualTo("Expired");
        ListResult<ConfigMap> fromCache = cacher.list("ns", ListOptions.latest().atResourceVersion("0", null));
        assertThat(cacher.storeWatchesStarted()).as("relisted and watches again").isEqualTo(2);
        assertThat(namesAndVersions(fromCache)).isEqualTo(namesAndVersions(storage.list("ns", ListOptions.latest())));
        assertThat(fromCache.items()).extracting(c -> c.getMetadata().getName()).containsExactly("a", "b");
        assertThat(Long.parseLong(fromCache.resourceVersion())).isGreaterThanOrEqualTo(Long.parseLong(late.getMetadata().getResourceVersion()));

        BlockingQueue<WatchEvent<ConfigMap>> again = new LinkedBlockingQueue<>();
        try (var stream = cacher.watch("ns", WatchOptions.from(fromCache.resourceVersion()), again::add)) {
            setData("ns", "b", "after");
            WatchEvent<ConfigMap> modified = next(again);
            assertThat(modified.type()).isEqualTo(WatchEvent.Type.MODIFIED);
            assertThat(modified.object().getData()).containsEntry("k", "after");
        }
    }
}
