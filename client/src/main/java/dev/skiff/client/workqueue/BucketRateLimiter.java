package dev.skiff.client.workqueue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * An overall token bucket (qps refill, burst capacity) shared by all items, as client-go's
 * BucketRateLimiter over golang.org/x/time/rate: each {@link #when} reserves one token and
 * answers how long until that token exists. It keeps no per-item state.
 */
public final class BucketRateLimiter<T> implements RateLimiter<T> {
    private final double qps;
    private final double burst;
    private final Clock clock;
    private double tokens;
    private Instant last;

    public BucketRateLimiter(double qps, int burst, Clock clock) {
        this.qps = qps;
        this.burst = burst;
        this.clock = clock;
        this.tokens = burst;
        this.last = clock.instant();
    }

    @Override
    public synchronized Duration when(T item) {
        Instant now = clock.instant();
        if (now.isAfter(last)) {
            tokens = Math.min(burst, tokens + Duration.between(last, now).toNanos() / 1e9 * qps);
            last = now;
        }
        tokens -= 1;
        return tokens >= 0 ? Duration.ZERO : Duration.ofNanos((long) Math.ceil(-tokens / qps * 1e9));
    }

    @Override
    public void forget(T item) {
    }

    @Override
    public int numRequeues(T item) {
        return 0;
    }
}
