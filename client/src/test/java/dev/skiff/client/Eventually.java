package dev.skiff.client;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition with a deadline (tests never sleep a fixed time to wait for something). */
public final class Eventually {
    private Eventually() {
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Waits until {@code actual} equals {@code expected} (both re-read each poll); fails showing both. */
    public static <T> void awaitEqual(String what, Duration timeout, Supplier<T> expected, Supplier<T> actual) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            T e = expected.get();
            T a = actual.get();
            if (e.equals(a)) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "\nexpected: " + e + "\nactual:   " + a);
            }
            Thread.sleep(20);
        }
    }
}
