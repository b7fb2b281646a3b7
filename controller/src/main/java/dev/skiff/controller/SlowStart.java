package dev.skiff.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Upstream's slowStartBatch (pkg/controller/replicaset, statefulset, daemon): runs {@code count}
 * calls in batches of 1, 2, 4, ... (each batch concurrently, on virtual threads) and stops after a
 * batch in which any call failed, so a create that fails for every pod (quota, a bad template) is
 * tried a few times rather than {@code count} times.
 */
public final class SlowStart {
    private SlowStart() {
    }

    /** One call; {@code index} runs from 0 to count - 1 in order of submission. False or an exception is a failure. */
    @FunctionalInterface
    public interface Call {
        boolean run(int index) throws Exception;
    }

    /** How many calls succeeded; fewer than {@code count} means a batch failed and the rest were not tried. */
    public static int batch(int count, Call call) throws InterruptedException {
        int done = 0;
        int next = 0;
        int size = 1;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            while (next < count) {
                int n = Math.min(size, count - next);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int index = next + i;
                    results.add(pool.submit(() -> call.run(index)));
                }
                next += n;
                int ok = 0;
                for (Future<Boolean> f : results) {
                    try {
                        ok += f.get() ? 1 : 0;
                    } catch (ExecutionException e) {
                        // counted as failed
                    }
                }
                done += ok;
                if (ok < n) {
                    return done;
                }
                size *= 2;
            }
        }
        return done;
    }
}
