package dev.skiff.scheduler.framework;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Runs a piece of work over indexes with up to {@code parallelism} threads, as upstream's parallelize.Parallelizer
 * (default parallelism 16 there; here at most the machine's cores, one fewer inside `skiff server`: {@link #threads}). The pieces are claimed a chunk at a time
 * (upstream's chunk size: the square root of the count, at most count / parallelism + 1) by the calling thread and by
 * helpers handed to a small pool. The caller works too and waits only for chunks a helper has claimed, never for a
 * helper that has not started: when the other cores are busy (the API server in the same process) the work runs on
 * the caller rather than waiting for a worker to be scheduled, and a late helper finds nothing left. Below a small
 * count everything runs on the caller: handing off a few pieces costs more than it saves.
 */
public final class Parallelizer implements AutoCloseable {
    private static final int SEQUENTIAL_BELOW = 32;
    private final int parallelism;
    private final ExecutorService helpers;

    public Parallelizer(int parallelism) {
        this.parallelism = Math.max(1, parallelism);
        this.helpers = this.parallelism == 1 ? null
                : Executors.newFixedThreadPool(this.parallelism - 1, Thread.ofPlatform().name("scheduler-parallelizer-", 0).daemon().factory());
    }

    /**
     * The parallelism for a scheduler that shares its process with the API server (`skiff server`; the scheduler
     * benchmark through the API): the configured one, at most one fewer than the cores. The API server does more work
     * per pod than the scheduler; on two cores, Filter and Score on both (the API server's threads wanting them too)
     * measured 648-723 pods/s on SchedulingBasic against 823-986 on one (docs/benchmarks.md). A scheduler alone
     * (`skiff scheduler`) gets the configured parallelism, at most the cores.
     */
    public static int threads(int parallelism, int cores) {
        return Math.max(1, Math.min(parallelism, cores - 1));
    }

    /** Runs {@code work} for every index in [0, pieces), concurrently; returns once all have run (rethrowing a failure). */
    public void until(int pieces, IntConsumer work) {
        if (helpers == null || pieces < SEQUENTIAL_BELOW) {
            for (int i = 0; i < pieces; i++) {
                work.accept(i);
            }
            return;
        }
        var run = new Run(pieces, chunkSize(pieces, parallelism), work);
        for (int i = 1; i < parallelism; i++) {
            helpers.execute(run::work);
        }
        run.work();
        run.await();
    }

    /** Upstream's chunkSizeFor: sqrt(n), at most n / parallelism + 1, at least 1. */
    static int chunkSize(int pieces, int parallelism) {
        int size = (int) Math.sqrt(pieces);
        return Math.max(1, Math.min(size, pieces / parallelism + 1));
    }

    private static final class Run {
        private final int pieces;
        private final int chunk;
        private final IntConsumer work;
        private final Thread caller = Thread.currentThread();
        private final AtomicInteger next = new AtomicInteger();
        /** Pieces not run yet, whoever claimed them; the caller returns when it reaches 0. */
        private final AtomicInteger unfinished;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Run(int pieces, int chunk, IntConsumer work) {
            this.pieces = pieces;
            this.chunk = chunk;
            this.work = work;
            this.unfinished = new AtomicInteger(pieces);
        }

        /** Claims and runs chunks until none is left (after a failure, claimed chunks are only counted off). */
        void work() {
            int start;
            while ((start = next.getAndAdd(chunk)) < pieces) {
                int end = Math.min(start + chunk, pieces);
                try {
                    for (int i = start; i < end && failure.get() == null; i++) {
                        work.accept(i);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (unfinished.addAndGet(start - end) == 0) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        /** Waits (uninterruptibly: helpers still use this run) until every claimed chunk has run. */
        void await() {
            boolean interrupted = false;
            while (unfinished.get() > 0) {
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            Throwable t = failure.get();
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
    }

    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }
}
