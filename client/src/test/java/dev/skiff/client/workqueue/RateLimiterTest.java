package dev.skiff.client.workqueue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void itemBackoffDoublesFromBaseUpToMaxPerItemAndForgetResetsIt() {
        var limiter = new ItemExponentialFailureRateLimiter<String>(Duration.ofMillis(5), Duration.ofSeconds(1000));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(10));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(20));
        assertThat(limiter.when("b")).isEqualTo(Duration.ofMillis(5));
        assertThat(limiter.numRequeues("a")).isEqualTo(3);
        for (int i = 0; i < 100; i++) {
            limiter.when("a");
        }
        assertThat(limiter.when("a")).isEqualTo(Duration.ofSeconds(1000));
        limiter.forget("a");
        assertThat(limiter.numRequeues("a")).isZero();
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void bucketAllowsBurstThenSpacesByQpsAndRefillsWithTime() {
        var limiter = new BucketRateLimiter<String>(10, 100, clock);
        for (int i = 0; i < 100; i++) {
            assertThat(limiter.when("x" + i)).isZero();
        }
        assertThat(limiter.when("y")).isEqualTo(Duration.ofMillis(100));
        assertThat(limiter.when("z")).isEqualTo(Duration.ofMillis(200));
        clock.advance(Duration.ofSeconds(1)); // 10 tokens back, 2 already owed
        for (int i = 0; i < 8; i++) {
            assertThat(limiter.when("r" + i)).isZero();
        }
        assertThat(limiter.when("late")).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void defaultControllerRateLimiterTakesTheLongerOfBackoffAndBucket() {
        RateLimiter<String> limiter = RateLimiter.defaultControllerRateLimiter(clock);
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(10));
        for (int i = 0; i < 98; i++) {
            limiter.when("other" + i);
        }
        // the bucket is empty now: a first failure of a new item waits for the bucket, not 5ms
        assertThat(limiter.when("fresh")).isEqualTo(Duration.ofMillis(100));
        assertThat(limiter.numRequeues("a")).isEqualTo(2);
    }
}
