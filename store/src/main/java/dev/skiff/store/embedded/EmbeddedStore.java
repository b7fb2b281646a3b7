package dev.skiff.store.embedded;

import com.google.protobuf.ByteString;
import dev.skiff.store.AsyncWrites;
import dev.skiff.store.CompactedException;
import dev.skiff.store.DeleteRangeRequest;
import dev.skiff.store.DeleteRangeResponse;
import dev.skiff.store.FutureRevisionException;
import dev.skiff.store.KeyRange;
import dev.skiff.store.Lease;
import dev.skiff.store.Op;
import dev.skiff.store.PutRequest;
import dev.skiff.store.PutResponse;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.RangeResponse;
import dev.skiff.store.Store;
import dev.skiff.store.StoreStatus;
import dev.skiff.store.TxnRequest;
import dev.skiff.store.TxnResponse;
import dev.skiff.store.UnavailableException;
import dev.skiff.store.Watch;
import dev.skiff.store.WatchListener;
import dev.skiff.store.WatchRequest;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded etcd-v3-compatible store: MVCC over RocksDB. This class only wires the parts
 * together and guards entry points; see {@link StateMachine} (apply rules), {@link GroupCommitter}
 * (durable group commit), {@link KeyIndex} (in-memory index), {@link WatchHub} (watches),
 * {@link LeaseManager} and {@link Maintenance} (expiry, auto-compaction), {@link SnapshotCodec}.
 */
public final class EmbeddedStore implements Store, AsyncWrites {
    static final Logger LOG = LoggerFactory.getLogger(EmbeddedStore.class);
    static final String VERSION = "3.4.0+skiff";
    static final Duration DEFAULT_MAINTENANCE_TICK = Duration.ofMillis(200);

    private final Lifecycle lifecycle = new Lifecycle();
    private final Backend backend;
    private final StateMachine state;
    private final LeaseManager leases;
    private final GroupCommitter writer;
    private final WatchHub watches;
    private final Maintenance maintenance;
    private final RequestValidator validator;

    private EmbeddedStore(EmbeddedStoreConfig config, Clock clock, Duration maintenanceTick, Backend backend)
            throws RocksDBException {
        this.backend = backend;
        this.leases = new LeaseManager(clock);
        WatchHub[] hub = new WatchHub[1];
        this.state = StateMachine.recover(backend, leases, rev -> hub[0].wake());
        this.watches = hub[0] = new WatchHub(state, lifecycle, config.progressInterval());
        this.writer = new GroupCommitter(state);
        this.maintenance = new Maintenance(state, writer, leases, clock, config.compactionRetention(), maintenanceTick);
        this.validator = new RequestValidator(config.maxRequestBytes());
    }

    /**
     * Opens the store in {@code config.dataDir()}, creating it when the directory is missing or
     * empty. A directory holding something else, or a damaged database, fails with an
     * {@link UnavailableException} naming the directory and the cause.
     */
    public static EmbeddedStore open(EmbeddedStoreConfig config) {
        return open(config, new MonotonicClock(), DEFAULT_MAINTENANCE_TICK);
    }

    /** For tests: a controllable clock and maintenance period. */
    static EmbeddedStore open(EmbeddedStoreConfig config, Clock clock, Duration maintenanceTick) {
        Path dir = config.dataDir();
        boolean create = DataDir.prepare(dir);
        if (create) {
            DataDir.createDatabase(dir);
        }
        Backend backend = Backend.open(dir.resolve(DataDir.DB), false);
        EmbeddedStore store;
        try {
            store = new EmbeddedStore(config, clock, maintenanceTick, backend);
        } catch (RocksDBException | RuntimeException e) {
            backend.close();
            throw new UnavailableException("cannot open skiff store at " + dir + ": cannot rebuild index: "
                    + e.getMessage(), e);
        }
        store.writer.start();
        store.maintenance.start();
        LOG.info("store opened dir={} created={} revision={} compactRevision={} leases={}", dir, create,
                store.state.committedRevision, store.state.compactRevision, store.leases.ids().size());
        return store;
    }

    // ---- KV ------------------------------------------------------------------------------

    @Override
    public RangeResponse range(RangeRequest r) {
        validator.check(r);
        try (Lifecycle.Permit p = lifecycle.enter()) {
            List<KeyIndex.Hit> hits;
            long revision;
            Snapshot snap;
            state.index.readLock().lock();
            try {
                revision = state.committedRevision;
                long at = r.revision() == 0 ? revision : r.revision();
                if (at > revision) {
                    throw new FutureRevisionException();
                }
                if (at < state.compactRevision) {
                    throw new CompactedException(state.compactRevision);
                }
                hits = state.index.range(r.key(), r.rangeEnd(), at);
                // taken under the index lock: the records these hits point at cannot be compacted away from it
                snap = backend.snapshot();
            } finally {
                state.index.readLock().unlock();
            }
            try {
                return RangeEvaluator.evaluate(r, hits, revision, (key, e) -> readValue(key, e, snap));
            } finally {
                backend.release(snap);
            }
        }
    }

    private ByteString readValue(ByteString key, KeyIndex.Entry e, Snapshot snap) {
        try {
            ChangeRecord rec = backend.read(e.main(), e.sub(), snap);
            if (rec == null) {
                throw new UnavailableException("skiff store at " + backend.dir() + " is missing the record of "
                        + key.toStringUtf8() + " at revision " + e.main());
            }
            return rec.value();
        } catch (RocksDBException ex) {
            throw new UnavailableException("read failed: " + ex.getMessage(), ex);
        }
    }

