package dev.skiff.client.workqueue;

import java.time.Clock;
import java.time.Duration;

/**
 * How long an item waits before it is retried, as client-go's workqueue.TypedRateLimiter.
 * {@link #when} records a failure and answers the delay; {@link #forget} clears the item's history.
 */
public interface RateLimiter<T> {

    Duration when(T item);

    void forget(T item);

    int numRequeues(T item);

    /**
     * client-go's DefaultControllerRateLimiter: the larger of a per-item exponential backoff
     * (5ms doubling up to 1000s) and an overall token bucket of 10 qps with a burst of 100.
     */
    static <T> RateLimiter<T> defaultControllerRateLimiter(Clock clock) {
        return new MaxOfRateLimiter<>(
                new ItemExponentialFailureRateLimiter<>(Duration.ofMillis(5), Duration.ofSeconds(1000)),
                new BucketRateLimiter<>(10, 100, clock));
    }
}
