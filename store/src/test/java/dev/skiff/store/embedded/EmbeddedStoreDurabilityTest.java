package dev.skiff.store.embedded;

import static dev.skiff.store.embedded.Fixtures.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.store.DeleteRangeRequest;
import dev.skiff.store.KeyRange;
import dev.skiff.store.KeyValue;
import dev.skiff.store.PutRequest;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.RangeResponse;
import dev.skiff.store.TxnRequest;
import dev.skiff.store.UnavailableException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreDurabilityTest {
    @TempDir
    Path dir;

    private static Map<String, KeyValue> all(EmbeddedStore store) {
        return store.range(RangeRequest.key(KeyRange.ALL).withRangeEnd(KeyRange.ALL)).kvs().stream()
                .collect(Collectors.toMap(kv -> kv.key().toStringUtf8(), Function.identity()));
    }

    @Test
    void reopenKeepsEveryWriteRevisionCountersAndLeases() {
        var clock = new Fixtures.ManualClock();
        Map<String, KeyValue> before;
        long revision;
        long lease;
        try (EmbeddedStore store = Fixtures.open(dir, clock)) {
            lease = store.leaseGrant(0, 100).id();
            store.put(PutRequest.of(bs("a"), bs("1")));
            store.put(PutRequest.of(bs("a"), bs("2")));
            store.put(PutRequest.of(bs("gone"), bs("1")));
            store.deleteRange(DeleteRangeRequest.key(bs("gone")));
            store.txn(new TxnRequest(List.of(), List.of(PutRequest.of(bs("t1"), bs("x")),
                    PutRequest.of(bs("t2"), bs("y")).withLease(lease)), List.of()));
            store.compact(3);
            store.put(PutRequest.of(bs("a"), bs("3")));
            clock.advance(Duration.ofSeconds(60));
            assertThat(store.leaseTimeToLive(lease, false).ttl()).isEqualTo(40);
            before = all(store);
            revision = store.status().revision();
        }
        try (EmbeddedStore store = Fixtures.open(dir, clock)) {
            assertThat(all(store)).isEqualTo(before);
            assertThat(store.status().revision()).isEqualTo(revision).isEqualTo(7);
            assertThat(store.status().compactRevision()).isEqualTo(3);
            assertThat(store.range(RangeRequest.key(bs("a")).atRevision(3)).kvs().getFirst().value()).isEqualTo(bs("2"));
            assertThat(store.leases()).containsExactly(lease);
            // as etcd: a reopened store gives every lease its full TTL again
            assertThat(store.leaseTimeToLive(lease, true).ttl()).isEqualTo(100);
            assertThat(store.leaseTimeToLive(lease, true).keys()).containsExactly(bs("t2"));
            store.leaseRevoke(lease); // attachments were rebuilt: revoke deletes the key
            assertThat(all(store)).doesNotContainKey("t2");
            assertThat(store.put(PutRequest.of(bs("next"), bs("1"))).revision()).isEqualTo(9);
        }
    }

    @Test
    void openingForeignDirectoryFailsClearly() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "not a store");
        assertThatThrownBy(() -> Fixtures.open(dir, new Fixtures.ManualClock()))
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("no 'skiff-store' marker")
                .hasMessageContaining("notes.txt");
        assertThat(Files.readString(dir.resolve("notes.txt"))).isEqualTo("not a store");
        assertThat(Files.exists(dir.resolve("db"))).isFalse();
    }

    @Test
    void openingCorruptDatabaseFailsClearly() throws Exception {
        try (EmbeddedStore store = Fixtures.open(dir, new Fixtures.ManualClock())) {
            store.put(PutRequest.of(bs("a"), bs("1")));
        }
        Files.writeString(dir.resolve("db").resolve("CURRENT"), "MANIFEST-999999\n");
        assertThatThrownBy(() -> Fixtures.open(dir, new Fixtures.ManualClock()))
                .isInstanceOf(UnavailableException.class)
                .hasMessageStartingWith("cannot open skiff store at " + dir.resolve("db"));
        Files.delete(dir.resolve("db").resolve("CURRENT"));
        assertThatThrownBy(() -> Fixtures.open(dir, new Fixtures.ManualClock()))
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("no CURRENT file");
        Files.writeString(dir.resolve(DataDir.MARKER), "something else");
        assertThatThrownBy(() -> Fixtures.open(dir, new Fixtures.ManualClock()))
                .isInstanceOf(UnavailableException.class).hasMessageContaining("unexpected content");
    }

    @Test
    void openingStoreWithUnreadableLogRecordFailsClearly() throws Exception {
        try (EmbeddedStore store = Fixtures.open(dir, new Fixtures.ManualClock())) {
            store.put(PutRequest.of(bs("a"), bs("1")));
        }
        try (Backend backend = Backend.open(dir.resolve(DataDir.DB), false);
             var batch = new org.rocksdb.WriteBatch()) {
            batch.put(backend.logHandle(), ChangeRecord.logKey(3, 0), new byte[] {42, 1, 2});
            backend.commit(batch);
        }
        assertThatThrownBy(() -> Fixtures.open(dir, new Fixtures.ManualClock()))
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("unknown log record format");
    }

    @Test
    void callsAfterCloseAreUnavailable() {
        EmbeddedStore store = Fixtures.open(dir, new Fixtures.ManualClock());
        store.close();
        store.close(); // idempotent
        assertThatThrownBy(() -> store.put(PutRequest.of(bs("a"), bs("1")))).isInstanceOf(UnavailableException.class);
        assertThatThrownBy(() -> store.range(RangeRequest.key(bs("a")))).isInstanceOf(UnavailableException.class);
        assertThatThrownBy(store::status).isInstanceOf(UnavailableException.class);
        assertThatThrownBy(() -> store.leaseGrant(0, 5)).isInstanceOf(UnavailableException.class);
    }

    @Test
    void readersDoNotSeeWriteBeforeItIsSynced() throws Exception {
        try (EmbeddedStore store = Fixtures.open(dir, new Fixtures.ManualClock())) {
            CountDownLatch inSync = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            store.beforeSyncHook(() -> {
                inSync.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            var rec = new Fixtures.Recorder();
            store.watch(dev.skiff.store.WatchRequest.key(bs("a"), 0), rec);
            Thread writer = Thread.ofVirtual().start(() -> store.put(PutRequest.of(bs("a"), bs("1"))));
            assertThat(inSync.await(10, TimeUnit.SECONDS)).isTrue();
            // applied in memory, not yet durable: invisible to reads, status and watches
            assertThat(store.range(RangeRequest.key(bs("a"))).kvs()).isEmpty();
            assertThat(store.status().revision()).isEqualTo(1);
            Thread.sleep(50);
            assertThat(rec.batches).isEmpty();
            assertThat(writer.isAlive()).isTrue();
            release.countDown();
            writer.join();
            assertThat(store.range(RangeRequest.key(bs("a"))).kvs()).hasSize(1);
            Fixtures.await("watch event", () -> rec.batches.size() == 1);
        }
    }

    @Test
    void failedSyncMakesStoreRefuseWritesButKeepServingDurableReads() {
        try (EmbeddedStore store = Fixtures.open(dir, new Fixtures.ManualClock())) {
            store.put(PutRequest.of(bs("a"), bs("1")));
            store.beforeSyncHook(() -> {
                throw new IllegalStateException("disk on fire");
            });
            assertThatThrownBy(() -> store.put(PutRequest.of(bs("a"), bs("2"))))
                    .isInstanceOf(UnavailableException.class).hasMessageContaining("disk on fire");
            assertThatThrownBy(() -> store.put(PutRequest.of(bs("b"), bs("1"))))
                    .isInstanceOf(UnavailableException.class).hasMessageContaining("failed to commit");
            // the unsynced change never becomes visible
            assertThat(store.range(RangeRequest.key(bs("a"))).kvs().getFirst().value()).isEqualTo(bs("1"));
            assertThat(store.status().revision()).isEqualTo(2);
        }
    }

    @Test
    void concurrentWritersShareFsyncs() throws Exception {
        try (EmbeddedStore store = Fixtures.open(dir, new Fixtures.ManualClock())) {
            long syncsBefore = store.syncCount();
            long started = System.nanoTime();
            CountDownLatch go = new CountDownLatch(1);
            int writers = 64;
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < writers; i++) {
                    String k = "k" + i;
                    pool.submit(() -> {
                        go.await();
                        return store.put(PutRequest.of(bs(k), bs("v")));
                    });
                }
                go.countDown();
            }
            long syncs = store.syncCount() - syncsBefore;
            System.out.printf("group commit: %d concurrent puts took %d fsyncs in %d ms%n", writers, syncs,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            assertThat(store.status().revision()).isEqualTo(1 + writers);
            assertThat(syncs).isLessThan(writers / 2);
        }
    }

    @Test
    void killedProcessReopensWithAcknowledgedWritesAndWholeTxns() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), CrashWriter.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Set<String> acked = new HashSet<>();
        long lease = 0;
        try (var out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (acked.size() < 300 && (line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    acked.add(line.substring(4));
                } else if (line.startsWith("LEASE ")) {
                    lease = Long.parseLong(line.substring(6));
                }
            }
            child.destroyForcibly(); // SIGKILL while writers are mid-flight
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acked).hasSize(300);
        try (EmbeddedStore store = Fixtures.open(dir, new Fixtures.ManualClock())) {
            Map<String, KeyValue> kvs = all(store);
            for (String name : acked) {
                assertThat(kvs).containsKeys("a/" + name, "b/" + name);
            }
            List<String> torn = new ArrayList<>();
            long maxMod = 0;
            for (KeyValue kv : kvs.values()) {
                String key = kv.key().toStringUtf8();
                maxMod = Math.max(maxMod, kv.modRevision());
                if (key.startsWith("a/") && !kvs.containsKey("b/" + key.substring(2))
                        || key.startsWith("b/") && !kvs.containsKey("a/" + key.substring(2))) {
                    torn.add(key);
                }
            }
            assertThat(torn).as("half-applied txns").isEmpty();
            assertThat(store.status().revision()).isEqualTo(maxMod);
            assertThat(store.leases()).containsExactly(lease);
            RangeResponse leased = store.range(RangeRequest.key(bs("leased")));
            assertThat(leased.kvs().getFirst().lease()).isEqualTo(lease);
        }
    }

    @Test
    void aDatabaseLeftHalfCreatedByACrashDuringFirstOpenIsCreatedAgain() throws Exception {
        // as a crash between RocksDB creating its files and the format marker going in would leave it
        var half = java.nio.file.Files.createDirectories(dir.resolve("fresh").resolve("db.new"));
        java.nio.file.Files.writeString(half.resolve("CURRENT"), "MANIFEST-000001\n");
        DataDir.writeMarker(dir.resolve("fresh"));
        try (EmbeddedStore store = Fixtures.open(dir.resolve("fresh"), new Fixtures.ManualClock())) {
            store.put(dev.skiff.store.PutRequest.of(Fixtures.bs("k"), Fixtures.bs("v")));
        }
        try (EmbeddedStore store = Fixtures.open(dir.resolve("fresh"), new Fixtures.ManualClock())) {
            assertThat(store.status().revision()).isEqualTo(2);
        }
        assertThat(dir.resolve("fresh").resolve("db.new")).doesNotExist();
    }

    @Test
    void closeFromAnInterruptedThreadStillWaitsForTheStoreThreads() {
        EmbeddedStore store = Fixtures.open(dir.resolve("interrupted"), new Fixtures.ManualClock());
        store.put(dev.skiff.store.PutRequest.of(Fixtures.bs("k"), Fixtures.bs("v")));
        Thread.currentThread().interrupt();
        try {
            store.close();
            assertThat(Thread.currentThread().isInterrupted()).as("the caller's interrupt is kept").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("skiff-store-writer") && t.isAlive()
                && t.getState() != Thread.State.TERMINATED);
    }
}
