package dev.skiff.store;

import java.util.List;

/**
 * The cluster state store: etcd v3 MVCC semantics behind one interface.
 *
 * <p>Every backend (the embedded engine, a real etcd through jetcd) passes the same contract
 * suite. Calls block until the operation is durable (for writes) and are safe to call from many
 * threads; callers are expected to use virtual threads for concurrency. Failures are reported as
 * {@link StoreException} subtypes whose messages are etcd's own, so that they read the same
 * whichever backend produced them.
 */
public interface Store extends AutoCloseable {

    /** Largest request accepted by default, as etcd's --max-request-bytes (1.5 MiB). */
    int DEFAULT_MAX_REQUEST_BYTES = 1536 * 1024;

    /** Largest number of operations in one transaction, as etcd's --max-txn-ops. */
    int MAX_TXN_OPS = 128;

    RangeResponse range(RangeRequest request);

    PutResponse put(PutRequest request);

    DeleteRangeResponse deleteRange(DeleteRangeRequest request);

    /** Evaluates the compares and applies one branch atomically, at a single new revision. */
    TxnResponse txn(TxnRequest request);

    /**
     * Discards history below {@code revision}: afterwards reads and watches at a smaller revision
     * fail with {@link CompactedException}. The latest version of every live key is kept.
     */
    void compact(long revision);

    /**
     * Starts a watch. Events are delivered to the listener in revision order, each change exactly
     * once, grouped by revision; the listener is called from one thread at a time per watch.
     */
    Watch watch(WatchRequest request, WatchListener listener);

    /** Grants a lease; {@code id} 0 lets the store choose one. */
    Lease leaseGrant(long id, long ttlSeconds);

    /** Revokes a lease and deletes every key attached to it. */
    void leaseRevoke(long id);

    /** Renews a lease to its granted TTL and returns that TTL in seconds. */
    long leaseKeepAlive(long id);

    /** A lease's remaining TTL; throws {@link LeaseNotFoundException} when it does not exist. */
    Lease leaseTimeToLive(long id, boolean withKeys);

    List<Long> leases();

    StoreStatus status();

    @Override
    void close();
}
