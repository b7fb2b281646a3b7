package dev.skiff.scheduler.framework;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Runs a piece of work over indexes on a small pool, as upstream's parallelize.Parallelizer
 * (default parallelism 16 there; here the machine's cores unless configured). Below a small size
 * the work runs on the caller: handing off a few nodes costs more than it saves.
 */
public final class Parallelizer implements AutoCloseable {
    private static final int SEQUENTIAL_BELOW = 32;
    private final ForkJoinPool pool;

    public Parallelizer(int parallelism) {
        this.pool = parallelism <= 1 ? null : new ForkJoinPool(parallelism);
    }

    public void until(int pieces, IntConsumer work) {
        if (pool == null || pieces < SEQUENTIAL_BELOW) {
            for (int i = 0; i < pieces; i++) {
                work.accept(i);
            }
            return;
        }
        pool.submit(() -> IntStream.range(0, pieces).parallel().forEach(work)).join();
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
