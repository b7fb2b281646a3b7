package dev.skiff.store.embedded;

import static dev.skiff.store.embedded.Fixtures.await;
import static dev.skiff.store.embedded.Fixtures.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.store.CompactedException;
import dev.skiff.store.DeleteRangeRequest;
import dev.skiff.store.FutureRevisionException;
import dev.skiff.store.KeyRange;
import dev.skiff.store.PutRequest;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreCompactionTest {
    @TempDir
    Path dir;

    @Test
    void compactRejectsFutureAndAlreadyCompactedRevisions() {
        try (EmbeddedStore store = Fixtures.open(dir, new Fixtures.ManualClock())) {
            store.put(PutRequest.of(bs("a"), bs("1")));
            assertThatThrownBy(() -> store.compact(3)).isInstanceOf(FutureRevisionException.class);
            store.compact(2);
            assertThatThrownBy(() -> store.compact(2)).isInstanceOf(CompactedException.class);
            assertThatThrownBy(() -> store.compact(1)).isInstanceOf(CompactedException.class);
            assertThat(store.status().compactRevision()).isEqualTo(2);
        }
    }

    @Test
    void compactKeepsLatestVersionOfLiveKeysAndDropsDeletedOnes() {
        try (EmbeddedStore store = Fixtures.open(dir, new Fixtures.ManualClock())) {
            store.put(PutRequest.of(bs("live"), bs("1"))); // 2
            store.put(PutRequest.of(bs("live"), bs("2"))); // 3
            store.put(PutRequest.of(bs("gone"), bs("1"))); // 4
            store.deleteRange(DeleteRangeRequest.key(bs("gone"))); // 5
            store.put(PutRequest.of(bs("other"), bs("1"))); // 6
            store.compact(6);
            // live@3 and other@6 remain; live@2, gone@4 and its tombstone@5 are gone
            assertThat(store.historyVersions()).isEqualTo(2);
            var all = store.range(RangeRequest.key(bs("a")).withRangeEnd(KeyRange.ALL).atRevision(6));
            assertThat(all.kvs()).extracting(kv -> kv.key().toStringUtf8()).containsExactly("live", "other");
            assertThat(all.kvs().getFirst().value()).isEqualTo(bs("2"));
            assertThatThrownBy(() -> store.range(RangeRequest.key(bs("live")).atRevision(5)))
                    .isInstanceOf(CompactedException.class);
        }
    }

    @Test
    void autoCompactionKeepsRetentionAndBoundsHistory() {
        var clock = new Fixtures.ManualClock();
        var config = new EmbeddedStoreConfig(dir, Store.DEFAULT_MAX_REQUEST_BYTES, Duration.ofMinutes(5),
                Duration.ofSeconds(10));
        try (EmbeddedStore store = Fixtures.open(config, clock)) {
            long previousTickRevision = store.status().revision(); // recorded at open
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < 50; i++) {
                    store.put(PutRequest.of(bs("k" + (i % 5)), bs(round + "-" + i)));
                }
                long revisionBeforeTick = store.status().revision();
                clock.advance(Duration.ofMinutes(5));
                long ticks = round + 1;
                await("tick " + ticks, () -> store.compactionTicks() == ticks);
                // each tick compacts to the revision recorded at the previous one (the first: at open)
                assertThat(store.status().compactRevision()).isEqualTo(previousTickRevision);
                previousTickRevision = revisionBeforeTick;
            }
            // what is left: the last retention period (50 writes) plus the 5 versions current at the cut
            assertThat(store.historyVersions()).isEqualTo(5 + 50);
        }
    }
}
