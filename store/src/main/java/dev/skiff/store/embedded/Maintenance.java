package dev.skiff.store.embedded;

import dev.skiff.store.CompactedException;
import dev.skiff.store.FutureRevisionException;
import dev.skiff.store.LeaseNotFoundException;
import dev.skiff.store.StoreException;
import java.time.Clock;
import java.time.Duration;

/**
 * Background housekeeping on one virtual thread: revokes expired leases (checked every tick,
 * well under etcd's 500 ms) and compacts history periodically the way kube-apiserver does -
 * at each retention tick it compacts to the revision that was current at the previous tick, so
 * roughly one retention period of history is always kept. Time comes from the injected clock.
 */
final class Maintenance {
    private final StateMachine state;
    private final GroupCommitter writer;
    private final LeaseManager leases;
    private final Clock clock;
    private final Duration retention;
    private final Duration tick;
    private final Thread thread;
    private volatile boolean running = true;
    private long nextCompactionAt;
    private long revisionAtPreviousTick;
    private volatile long compactionTicks;

    Maintenance(StateMachine state, GroupCommitter writer, LeaseManager leases, Clock clock, Duration retention,
                Duration tick) {
        this.state = state;
        this.writer = writer;
        this.leases = leases;
        this.clock = clock;
        this.retention = retention;
        this.tick = tick;
        this.thread = Thread.ofVirtual().name("skiff-store-maintenance").unstarted(this::run);
    }

    void start() {
        nextCompactionAt = clock.millis() + retention.toMillis();
        revisionAtPreviousTick = state.committedRevision;
        thread.start();
    }

    private void run() {
        while (running) {
            try {
                Thread.sleep(tick);
            } catch (InterruptedException e) {
                return;
            }
            try {
                expireLeases();
                maybeCompact();
            } catch (StoreException e) {
                if (running) {
                    EmbeddedStore.LOG.warn("maintenance step failed error={}", e.getMessage());
                }
            }
        }
    }

    private void expireLeases() {
        for (long id : leases.expired()) {
            try {
                if (Boolean.TRUE.equals(writer.submit(new Mutation.Expire(id)))) {
                    EmbeddedStore.LOG.info("lease expired id={}", id);
                }
            } catch (LeaseNotFoundException alreadyGone) {
                // revoked by a client between the check and the revoke
            }
        }
    }

    private void maybeCompact() {
        if (retention.isZero() || clock.millis() < nextCompactionAt) {
            return;
        }
        long target = revisionAtPreviousTick;
        revisionAtPreviousTick = state.committedRevision;
        nextCompactionAt = clock.millis() + retention.toMillis();
        try {
            compact(target);
        } finally {
            compactionTicks++;
        }
    }

    private void compact(long target) {
        if (target > state.compactRevision) {
            try {
                writer.submit(new Mutation.Compact(target));
            } catch (CompactedException | FutureRevisionException raced) {
                // a client compacted past us meanwhile
            }
        }
    }

    /** Retention ticks handled so far (lets tests wait for one). */
    long compactionTicks() {
        return compactionTicks;
    }

    void stop() {
        running = false;
        thread.interrupt();
        Lifecycle.joinUninterruptibly(thread);
    }
}
