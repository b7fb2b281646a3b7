package dev.skiff.store.embedded;

import static dev.skiff.store.embedded.Fixtures.await;
import static dev.skiff.store.embedded.Fixtures.bs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.store.CompactedException;
import dev.skiff.store.DeleteRangeRequest;
import dev.skiff.store.Event;
import dev.skiff.store.PutRequest;
import dev.skiff.store.TxnRequest;
import dev.skiff.store.Watch;
import dev.skiff.store.WatchRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EmbeddedStoreWatchTest extends EmbeddedStoreFixture {
    @Test
    void watchReplaysHistoryThenDeliversLiveChanges() {
        put("p/a", "1"); // 2
        put("other", "1"); // 3
        put("p/b", "1"); // 4
        var rec = new Fixtures.Recorder();
        try (Watch w = store.watch(WatchRequest.prefix(bs("p/"), 2), rec)) {
            await("replay", () -> rec.batches.size() == 2);
            put("p/c", "1"); // 5
            await("live", () -> rec.batches.size() == 3);
        }
        assertThat(rec.batches).extracting(Fixtures.Recorder.Batch::revision).containsExactly(2L, 4L, 5L);
        assertThat(rec.events()).extracting(e -> e.kv().key().toStringUtf8()).containsExactly("p/a", "p/b", "p/c");
        assertThat(rec.errors).isEmpty();
    }

    @Test
    void watchFromZeroSeesOnlyNewChanges() {
        put("a", "old");
        var rec = new Fixtures.Recorder();
        try (Watch w = store.watch(WatchRequest.key(bs("a"), 0), rec)) {
            put("a", "new");
            await("event", () -> !rec.batches.isEmpty());
        }
        assertThat(rec.events()).singleElement().satisfies(e -> assertThat(e.kv().value()).isEqualTo(bs("new")));
    }

    @Test
    void watchGroupsEventsPerRevision() {
        var rec = new Fixtures.Recorder();
        try (Watch w = store.watch(WatchRequest.prefix(bs("k"), 0), rec)) {
            store.txn(new TxnRequest(List.of(), List.of(PutRequest.of(bs("k1"), bs("1")), PutRequest.of(bs("k2"), bs("2"))),
                    List.of()));
            await("batch", () -> !rec.batches.isEmpty());
        }
        assertThat(rec.batches).singleElement().satisfies(b -> {
            assertThat(b.revision()).isEqualTo(2);
            assertThat(b.events()).extracting(e -> e.kv().key().toStringUtf8()).containsExactly("k1", "k2");
        });
    }

    @Test
    void watchWithPrevKvCarriesPreviousVersionAndDeleteTombstone() {
        var rec = new Fixtures.Recorder();
        try (Watch w = store.watch(WatchRequest.key(bs("a"), 0).withPrevKv(), rec)) {
            put("a", "1");
            put("a", "2");
            store.deleteRange(DeleteRangeRequest.key(bs("a")));
            await("three events", () -> rec.events().size() == 3);
        }
        List<Event> ev = rec.events();
        assertThat(ev.get(0).prevKv()).isNull();
        assertThat(ev.get(1).prevKv().value()).isEqualTo(bs("1"));
        assertThat(ev.get(2).type()).isEqualTo(Event.Type.DELETE);
        assertThat(ev.get(2).kv().modRevision()).isEqualTo(4);
        assertThat(ev.get(2).kv().value()).isEmpty();
        assertThat(ev.get(2).prevKv().value()).isEqualTo(bs("2"));
    }

    @Test
    void watchFiltersPutsOrDeletes() {
        var noPuts = new Fixtures.Recorder();
        var noDeletes = new Fixtures.Recorder();
        try (Watch a = store.watch(new WatchRequest(bs("a"), bs(""), 0, false, false, true, false), noPuts);
             Watch b = store.watch(new WatchRequest(bs("a"), bs(""), 0, false, false, false, true), noDeletes)) {
            put("a", "1");
            store.deleteRange(DeleteRangeRequest.key(bs("a")));
            await("both", () -> !noPuts.batches.isEmpty() && !noDeletes.batches.isEmpty());
            put("b", "sentinel-not-watched");
        }
        assertThat(noPuts.events()).extracting(Event::type).containsExactly(Event.Type.DELETE);
        assertThat(noDeletes.events()).extracting(Event::type).containsExactly(Event.Type.PUT);
    }

    @Test
    void watchBelowCompactRevisionFailsWithCompactedOnly() {
        put("a", "1");
        put("a", "2");
        put("a", "3");
        store.compact(3);
        var rec = new Fixtures.Recorder();
        store.watch(WatchRequest.key(bs("a"), 2), rec);
        await("error", () -> !rec.errors.isEmpty());
        assertThat(rec.errors).singleElement().isInstanceOf(CompactedException.class);
        assertThat(((CompactedException) rec.errors.getFirst()).compactRevision()).isEqualTo(3);
        put("a", "4");
        assertThat(rec.batches).isEmpty();
        // exactly at the compact revision is still allowed
        var ok = new Fixtures.Recorder();
        try (Watch w = store.watch(WatchRequest.key(bs("a"), 3), ok)) {
            await("replay from compact revision", () -> ok.batches.size() == 3);
        }
        assertThat(ok.batches).extracting(Fixtures.Recorder.Batch::revision).containsExactly(3L, 4L, 5L);
        assertThat(ok.errors).isEmpty();
    }

    @Test
    void progressNotifyReachesIdleWatch() {
        put("a", "1");
        var rec = new Fixtures.Recorder();
        try (Watch w = store.watch(WatchRequest.key(bs("x"), 0).withProgressNotify(), rec)) {
            await("progress", () -> rec.progress.size() >= 2);
        }
        assertThat(rec.progress.getFirst()).isEqualTo(2);
        assertThat(rec.batches).isEmpty();
    }

    @Test
    void requestProgressReportsCurrentRevision() {
        var rec = new Fixtures.Recorder();
        try (Watch w = store.watch(WatchRequest.key(bs("x"), 0), rec)) {
            put("a", "1");
            put("a", "2");
            w.requestProgress();
            await("progress", () -> !rec.progress.isEmpty());
        }
        assertThat(rec.progress.getFirst()).isEqualTo(3);
    }

    @Test
    void slowListenerDoesNotBlockWriters() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        var rec = new Fixtures.Recorder() {
            @Override
            public void onEvents(long revision, List<Event> events) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.onEvents(revision, events);
            }
        };
        try (Watch w = store.watch(WatchRequest.key(bs("a"), 0), rec)) {
            long start = System.nanoTime();
            for (int i = 0; i < 30; i++) {
                put("a", Integer.toString(i));
            }
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(5);
            assertThat(rec.batches).isEmpty();
            release.countDown();
            await("all delivered", () -> rec.batches.size() == 30);
        }
        assertThat(rec.batches).extracting(Fixtures.Recorder.Batch::revision)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(2, 31).boxed().toList());
    }

    @Test
    void everyChangeArrivesOnceInOrderUnderConcurrentWrites() throws Exception {
        var rec = new Fixtures.Recorder();
        put("w/seed", "0");
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 100; i++) {
                int n = i;
                pool.submit(() -> put("w/" + (n % 7), Integer.toString(n)));
                if (i == 50) {
                    store.watch(WatchRequest.prefix(bs("w/"), 1), rec); // replay and live overlap here
                }
            }
        }
        await("101 events", () -> rec.events().size() == 101);
        List<Long> revs = new ArrayList<>(rec.batches.stream().map(Fixtures.Recorder.Batch::revision).toList());
        assertThat(revs).isSorted().doesNotHaveDuplicates();
        assertThat(revs).containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(2, 102).boxed().toList());
    }

    @Test
    void closedWatchStopsDelivery() {
        var rec = new Fixtures.Recorder();
        Watch w = store.watch(WatchRequest.key(bs("a"), 0), rec);
        put("a", "1");
        await("first", () -> rec.batches.size() == 1);
        w.close();
        await("session gone", () -> store.activeWatches() == 0);
        put("a", "2");
        assertThat(rec.batches).hasSize(1);
    }

    @Test
    void aListenerThatThrowsEndsItsWatchWithAnErrorNotSilence() {
        var errors = new java.util.concurrent.CopyOnWriteArrayList<dev.skiff.store.StoreException>();
        try (Watch w = store.watch(WatchRequest.prefix(bs("t/"), 0), new dev.skiff.store.WatchListener() {
            @Override
            public void onEvents(long revision, java.util.List<dev.skiff.store.Event> events) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onError(dev.skiff.store.StoreException error) {
                errors.add(error);
            }
        })) {
            put("t/a", "1");
            await("the watch reports its end", () -> !errors.isEmpty());
        }
        assertThat(errors.getFirst().getMessage()).contains("listener bug");
    }
}
