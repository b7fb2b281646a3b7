package dev.skiff.store.embedded;

import static dev.skiff.store.embedded.Fixtures.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.store.KeyRange;
import dev.skiff.store.KeyValue;
import dev.skiff.store.PutRequest;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.TxnRequest;
import dev.skiff.store.UnavailableException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreSnapshotTest {
    @TempDir
    Path tmp;

    private static byte[] bytes(EmbeddedStore store) {
        var out = new ByteArrayOutputStream();
        store.snapshot(out);
        return out.toByteArray();
    }

    private byte[] snapshotWithOneKey() {
        try (EmbeddedStore store = Fixtures.open(tmp.resolve("src"), new Fixtures.ManualClock())) {
            store.put(PutRequest.of(bs("a"), bs("hello")));
            return bytes(store);
        }
    }

    private static List<KeyValue> all(EmbeddedStore store) {
        return store.range(RangeRequest.key(KeyRange.ALL).withRangeEnd(KeyRange.ALL)).kvs();
    }

    @Test
    void snapshotRestoresDataRevisionsAndLeases() {
        byte[] snapshot;
        List<KeyValue> before;
        long lease;
        try (EmbeddedStore store = Fixtures.open(tmp.resolve("src"), new Fixtures.ManualClock())) {
            lease = store.leaseGrant(0, 30).id();
            store.put(PutRequest.of(bs("a"), bs("1")));
            store.put(PutRequest.of(bs("a"), bs("2")).withLease(lease));
            store.put(PutRequest.of(bs("b"), bs("1")));
            store.compact(3);
            before = all(store);
            snapshot = bytes(store);
        }
        Path restored = tmp.resolve("restored");
        EmbeddedStore.restore(new ByteArrayInputStream(snapshot), restored);
        try (EmbeddedStore store = Fixtures.open(restored, new Fixtures.ManualClock())) {
            assertThat(all(store)).isEqualTo(before);
            assertThat(store.status().revision()).isEqualTo(4);
            assertThat(store.status().compactRevision()).isEqualTo(3);
            assertThat(store.leaseTimeToLive(lease, true).keys()).containsExactly(bs("a"));
        }
    }

    @Test
    void corruptSnapshotIsRefusedAndLeavesNothingBehind() {
        byte[] snapshot = snapshotWithOneKey();
        byte[] flipped = snapshot.clone();
        flipped[flipped.length / 2] ^= 0x5a;
        Path target = tmp.resolve("restored");
        assertThatThrownBy(() -> EmbeddedStore.restore(new ByteArrayInputStream(flipped), target))
                .isInstanceOf(UnavailableException.class).hasMessageContaining("corrupt skiff snapshot");
        byte[] truncated = java.util.Arrays.copyOf(snapshot, snapshot.length - 10);
        assertThatThrownBy(() -> EmbeddedStore.restore(new ByteArrayInputStream(truncated), target))
                .isInstanceOf(UnavailableException.class);
        assertThat(Files.exists(target)).isFalse();
        assertThat(tmp.toFile().list()).containsExactly("src");
    }

    @Test
    void snapshotCarriesEtcdFramingAlignedBodyThenItsSha256() throws Exception {
        byte[] snapshot;
        try (EmbeddedStore store = Fixtures.open(tmp.resolve("src"), new Fixtures.ManualClock())) {
            for (int i = 0; i < 37; i++) {
                store.put(PutRequest.of(bs("key-" + i), bs("value-" + i)));
            }
            snapshot = bytes(store);
        }
        assertThat(snapshot.length % 512).as("etcdctl 3.4 checks size %% 512 == sha256 size").isEqualTo(32);
        byte[] body = java.util.Arrays.copyOf(snapshot, snapshot.length - 32);
        byte[] trailer = java.util.Arrays.copyOfRange(snapshot, snapshot.length - 32, snapshot.length);
        assertThat(trailer).isEqualTo(java.security.MessageDigest.getInstance("SHA-256").digest(body));
    }

    @Test
    void bytesAfterTheChecksumAreRefused() {
        byte[] snapshot = snapshotWithOneKey();
        byte[] longer = java.util.Arrays.copyOf(snapshot, snapshot.length + 1);
        Path target = tmp.resolve("restored");
        assertThatThrownBy(() -> EmbeddedStore.restore(new ByteArrayInputStream(longer), target))
                .isInstanceOf(UnavailableException.class).hasMessageContaining("after the checksum");
        assertThat(Files.exists(target)).isFalse();
    }

    @Test
    void restoreRefusesNonEmptyDirectory() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(target.resolve("keep.txt"), "mine");
        assertThatThrownBy(() -> EmbeddedStore.restore(new ByteArrayInputStream(new byte[0]), target))
                .isInstanceOf(UnavailableException.class).hasMessageContaining("not empty");
        assertThat(Files.readString(target.resolve("keep.txt"))).isEqualTo("mine");
    }

    @Test
    void onlineSnapshotIsConsistentUnderConcurrentTxns() throws Exception {
        byte[] snapshot;
        try (EmbeddedStore store = Fixtures.open(tmp.resolve("src"), new Fixtures.ManualClock())) {
            AtomicBoolean stop = new AtomicBoolean();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < 4; t++) {
                    int thread = t;
                    pool.submit(() -> {
                        for (int i = 0; !stop.get(); i++) {
                            String n = thread + "-" + i;
                            store.txn(new TxnRequest(List.of(), List.of(PutRequest.of(bs("a/" + n), bs(n)),
                                    PutRequest.of(bs("b/" + n), bs(n))), List.of()));
                        }
                        return null;
                    });
                }
                Fixtures.await("some txns", () -> store.status().revision() > 20);
                snapshot = bytes(store);
                stop.set(true);
            }
        }
        Path restored = tmp.resolve("restored");
        EmbeddedStore.restore(new ByteArrayInputStream(snapshot), restored);
        try (EmbeddedStore store = Fixtures.open(restored, new Fixtures.ManualClock())) {
            List<KeyValue> kvs = all(store);
            long as = kvs.stream().filter(kv -> kv.key().startsWith(bs("a/"))).count();
            long bs = kvs.stream().filter(kv -> kv.key().startsWith(bs("b/"))).count();
            assertThat(as).isPositive().isEqualTo(bs);
            long maxMod = kvs.stream().mapToLong(KeyValue::modRevision).max().orElseThrow();
            assertThat(store.status().revision()).isEqualTo(maxMod);
        }
    }
}
