package dev.skiff.controller.podautoscaler;

import dev.skiff.client.workqueue.RateLimiter;
import java.time.Duration;

/** Every item waits the same interval (upstream's HPA rate limiter): each HPA is reconciled once per sync period. */
final class FixedItemIntervalRateLimiter<T> implements RateLimiter<T> {
    private final Duration interval;

    FixedItemIntervalRateLimiter(Duration interval) {
        this.interval = interval;
    }

    @Override
    public Duration when(T item) {
        return interval;
    }

    @Override
    public void forget(T item) {
    }

    @Override
    public int numRequeues(T item) {
        return 0;
    }
}
