package dev.skiff.bench.store;

import com.google.protobuf.ByteString;
import dev.skiff.store.Event;
import dev.skiff.store.PutRequest;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.Store;
import dev.skiff.store.StoreException;
import dev.skiff.store.Watch;
import dev.skiff.store.WatchListener;
import dev.skiff.store.WatchRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** The store workloads of docs/benchmarks.md, each against any {@link Store}. */
final class StoreWorkloads {
    static final int VALUE_BYTES = 256;

    record PutResult(int clients, double opsPerSecond, double p50Millis, double p99Millis) {
    }

    record RangeResult(int keys, double p50Millis, double p99Millis) {
    }

    record WatchResult(int watchers, int events, double p50Millis, double p99Millis) {
    }

    private StoreWorkloads() {
    }

    /** {@code clients} virtual threads putting distinct keys as fast as acknowledgements come back. */
    static PutResult puts(Store store, String prefix, int clients, Duration warmup, Duration measure) throws InterruptedException {
        var perClient = new ArrayList<Latencies>();
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long end = measureFrom + measure.toNanos();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                var latencies = new Latencies();
                perClient.add(latencies);
                final int client = c;
                pool.submit(() -> {
                    var value = ByteString.copyFrom(new byte[VALUE_BYTES]);
                    for (long i = 0; ; i++) {
                        long t0 = System.nanoTime();
                        if (t0 >= end) {
                            return;
                        }
                        store.put(PutRequest.of(ByteString.copyFromUtf8(prefix + client + "/" + (i % 10_000)), value));
                        long t1 = System.nanoTime();
                        if (t0 >= measureFrom) {
                            latencies.add(t1 - t0);
                        }
                    }
                });
            }
        }
        var all = new Latencies();
        perClient.forEach(all::addAll);
        return new PutResult(clients, all.count() / (measure.toNanos() / 1e9), all.percentileMillis(0.50), all.percentileMillis(0.99));
    }

    /** Reads all {@code keys} keys under a prefix, {@code rounds} times. */
    static RangeResult ranges(Store store, String prefix, int keys, int rounds) throws InterruptedException {
        var value = ByteString.copyFrom(new byte[VALUE_BYTES]);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < 16; w++) {
                final int writer = w;
                pool.submit(() -> {
                    for (int i = writer; i < keys; i += 16) {
                        store.put(PutRequest.of(ByteString.copyFromUtf8(prefix + String.format("%06d", i)), value));
                    }
                });
            }
        }
        var request = RangeRequest.prefix(ByteString.copyFromUtf8(prefix));
        var latencies = new Latencies();
        for (int r = 0; r < rounds + 3; r++) {
            long t0 = System.nanoTime();
            var response = store.range(request);
            long t1 = System.nanoTime();
            if (response.kvs().size() != keys) {
                throw new IllegalStateException("range returned " + response.kvs().size() + " keys, expected " + keys);
            }
            if (r >= 3) {
                latencies.add(t1 - t0);
            }
        }
        return new RangeResult(keys, latencies.percentileMillis(0.50), latencies.percentileMillis(0.99));
    }

    /**
     * {@code watchers} watches on one prefix; one writer puts {@code events} keys whose values carry
     * the send time; latency is from before the put to delivery at each watcher.
     */
    static WatchResult watchDelivery(Store store, String prefix, int watchers, int events) throws InterruptedException {
        var done = new CountDownLatch(watchers);
        var perWatcher = new ArrayList<Latencies>();
        List<Watch> watches = new ArrayList<>();
        long startRevision = store.status().revision() + 1;
        for (int w = 0; w < watchers; w++) {
            var latencies = new Latencies();
            perWatcher.add(latencies);
            watches.add(store.watch(WatchRequest.prefix(ByteString.copyFromUtf8(prefix), startRevision), new WatchListener() {
                int seen;

                @Override
                public void onEvents(long revision, List<Event> batch) {
                    long now = System.nanoTime();
                    for (Event e : batch) {
                        latencies.add(now - e.kv().value().asReadOnlyByteBuffer().getLong());
                        if (++seen == events) {
                            done.countDown();
                        }
                    }
                }

                @Override
                public void onError(StoreException error) {
                    throw error;
                }
            }));
        }
        Thread.sleep(500); // let every watch be established before the first event
        for (int i = 0; i < events; i++) {
            var value = ByteBuffer.allocate(VALUE_BYTES).putLong(0, System.nanoTime());
            store.put(PutRequest.of(ByteString.copyFromUtf8(prefix + i), ByteString.copyFrom(value)));
            Thread.sleep(2);
        }
        boolean complete = done.await(120, TimeUnit.SECONDS);
        watches.forEach(Watch::close);
        if (!complete) {
            throw new IllegalStateException("not every watcher saw all " + events + " events within 120 s");
        }
        var all = new Latencies();
        perWatcher.forEach(all::addAll);
        return new WatchResult(watchers, events, all.percentileMillis(0.50), all.percentileMillis(0.99));
    }
}
