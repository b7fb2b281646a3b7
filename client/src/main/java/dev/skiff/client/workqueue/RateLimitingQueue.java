package dev.skiff.client.workqueue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * client-go's rate-limiting, delaying work queue in one class. An item is queued at most once
 * however often it is added (dirty set), and never handed to two workers at once: an item added
 * while being processed is queued again only when {@link #done} is called. Delayed items wait in a
 * heap keyed by the injected clock's time and join the queue once due (the earliest wins when an
 * item is delayed twice). Workers call {@link #get}, process, then {@link #done}; on failure
 * {@link #addRateLimited}, on success {@link #forget}.
 */
public final class RateLimitingQueue<T> {
    private record Waiting<T>(Instant readyAt, long seq, T item) {
    }

    private final Clock clock;
    private final RateLimiter<T> limiter;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<T> queue = new ArrayDeque<>();
    private final Set<T> dirty = new HashSet<>();
    private final Set<T> processing = new HashSet<>();
    private final PriorityQueue<Waiting<T>> waiting =
            new PriorityQueue<>(Comparator.comparing(Waiting<T>::readyAt).thenComparingLong(Waiting::seq));
    private final Map<T, Instant> waitingReadyAt = new HashMap<>();
    private long seq;
    private boolean shuttingDown;

    public RateLimitingQueue(RateLimiter<T> limiter, Clock clock) {
        this.limiter = limiter;
        this.clock = clock;
    }

    /** A queue with client-go's DefaultControllerRateLimiter. */
    public static <T> RateLimitingQueue<T> withDefaultRateLimiter(Clock clock) {
        return new RateLimitingQueue<>(RateLimiter.defaultControllerRateLimiter(clock), clock);
    }

    public void add(T item) {
        lock.lock();
        try {
            addLocked(item);
        } finally {
            lock.unlock();
        }
    }

    private void addLocked(T item) {
        if (shuttingDown || !dirty.add(item)) {
            return;
        }
        if (!processing.contains(item)) {
            queue.addLast(item);
            changed.signal();
        }
    }

    /** Adds the item once {@code delay} has passed on the queue's clock; zero or negative adds it now. */
    public void addAfter(T item, Duration delay) {
        lock.lock();
        try {
            if (shuttingDown) {
                return;
            }
            if (delay.isZero() || delay.isNegative()) {
                addLocked(item);
                return;
            }
            Instant readyAt = clock.instant().plus(delay);
            Instant current = waitingReadyAt.get(item);
            if (current != null && !readyAt.isBefore(current)) {
                return;
            }
            if (current != null) {
                waiting.removeIf(w -> w.item().equals(item));
            }
            waitingReadyAt.put(item, readyAt);
            waiting.add(new Waiting<>(readyAt, seq++, item));
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Adds the item after the rate limiter's delay for it; each call counts as one more failure. */
    public void addRateLimited(T item) {
        addAfter(item, limiter.when(item));
    }

    /** Ends the item's backoff history (after a successful sync). */
    public void forget(T item) {
        limiter.forget(item);
    }

    public int numRequeues(T item) {
        return limiter.numRequeues(item);
    }

    /** Blocks until an item is ready; empty once the queue is shut down and drained of ready items. */
    public Optional<T> get() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                Instant now = clock.instant();
                promoteDue(now);
                if (!queue.isEmpty()) {
                    T item = queue.removeFirst();
                    processing.add(item);
                    dirty.remove(item);
                    return Optional.of(item);
                }
                if (shuttingDown) {
                    return Optional.empty();
                }
                Waiting<T> next = waiting.peek();
                if (next == null) {
                    changed.await();
                } else {
                    changed.await(Math.max(1, Duration.between(now, next.readyAt()).toNanos()), TimeUnit.NANOSECONDS);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Marks the item processed; if it was added meanwhile, it is queued again now. */
    public void done(T item) {
        lock.lock();
        try {
            processing.remove(item);
            if (dirty.contains(item)) {
                queue.addLast(item);
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Items ready for a worker now (delayed items that are due count). */
    public int len() {
        lock.lock();
        try {
            promoteDue(clock.instant());
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Items still waiting for their delay. */
    public int waitingLen() {
        lock.lock();
        try {
            promoteDue(clock.instant());
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** Stops accepting items and wakes every waiting {@link #get}. */
    public void shutDown() {
        lock.lock();
        try {
            shuttingDown = true;
            waiting.clear();
            waitingReadyAt.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean shuttingDown() {
        lock.lock();
        try {
            return shuttingDown;
        } finally {
            lock.unlock();
        }
    }

    private void promoteDue(Instant now) {
        while (!waiting.isEmpty() && !waiting.peek().readyAt().isAfter(now)) {
            Waiting<T> due = waiting.poll();
            waitingReadyAt.remove(due.item());
            addLocked(due.item());
        }
    }
}
