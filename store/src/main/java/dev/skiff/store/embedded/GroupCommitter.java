package dev.skiff.store.embedded;

import dev.skiff.store.StoreException;
import dev.skiff.store.UnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.RocksDBException;

/**
 * The single writer. It takes every queued mutation, applies them in order (each sees the
 * effects of the ones before it), writes the lot as one synced RocksDB batch, then publishes
 * and completes the callers. Concurrent writers therefore share fsyncs: N callers arriving
 * while a sync is in flight cost one more sync, not N.
 */
final class GroupCommitter {
    private static final int MAX_BATCH = 1024;

    private record Pending(Mutation mutation, CompletableFuture<Object> result) {
    }

    private final StateMachine state;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong committedMutations = new AtomicLong();
    private volatile boolean running = true;
    private volatile StoreException failure;
    /** Test hook run after a batch is applied in memory and before it is synced. */
    volatile Runnable beforeSync = () -> { };

    GroupCommitter(StateMachine state) {
        this.state = state;
        this.thread = Thread.ofPlatform().name("skiff-store-writer").daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /**
     * Queues the mutation; the future completes (on the writer thread) once it is durable and
     * visible, or fails with the StoreException that refused it.
     */
    CompletableFuture<Object> submitAsync(Mutation m) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        StoreException failed = failure;
        if (failed != null) {
            throw failed;
        }
        queue.add(new Pending(m, f));
        if (!running) {
            // the writer is gone (closed or failed): nobody else will complete what is queued
            drainWith(failure != null ? failure : new UnavailableException("skiff store is closed"));
        }
        return f;
    }

    /** Queues the mutation and blocks until it is durable and visible (or refused). */
    Object submit(Mutation m) {
        CompletableFuture<Object> f = submitAsync(m);
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StoreException se) {
                throw se;
            }
            throw new UnavailableException("skiff store writer failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting for the write to be durable", e);
        }
    }

    /** Number of synced RocksDB writes so far (for tests and metrics). */
    long syncCount() {
        return syncs.get();
    }

    long committedMutations() {
        return committedMutations.get();
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        while (running) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            commit(batch);
            batch.clear();
        }
        drainWith(failure != null ? failure : new UnavailableException("skiff store is closed"));
    }

    private void commit(List<Pending> batch) {
        Object[] results = new Object[batch.size()];
        try (Batch b = new Batch()) {
            state.index.writeLock().lock();
            try {
                for (int i = 0; i < batch.size(); i++) {
                    try {
                        results[i] = state.apply(batch.get(i).mutation(), b);
                    } catch (StoreException refused) {
                        results[i] = refused; // this request changed nothing; the others go on
                    }
                }
            } finally {
                state.index.writeLock().unlock();
            }
            if (b.dirty()) {
                beforeSync.run();
                state.backend.commit(b.writes);
                syncs.incrementAndGet();
            }
            state.publish(b);
        } catch (RocksDBException | RuntimeException e) {
            // The index may now hold changes that never reached disk: stop serving rather than lie.
            StoreException fatal = new UnavailableException(
                    "skiff store at " + state.backend.dir() + " failed to commit: " + e.getMessage(), e);
            failure = fatal;
            running = false;
            EmbeddedStore.LOG.error("commit failed dir={} batchSize={}", state.backend.dir(), batch.size(), e);
            batch.forEach(p -> p.result().completeExceptionally(fatal));
            return;
        }
        committedMutations.addAndGet(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            if (results[i] instanceof StoreException se) {
                batch.get(i).result().completeExceptionally(se);
            } else {
                batch.get(i).result().complete(results[i]);
            }
        }
    }

    private void drainWith(StoreException e) {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.result().completeExceptionally(e);
        }
    }

    /** Stops after the batch in flight; queued requests fail as unavailable. */
    void stop() {
        running = false;
        thread.interrupt();
        Lifecycle.joinUninterruptibly(thread);
        drainWith(failure != null ? failure : new UnavailableException("skiff store is closed"));
    }

    StoreException failure() {
        return failure;
    }
}
