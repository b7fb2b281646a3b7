package dev.skiff.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Upstream's slowStartBatch (pkg/controller/replicaset, and the same loop in the job controller):
 * batches of 1, 2, 4, ... calls run concurrently; stops after a batch with a failure, so a quota or
 * admission error costs one request rather than hundreds.
 */
public final class SlowStart {
    private SlowStart() {
    }

    /** Runs {@code create} up to {@code count} times; returns how many returned true. */
    public static int batch(int count, Callable<Boolean> create) throws InterruptedException {
        int done = 0;
        int batch = 1;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            while (done < count) {
                int size = Math.min(batch, count - done);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    results.add(pool.submit(create));
                }
                int ok = 0;
                for (Future<Boolean> f : results) {
                    try {
                        ok += f.get() ? 1 : 0;
                    } catch (ExecutionException e) {
                        // counted as not created
                    }
                }
                done += ok;
                if (ok < size) {
                    return done;
                }
                batch *= 2;
            }
        }
        return done;
    }
}
