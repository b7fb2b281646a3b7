package dev.skiff.client.workqueue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Per-item exponential backoff: base * 2^failures, capped at max, as client-go's ItemExponentialFailureRateLimiter. */
public final class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
    private final Duration base;
    private final Duration max;
    private final Map<T, Integer> failures = new HashMap<>();

    public ItemExponentialFailureRateLimiter(Duration base, Duration max) {
        this.base = base;
        this.max = max;
    }

    @Override
    public synchronized Duration when(T item) {
        int exponent = failures.merge(item, 1, Integer::sum) - 1;
        // past 2^62 the product overflows; the cap applies long before for any sane base
        if (exponent >= 62) {
            return max;
        }
        double nanos = base.toNanos() * Math.pow(2, exponent);
        return nanos >= max.toNanos() ? max : Duration.ofNanos((long) nanos);
    }

    @Override
    public synchronized void forget(T item) {
        failures.remove(item);
    }

    @Override
    public synchronized int numRequeues(T item) {
        return failures.getOrDefault(item, 0);
    }
}
