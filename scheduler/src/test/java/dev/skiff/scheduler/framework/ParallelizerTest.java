package dev.skiff.scheduler.framework;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelizerTest {
    @Test
    void theConfiguredParallelismGetsAtMostTheCoresLessOne() {
        assertThat(Parallelizer.threads(16, 2)).isEqualTo(1);
        assertThat(Parallelizer.threads(16, 1)).isEqualTo(1);
        assertThat(Parallelizer.threads(16, 8)).isEqualTo(7);
        assertThat(Parallelizer.threads(4, 8)).isEqualTo(4);
        assertThat(Parallelizer.threads(1, 64)).isEqualTo(1);
    }

    @Test
    void everyIndexRunsExactlyOnce() {
        for (int parallelism : new int[] {1, 2, 3, 16}) {
            try (var parallelizer = new Parallelizer(parallelism)) {
                for (int pieces : new int[] {0, 1, 31, 32, 500, 5000}) {
                    var runs = new AtomicIntegerArray(pieces);
                    parallelizer.until(pieces, runs::incrementAndGet);
                    for (int i = 0; i < pieces; i++) {
                        assertThat(runs.get(i)).as("piece %d of %d, parallelism %d", i, pieces, parallelism).isEqualTo(1);
                    }
                }
            }
        }
    }

    @Test
    void aFailureIsRethrownOnceEveryClaimedChunkHasStopped() {
        try (var parallelizer = new Parallelizer(2)) {
            assertThatThrownBy(() -> parallelizer.until(5000, i -> {
                if (i == 2500) {
                    throw new IllegalArgumentException("piece 2500");
                }
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("piece 2500");
            var runs = new AtomicIntegerArray(100);
            parallelizer.until(100, runs::incrementAndGet); // still usable
            assertThat(runs.get(99)).isEqualTo(1);
        }
    }

    @Test
    void theCallerDoesNotWaitForAHelperThatHasNotStarted() throws Exception {
        try (var parallelizer = new Parallelizer(2)) {
            var helperHeld = new CountDownLatch(1);
            var release = new CountDownLatch(1);
            // a first run whose helper thread is held inside a piece: the pool's one helper is busy
            // (its caller waits in its first piece until the helper holds one, so chunks are left for the helper)
            Thread first = Thread.ofPlatform().start(() -> parallelizer.until(1000, i -> {
                try {
                    if (Thread.currentThread().getName().startsWith("scheduler-parallelizer-")) {
                        helperHeld.countDown();
                        release.await();
                    } else {
                        helperHeld.await(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            assertThat(helperHeld.await(10, TimeUnit.SECONDS)).isTrue();
            // a second run while no helper can start: all of it on the caller, and it returns
            var runs = new AtomicIntegerArray(5000);
            Thread second = Thread.ofPlatform().start(() -> parallelizer.until(5000, runs::incrementAndGet));
            second.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(second.isAlive()).as("the second run returned without the busy helper").isFalse();
            for (int i = 0; i < 5000; i++) {
                assertThat(runs.get(i)).isEqualTo(1);
            }
            assertThat(first.isAlive()).as("the first run waits for the piece its helper claimed").isTrue();
            release.countDown();
            first.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(first.isAlive()).isFalse();
        }
    }
}