    @Override
    public PutResponse put(PutRequest request) {
        return (PutResponse) write(request);
    }

    @Override
    public DeleteRangeResponse deleteRange(DeleteRangeRequest request) {
        return (DeleteRangeResponse) write(request);
    }

    @Override
    public TxnResponse txn(TxnRequest request) {
        return (TxnResponse) write(request);
    }

    private Object write(Op op) {
        validator.check(op);
        try (Lifecycle.Permit p = lifecycle.enter()) {
            return writer.submit(new Mutation.Write(op));
        }
    }

    @Override
    public CompletableFuture<PutResponse> putAsync(PutRequest request) {
        return writeAsync(request).thenApply(PutResponse.class::cast);
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRangeAsync(DeleteRangeRequest request) {
        return writeAsync(request).thenApply(DeleteRangeResponse.class::cast);
    }

    @Override
    public CompletableFuture<TxnResponse> txnAsync(TxnRequest request) {
        return writeAsync(request).thenApply(TxnResponse.class::cast);
    }

    /**
     * As {@link #write}, without waiting. The permit covers the enqueueing only: close stops (joins)
     * the writer before freeing the database, and fails whatever is still queued.
     */
    private CompletableFuture<Object> writeAsync(Op op) {
        validator.check(op);
        try (Lifecycle.Permit p = lifecycle.enter()) {
            return writer.submitAsync(new Mutation.Write(op));
        }
    }

    @Override
    public void compact(long revision) {
        try (Lifecycle.Permit p = lifecycle.enter()) {
            writer.submit(new Mutation.Compact(revision));
        }
    }

    // ---- watch ---------------------------------------------------------------------------

    @Override
    public Watch watch(WatchRequest request, WatchListener listener) {
        try (Lifecycle.Permit p = lifecycle.enter()) {
            return watches.start(request, listener);
        }
    }

    // ---- leases --------------------------------------------------------------------------

    @Override
    public Lease leaseGrant(long id, long ttlSeconds) {
        try (Lifecycle.Permit p = lifecycle.enter()) {
            return (Lease) writer.submit(new Mutation.Grant(id, ttlSeconds));
        }
    }

    @Override
    public void leaseRevoke(long id) {
        try (Lifecycle.Permit p = lifecycle.enter()) {
            writer.submit(new Mutation.Revoke(id));
        }
    }

    @Override
    public long leaseKeepAlive(long id) {
        try (Lifecycle.Permit p = lifecycle.enter()) {
            return leases.keepAlive(id);
        }
    }

    @Override
    public Lease leaseTimeToLive(long id, boolean withKeys) {
        try (Lifecycle.Permit p = lifecycle.enter()) {
            LeaseManager.Live live = leases.get(id);
            List<ByteString> keys = List.of();
            if (withKeys) {
                // the durable view: keys whose current version carries this lease
                state.index.readLock().lock();
                try {
                    keys = state.index.range(ByteString.copyFrom(new byte[] {0}), KeyRange.ALL, state.committedRevision)
                            .stream().filter(h -> h.entry().lease() == id).map(KeyIndex.Hit::key).toList();
                } finally {
                    state.index.readLock().unlock();
                }
            }
            return new Lease(id, leases.remainingTtl(live), live.grantedTtl, keys);
        }
    }

    @Override
    public List<Long> leases() {
        try (Lifecycle.Permit p = lifecycle.enter()) {
            return leases.ids();
        }
    }

    // ---- maintenance ---------------------------------------------------------------------

    @Override
    public StoreStatus status() {
        try (Lifecycle.Permit p = lifecycle.enter()) {
            return new StoreStatus(VERSION, state.committedRevision, state.compactRevision, backend.sizeOnDisk());
        }
    }

    /** Writes a consistent snapshot of the durable state, ending in a SHA-256 trailer; runs online. */
    public void snapshot(OutputStream out) {
        try (Lifecycle.Permit p = lifecycle.enter()) {
            Snapshot snap = backend.snapshot();
            try {
                SnapshotCodec.write(backend, snap, out);
            } finally {
                backend.release(snap);
            }
        }
    }

    /**
     * Recreates a store in {@code dataDir} (which must be missing or empty) from a snapshot. The
     * checksum is verified before anything appears at {@code dataDir}.
     */
    public static void restore(InputStream snapshot, Path dataDir) {
        SnapshotCodec.restore(snapshot, dataDir);
    }

    /** Synced RocksDB writes so far: lets tests observe group commit. */
    long syncCount() {
        return writer.syncCount();
    }

    void beforeSyncHook(Runnable hook) {
        writer.beforeSync = hook;
    }

    int historyVersions() {
        state.index.readLock().lock();
        try {
            return state.index.versionCount();
        } finally {
            state.index.readLock().unlock();
        }
    }

    long compactionTicks() {
        return maintenance.compactionTicks();
    }

    int activeWatches() {
        return watches.activeCount();
    }

    @Override
    public void close() {
        if (!lifecycle.markClosed()) {
            return;
        }
        maintenance.stop();
        writer.stop();
        watches.stop();
        lifecycle.awaitQuiescent();
        backend.close();
        LOG.info("store closed dir={}", backend.dir());
    }
}
