package dev.skiff.store.embedded;

import dev.skiff.store.CompactedException;
import dev.skiff.store.Event;
import dev.skiff.store.KeyRange;
import dev.skiff.store.KeyValue;
import dev.skiff.store.StoreException;
import dev.skiff.store.Watch;
import dev.skiff.store.WatchListener;
import dev.skiff.store.WatchRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;

/**
 * One watch. Its thread keeps a cursor ({@code next}, the first revision not yet delivered) and
 * repeatedly reads the log from there up to the committed revision. Because it reads only
 * durable, revision-ordered history, every change arrives exactly once and in order whether it
 * happened before the watch started (replay) or after (live), with no hand-off between the two.
 */
final class WatchSession implements Watch, Runnable {
    /** Revisions read per pass, so a long replay does not pin a RocksDB snapshot for long. */
    private static final int CHUNK_REVISIONS = 256;

    private final WatchHub hub;
    private final StateMachine state;
    private final Lifecycle lifecycle;
    private final WatchRequest request;
    private final WatchListener listener;
    private final long progressNanos;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean progressRequested = new AtomicBoolean();
    private volatile StoreException terminalError;
    private long next;

    WatchSession(WatchHub hub, StateMachine state, Lifecycle lifecycle, WatchRequest request, WatchListener listener,
                 long start, Duration progressInterval) {
        this.hub = hub;
        this.state = state;
        this.lifecycle = lifecycle;
        this.request = request;
        this.listener = listener;
        this.next = start;
        this.progressNanos = WatchHub.nanos(progressInterval);
    }

    WatchSession closedAlready() {
        closed.set(true);
        return this;
    }

    @Override
    public void requestProgress() {
        progressRequested.set(true);
        hub.wake();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            hub.wake();
        }
    }

    /** Ends the watch with an error delivered by its own thread (calls never overlap). */
    void terminate(StoreException error) {
        terminalError = error;
        close();
    }

    @Override
    public void run() {
        long lastDelivery = System.nanoTime();
        try {
            while (!closed.get()) {
                long seen = hub.wakeups();
                long committed = state.committedRevision;
                if (next <= committed) {
                    if (!catchUp(Math.min(committed, next + CHUNK_REVISIONS - 1))) {
                        return;
                    }
                    lastDelivery = System.nanoTime();
                    continue;
                }
                // everything up to `committed` has been delivered
                if (progressRequested.getAndSet(false)) {
                    listener.onProgress(committed);
                    lastDelivery = System.nanoTime();
                    continue;
                }
                long idle = System.nanoTime() - lastDelivery;
                if (request.progressNotify() && idle >= progressNanos) {
                    listener.onProgress(committed);
                    lastDelivery = System.nanoTime();
                    continue;
                }
                hub.await(seen, request.progressNotify() ? progressNanos - idle : progressNanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // a record that cannot be read or a listener that threw: the watch cannot go on, and its
            // client must hear so (an etcd client gets a cancel) rather than wait for events forever
            EmbeddedStore.LOG.warn("watch failed key={} next={}", request.key().toStringUtf8(), next, e);
            if (terminalError == null) {
                terminalError = e instanceof StoreException se ? se
                        : new StoreException("watch ended at revision " + next + ": " + e, e);
            }
        } finally {
            hub.removed(this);
            StoreException error = terminalError;
            if (error != null) {
                try {
                    listener.onError(error);
                } catch (RuntimeException listenerFailure) {
                    EmbeddedStore.LOG.warn("watch listener failed on error key={} error={}", request.key().toStringUtf8(),
                            listenerFailure.toString());
                }
            }
        }
    }

    /** Delivers revisions [next, upTo]; false when the watch has ended (compacted or store closed). */
    private boolean catchUp(long upTo) {
        List<List<Event>> groups = new ArrayList<>();
        List<Long> revisions = new ArrayList<>();
        try (Lifecycle.Permit permit = lifecycle.enter()) {
            Snapshot snap = state.backend.snapshot();
            try {
                // read the compact point after taking the snapshot: if it is still <= next, none of
                // the records we need had been deleted when the snapshot was taken
                long compacted = state.compactRevision;
                if (next < compacted) {
                    closed.set(true);
                    terminalError = new CompactedException(compacted);
                    return false;
                }
                long[] current = {-1};
                state.backend.scanLog(next, upTo, snap, r -> {
                    if (!KeyRange.contains(request.key(), request.rangeEnd(), r.key())
                            || KeyRange.isInverted(request.key(), request.rangeEnd())
                            || (r.tombstone() ? request.filterDelete() : request.filterPut())) {
                        return true;
                    }
                    if (r.main() != current[0]) {
                        current[0] = r.main();
                        revisions.add(r.main());
                        groups.add(new ArrayList<>());
                    }
                    groups.getLast().add(new Event(r.tombstone() ? Event.Type.DELETE : Event.Type.PUT,
                            r.toKeyValue(), request.prevKv() ? previous(r, snap) : null));
                    return true;
                });
            } finally {
                state.backend.release(snap);
            }
        } catch (StoreException closedStore) {
            return false;
        }
        for (int i = 0; i < groups.size() && !closed.get(); i++) {
            listener.onEvents(revisions.get(i), List.copyOf(groups.get(i)));
        }
        next = upTo + 1;
        return true;
    }

    private KeyValue previous(ChangeRecord r, Snapshot snap) {
        if (r.prevMain() == 0) {
            return null;
        }
        try {
            ChangeRecord prev = state.backend.read(r.prevMain(), r.prevSub(), snap);
            return prev == null || prev.tombstone() ? null : prev.toKeyValue(); // null: compacted away
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot read previous version at " + r.prevMain(), e);
        }
    }
}
