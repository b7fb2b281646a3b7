package dev.skiff.store.etcdserver;

import dev.skiff.store.DeleteRangeRequest;
import dev.skiff.store.DeleteRangeResponse;
import dev.skiff.store.Lease;
import dev.skiff.store.PutRequest;
import dev.skiff.store.PutResponse;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.RangeResponse;
import dev.skiff.store.Store;
import dev.skiff.store.StoreStatus;
import dev.skiff.store.TxnRequest;
import dev.skiff.store.TxnResponse;
import dev.skiff.store.Watch;
import dev.skiff.store.WatchListener;
import dev.skiff.store.WatchRequest;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Passes every call to a real store unchanged and counts the store watches the endpoint holds
 * open and the events it is handed, so tests can check that the endpoint closes them and that
 * it stops taking events from a watch whose client does not read. Not a test double: all behaviour is the
 * delegate's.
 */
final class WatchCountingStore implements Store {
    private final Store delegate;
    private final AtomicInteger open = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong delivered = new java.util.concurrent.atomic.AtomicLong();

    WatchCountingStore(Store delegate) {
        this.delegate = delegate;
    }

    /** Store watches opened through this store and not yet closed. */
    int openWatches() {
        return open.get();
    }

    /** Events the store has handed to the endpoint's watch listeners so far. */
    long deliveredEvents() {
        return delivered.get();
    }

    @Override
    public Watch watch(WatchRequest request, WatchListener listener) {
        Watch w = delegate.watch(request, new WatchListener() {
            @Override
            public void onEvents(long revision, java.util.List<dev.skiff.store.Event> events) {
                delivered.addAndGet(events.size());
                listener.onEvents(revision, events);
            }

            @Override
            public void onProgress(long revision) {
                listener.onProgress(revision);
            }

            @Override
            public void onError(dev.skiff.store.StoreException error) {
                listener.onError(error);
            }
        });
        open.incrementAndGet();
        AtomicBoolean closed = new AtomicBoolean();
        return new Watch() {
            @Override
            public void requestProgress() {
                w.requestProgress();
            }

            @Override
            public void close() {
                try {
                    w.close();
                } finally {
                    if (closed.compareAndSet(false, true)) {
                        open.decrementAndGet();
                    }
                }
            }
        };
    }

    @Override
    public RangeResponse range(RangeRequest request) {
        return delegate.range(request);
    }

    @Override
    public PutResponse put(PutRequest request) {
        return delegate.put(request);
    }

    @Override
    public DeleteRangeResponse deleteRange(DeleteRangeRequest request) {
        return delegate.deleteRange(request);
    }

    @Override
    public TxnResponse txn(TxnRequest request) {
        return delegate.txn(request);
    }

    @Override
    public void compact(long revision) {
        delegate.compact(revision);
    }

    @Override
    public Lease leaseGrant(long id, long ttlSeconds) {
        return delegate.leaseGrant(id, ttlSeconds);
    }

    @Override
    public void leaseRevoke(long id) {
        delegate.leaseRevoke(id);
    }

    @Override
    public long leaseKeepAlive(long id) {
        return delegate.leaseKeepAlive(id);
    }

    @Override
    public Lease leaseTimeToLive(long id, boolean withKeys) {
        return delegate.leaseTimeToLive(id, withKeys);
    }

    @Override
    public List<Long> leases() {
        return delegate.leases();
    }

    @Override
    public StoreStatus status() {
        return delegate.status();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
