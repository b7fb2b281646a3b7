package dev.skiff.client.workqueue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RateLimitingQueueTest {
    final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    final RateLimitingQueue<String> queue = RateLimitingQueue.withDefaultRateLimiter(clock);

    @Test
    void dedupsItemsAddedManyTimesBeforeProcessing() throws Exception {
        queue.add("ns/a");
        queue.add("ns/b");
        queue.add("ns/a");
        queue.add("ns/a");
        assertThat(queue.len()).isEqualTo(2);
        assertThat(queue.get()).contains("ns/a");
        assertThat(queue.get()).contains("ns/b");
        assertThat(queue.len()).isZero();
    }

    @Test
    void anItemAddedWhileProcessingIsHandedOutAgainOnlyAfterDone() throws Exception {
        queue.add("k");
        assertThat(queue.get()).contains("k");
        queue.add("k");
        queue.add("k");
        assertThat(queue.len()).as("not given to a second worker while the first holds it").isZero();
        queue.done("k");
        assertThat(queue.len()).isEqualTo(1);
        assertThat(queue.get()).contains("k");
        queue.done("k");
        assertThat(queue.len()).isZero();
    }

    @Test
    void delayedItemsJoinWhenDueAndTheEarliestDelayWins() throws Exception {
        queue.addAfter("late", Duration.ofSeconds(10));
        queue.addAfter("late", Duration.ofSeconds(3));
        queue.addAfter("late", Duration.ofSeconds(20));
        queue.addAfter("now", Duration.ZERO);
        assertThat(queue.len()).isEqualTo(1);
        assertThat(queue.waitingLen()).isEqualTo(1);
        clock.advance(Duration.ofMillis(2999));
        assertThat(queue.len()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        assertThat(queue.len()).isEqualTo(2);
        assertThat(queue.waitingLen()).isZero();
        assertThat(queue.get()).contains("now");
        assertThat(queue.get()).contains("late");
    }

    @Test
    void retriesBackOffExponentiallyPerItemUntilForgotten() throws Exception {
        Duration[] expected = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40)};
        for (Duration delay : expected) {
            queue.addRateLimited("failing");
            assertThat(queue.len()).isZero();
            clock.advance(delay.minusMillis(1));
            assertThat(queue.len()).as("still backing off before %s", delay).isZero();
            clock.advance(Duration.ofMillis(1));
            assertThat(queue.len()).isEqualTo(1);
            assertThat(queue.get()).contains("failing");
            queue.done("failing");
        }
        assertThat(queue.numRequeues("failing")).isEqualTo(4);
        queue.forget("failing");
        assertThat(queue.numRequeues("failing")).isZero();
        queue.addRateLimited("failing");
        clock.advance(Duration.ofMillis(5));
        assertThat(queue.len()).isEqualTo(1);
    }

    @Test
    void rateLimitsABurstOfFailuresAcrossItems() {
        for (int i = 0; i < 150; i++) {
            queue.addRateLimited("item-" + i);
        }
        clock.advance(Duration.ofMillis(5));
        assertThat(queue.len()).as("the bucket's burst of 100").isEqualTo(100);
        clock.advance(Duration.ofMillis(995)); // one second: 10 more tokens
        assertThat(queue.len()).isEqualTo(110);
        clock.advance(Duration.ofSeconds(4));
        assertThat(queue.len()).isEqualTo(150);
    }

    @Test
    void shutDownWakesBlockedWorkersAndRefusesNewItems() throws Exception {
        CompletableFuture<Optional<String>> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.get();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        queue.shutDown();
        assertThat(blocked.get(10, TimeUnit.SECONDS)).isEmpty();
        queue.add("x");
        assertThat(queue.len()).isZero();
        assertThat(queue.shuttingDown()).isTrue();
    }

    @Test
    void aBlockedWorkerWakesForADelayedItemOnTheRealClock() throws Exception {
        var real = RateLimitingQueue.<String>withDefaultRateLimiter(java.time.Clock.systemUTC());
        real.addAfter("soon", Duration.ofMillis(50));
        assertThat(CompletableFuture.supplyAsync(() -> {
            try {
                return real.get();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }).get(10, TimeUnit.SECONDS)).contains("soon");
    }
}
