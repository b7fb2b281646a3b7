package dev.skiff.store.embedded;

import dev.skiff.store.UnavailableException;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Keeps native RocksDB handles from being used after close (which would crash the JVM rather
 * than throw): every call that touches the database holds a shared permit, and close waits for
 * them to drain before freeing anything.
 */
final class Lifecycle {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    /** A permit to use the database; close it when done. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    Permit enter() {
        if (closed) {
            throw closedError();
        }
        // never waits: the write lock is only ever taken by close, which keeps it, so a reader
        // that cannot get in now never would (and may be on a transport thread)
        if (!lock.readLock().tryLock()) {
            throw closedError();
        }
        if (closed) {
            lock.readLock().unlock();
            throw closedError();
        }
        return lock.readLock()::unlock;
    }

    boolean isClosed() {
        return closed;
    }

    /** Refuses new permits; returns false when already closed. */
    boolean markClosed() {
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            return true;
        }
    }

    /** Waits until no permit is held; afterwards none will be granted. */
    void awaitQuiescent() {
        lock.writeLock().lock();
    }

    static UnavailableException closedError() {
        return new UnavailableException("skiff store is closed");
    }

    /**
     * Waits for a store thread to end even if the caller is interrupted: returning early would let
     * close() free RocksDB while that thread may still be inside it (a native crash, not an error).
     * The caller's interrupt is restored afterwards.
     */
    static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
