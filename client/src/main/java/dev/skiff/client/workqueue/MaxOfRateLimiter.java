package dev.skiff.client.workqueue;

import java.time.Duration;
import java.util.List;

/** The longest delay of several limiters, as client-go's MaxOfRateLimiter. */
public final class MaxOfRateLimiter<T> implements RateLimiter<T> {
    private final List<RateLimiter<T>> limiters;

    @SafeVarargs
    public MaxOfRateLimiter(RateLimiter<T>... limiters) {
        this.limiters = List.of(limiters);
    }

    @Override
    public Duration when(T item) {
        Duration longest = Duration.ZERO;
        for (RateLimiter<T> limiter : limiters) {
            Duration d = limiter.when(item);
            if (d.compareTo(longest) > 0) {
                longest = d;
            }
        }
        return longest;
    }

    @Override
    public void forget(T item) {
        limiters.forEach(l -> l.forget(item));
    }

    @Override
    public int numRequeues(T item) {
        return limiters.stream().mapToInt(l -> l.numRequeues(item)).max().orElse(0);
    }
}
