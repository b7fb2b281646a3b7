package dev.skiff.store.embedded;

import com.google.protobuf.ByteString;
import dev.skiff.store.Event;
import dev.skiff.store.StoreException;
import dev.skiff.store.WatchListener;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/** Shared helpers for the embedded store tests. */
final class Fixtures {
    private Fixtures() {
    }

    static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static EmbeddedStoreConfig config(Path dir) {
        return new EmbeddedStoreConfig(dir, 64 * 1024, Duration.ZERO, Duration.ofMillis(100));
    }

    static EmbeddedStore open(Path dir, Clock clock) {
        return EmbeddedStore.open(config(dir), clock, Duration.ofMillis(20));
    }

    static EmbeddedStore open(EmbeddedStoreConfig config, Clock clock) {
        return EmbeddedStore.open(config, clock, Duration.ofMillis(20));
    }

    /** Polls until the condition holds or the deadline passes. */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** A clock tests move by hand. */
    static final class ManualClock extends Clock {
        private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

        void advance(Duration d) {
            millis.addAndGet(d.toMillis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }
    }

    /** Records everything a watch delivers. */
    static class Recorder implements WatchListener {
        record Batch(long revision, List<Event> events) {
        }

        final List<Batch> batches = new CopyOnWriteArrayList<>();
        final List<Long> progress = new CopyOnWriteArrayList<>();
        final List<StoreException> errors = new CopyOnWriteArrayList<>();

        @Override
        public void onEvents(long revision, List<Event> events) {
            batches.add(new Batch(revision, events));
        }

        @Override
        public void onProgress(long revision) {
            progress.add(revision);
        }

        @Override
        public void onError(StoreException error) {
            errors.add(error);
        }

        List<Event> events() {
            return batches.stream().flatMap(b -> b.events().stream()).toList();
        }
    }
}
