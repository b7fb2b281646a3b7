package dev.skiff.store.embedded;

import dev.skiff.store.CompactedException;
import dev.skiff.store.UnavailableException;
import dev.skiff.store.Watch;
import dev.skiff.store.WatchListener;
import dev.skiff.store.WatchRequest;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs watches. Each watch pulls its events from the revision log on its own virtual thread
 * (see {@link WatchSession}), so a slow listener delays only itself and never the writer; the
 * hub merely wakes sessions up when a new revision becomes durable.
 */
final class WatchHub {
    private final StateMachine state;
    private final Lifecycle lifecycle;
    private final Duration progressInterval;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Set<WatchSession> sessions = ConcurrentHashMap.newKeySet();
    private long wakeups;

    WatchHub(StateMachine state, Lifecycle lifecycle, Duration progressInterval) {
        this.state = state;
        this.lifecycle = lifecycle;
        this.progressInterval = progressInterval;
    }

    Watch start(WatchRequest request, WatchListener listener) {
        long start = request.startRevision() == 0 ? state.committedRevision + 1 : request.startRevision();
        WatchSession session = new WatchSession(this, state, lifecycle, request, listener, start, progressInterval);
        if (request.startRevision() != 0 && request.startRevision() < state.compactRevision) {
            // etcd cancels such a watch at once with the compact revision, delivering nothing else
            Thread.ofVirtual().name("skiff-watch-compacted").start(
                    () -> listener.onError(new CompactedException(state.compactRevision)));
            return session.closedAlready();
        }
        sessions.add(session);
        if (lifecycle.isClosed()) {
            // close() may have walked the sessions before this one was added: end it as stop() would
            session.terminate(new UnavailableException("skiff store is closed"));
        }
        Thread.ofVirtual().name("skiff-watch").start(session);
        return session;
    }

    void removed(WatchSession s) {
        sessions.remove(s);
    }

    /** A new revision is durable, or a session wants attention: wake every waiting session. */
    void wake() {
        lock.lock();
        try {
            wakeups++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long wakeups() {
        lock.lock();
        try {
            return wakeups;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until woken after {@code seen} wakeups, or for at most {@code nanos}. */
    void await(long seen, long nanos) throws InterruptedException {
        lock.lock();
        try {
            while (wakeups == seen && nanos > 0) {
                nanos = changed.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The store is closing: every session ends with an error saying so. */
    void stop() {
        for (WatchSession s : sessions) {
            s.terminate(new UnavailableException("skiff store is closed"));
        }
        wake();
    }

    int activeCount() {
        return sessions.size();
    }

    static long nanos(Duration d) {
        return TimeUnit.NANOSECONDS.convert(d);
    }
}
