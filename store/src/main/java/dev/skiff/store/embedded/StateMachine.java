package dev.skiff.store.embedded;

import com.google.protobuf.ByteString;
import dev.skiff.store.CompactedException;
import dev.skiff.store.Compare;
import dev.skiff.store.DeleteRangeRequest;
import dev.skiff.store.DeleteRangeResponse;
import dev.skiff.store.FutureRevisionException;
import dev.skiff.store.InvalidArgumentException;
import dev.skiff.store.KeyValue;
import dev.skiff.store.Lease;
import dev.skiff.store.LeaseNotFoundException;
import dev.skiff.store.Op;
import dev.skiff.store.OpResponse;
import dev.skiff.store.PutRequest;
import dev.skiff.store.PutResponse;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.TxnRequest;
import dev.skiff.store.TxnResponse;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.rocksdb.RocksDBException;

/**
 * etcd's MVCC apply rules. The writer thread calls {@link #apply} for each queued mutation while
 * holding the index write lock; the changes go into the index at once (invisible to readers,
 * whose revision is {@link #committedRevision}) and into the batch, and become visible in
 * {@link #publish} after the batch is fsynced.
 */
final class StateMachine {
    static final String KEY_NOT_FOUND = "etcdserver: key not found";
    static final String LEASE_EXISTS = "etcdserver: lease already exists";
    private static final long LATEST = Long.MAX_VALUE;

    final KeyIndex index;
    final Backend backend;
    final LeaseManager leases;
    private final LongConsumer onCommitted;

    /** The newest durable revision: what readers see. */
    volatile long committedRevision;
    /** Reads and watches below this fail. Raised before the compaction is durable (harmless: a crash only undoes it). */
    volatile long compactRevision;
    /** The writer's revision, including applied but not yet durable requests. Writer thread only. */
    private long currentRevision;

    private StateMachine(KeyIndex index, Backend backend, LeaseManager leases, LongConsumer onCommitted) {
        this.index = index;
        this.backend = backend;
        this.leases = leases;
        this.onCommitted = onCommitted;
    }

    /** Rebuilds the index and the leases from what is on disk, as etcd's restore does. */
    static StateMachine recover(Backend backend, LeaseManager leases, LongConsumer onCommitted) throws RocksDBException {
        StateMachine sm = new StateMachine(new KeyIndex(), backend, leases, onCommitted);
        long revision = Math.max(1, backend.metaLong(Backend.META_REVISION)); // an empty etcd is at revision 1
        sm.compactRevision = backend.metaLong(Backend.META_COMPACT);
        backend.scanLog(0, Long.MAX_VALUE, null, r -> {
            sm.index.add(r.key(), new KeyIndex.Entry(r.main(), r.sub(), r.createRevision(), r.version(), r.lease(),
                    r.tombstone()));
            return true;
        });
        for (long[] lease : backend.leases()) {
            leases.grant(lease[0], lease[1]);
            leases.publishGrant(lease[0], lease[1]);
        }
        for (KeyIndex.Hit hit : sm.index.range(ByteString.copyFrom(new byte[] {0}), dev.skiff.store.KeyRange.ALL, LATEST)) {
            leases.attach(hit.key(), hit.entry().lease());
        }
        sm.currentRevision = revision;
        sm.committedRevision = revision;
        return sm;
    }

    long currentRevision() {
        return currentRevision;
    }

    /** Applies one mutation; throws a StoreException (and changes nothing) when it is refused. */
    Object apply(Mutation m, Batch b) throws RocksDBException {
        return switch (m) {
            case Mutation.Write w -> applyWrite(w.op(), b);
            case Mutation.Compact c -> {
                compact(c.revision(), b);
                yield Boolean.TRUE;
            }
            case Mutation.Grant g -> grant(g.id(), g.ttlSeconds(), b);
            case Mutation.Revoke r -> {
                revoke(r.id(), b);
                yield Boolean.TRUE;
            }
            case Mutation.Expire e -> {
                if (!leases.isExpired(e.id())) {
                    yield Boolean.FALSE;
                }
                revoke(e.id(), b);
                yield Boolean.TRUE;
            }
        };
    }

    /** Called once the batch is on disk: readers and watchers may now see it. */
    void publish(Batch b) {
        b.publish();
        committedRevision = currentRevision;
        onCommitted.accept(currentRevision);
    }

    // ---- writes --------------------------------------------------------------------------

    /** One request's revision: allocated lazily so that a request that changes nothing keeps the revision. */
    private final class Scope {
        final long revision = currentRevision + 1;
        int changes;

        int nextSub() {
            return changes++;
        }

        /** The revision after the ops executed so far (etcd reports it per op inside a txn). */
        long soFar() {
            return changes > 0 ? revision : currentRevision;
        }

        long finish(Batch b) throws RocksDBException {
            if (changes > 0) {
                currentRevision = revision;
                backend.putMeta(b.writes, Backend.META_REVISION, revision);
                b.markDirty();
            }
            return currentRevision;
        }
    }

    private OpResponse applyWrite(Op op, Batch b) throws RocksDBException {
        Map<TxnRequest, Boolean> path = new IdentityHashMap<>();
        resolve(op, path, b);
        precheck(op, path);
        Scope scope = new Scope();
        OpResponse response = execute(op, path, scope, b);
        return withTxnRevision(response, scope.finish(b));
    }

    /** Evaluates every compare on the path against the state before the request, as etcd does. */
    private void resolve(Op op, Map<TxnRequest, Boolean> path, Batch b) {
        if (op instanceof TxnRequest t) {
            boolean ok = t.compare().stream().allMatch(c -> compare(c, b));
            path.put(t, ok);
            (ok ? t.success() : t.failure()).forEach(o -> resolve(o, path, b));
        }
    }

    /** Refuses the whole request before anything is changed (so a txn is never half applied). */
    private void precheck(Op op, Map<TxnRequest, Boolean> path) {
        switch (op) {
            case PutRequest p -> {
                if ((p.ignoreValue() || p.ignoreLease()) && index.get(p.key(), LATEST) == null) {
                    throw new InvalidArgumentException(KEY_NOT_FOUND);
                }
                if (!p.ignoreLease() && p.lease() != 0 && !leases.exists(p.lease())) {
                    throw new LeaseNotFoundException();
                }
            }
            case RangeRequest r -> checkRevision(r.revision());
            case TxnRequest t -> (path.get(t) ? t.success() : t.failure()).forEach(o -> precheck(o, path));
            case DeleteRangeRequest d -> {
            }
        }
    }

    private void checkRevision(long rev) {
        if (rev > currentRevision) {
            throw new FutureRevisionException();
        }
        if (rev != 0 && rev < compactRevision) {
            throw new CompactedException(compactRevision);
        }
    }

    private OpResponse execute(Op op, Map<TxnRequest, Boolean> path, Scope s, Batch b) throws RocksDBException {
        return switch (op) {
            case PutRequest p -> put(p, s, b);
            case DeleteRangeRequest d -> delete(d, s, b);
            case RangeRequest r -> RangeEvaluator.evaluate(r,
                    index.range(r.key(), r.rangeEnd(), r.revision() == 0 ? LATEST : r.revision()), s.soFar(),
                    (key, e) -> value(key, e, b));
            case TxnRequest t -> {
                boolean ok = path.get(t);
                List<OpResponse> responses = new ArrayList<>();
                for (Op o : ok ? t.success() : t.failure()) {
                    responses.add(execute(o, path, s, b));
                }
                yield new TxnResponse(0, ok, responses); // header filled in by withTxnRevision
            }
        };
    }

    private PutResponse put(PutRequest p, Scope s, Batch b) throws RocksDBException {
        KeyIndex.Entry prev = index.get(p.key(), LATEST);
        ByteString value = p.ignoreValue() ? value(p.key(), prev, b) : p.value();
        long lease = p.ignoreLease() ? prev.lease() : p.lease();
        long rev = s.revision;
        int sub = s.nextSub();
        KeyIndex.Entry e = new KeyIndex.Entry(rev, sub, prev == null ? rev : prev.createRevision(),
                prev == null ? 1 : prev.version() + 1, lease, false);
        KeyValue prevKv = p.prevKv() && prev != null ? keyValue(p.key(), prev, b) : null;
        record(p.key(), e, value, prev, b);
        if (prev != null) {
            leases.detach(p.key(), prev.lease());
        }
        leases.attach(p.key(), lease);
        return new PutResponse(s.soFar(), prevKv);
    }

    private DeleteRangeResponse delete(DeleteRangeRequest d, Scope s, Batch b) throws RocksDBException {
        List<KeyIndex.Hit> hits = index.range(d.key(), d.rangeEnd(), LATEST);
        List<KeyValue> prevKvs = new ArrayList<>();
        for (KeyIndex.Hit h : hits) {
            if (d.prevKv()) {
                prevKvs.add(keyValue(h.key(), h.entry(), b));
            }
            tombstone(h.key(), h.entry(), s, b);
        }
        return new DeleteRangeResponse(s.soFar(), hits.size(), List.copyOf(prevKvs));
    }

    private void tombstone(ByteString key, KeyIndex.Entry prev, Scope s, Batch b) throws RocksDBException {
        KeyIndex.Entry e = new KeyIndex.Entry(s.revision, s.nextSub(), 0, 0, 0, true);
        record(key, e, ByteString.EMPTY, prev, b);
        leases.detach(key, prev.lease());
    }

    private void record(ByteString key, KeyIndex.Entry e, ByteString value, KeyIndex.Entry prev, Batch b)
            throws RocksDBException {
        index.add(key, e);
        backend.putLog(b.writes, new ChangeRecord(e.main(), e.sub(), key, value, e.createRevision(), e.version(),
                e.lease(), e.tombstone(), prev == null ? 0 : prev.main(), prev == null ? 0 : prev.sub()));
        b.remember(e.main(), e.sub(), value);
    }

    private ByteString value(ByteString key, KeyIndex.Entry e, Batch b) {
        ByteString pending = b.pendingValue(e.main(), e.sub());
        if (pending != null) {
            return pending;
        }
        try {
            ChangeRecord r = backend.read(e.main(), e.sub(), null);
            if (r == null) {
                throw new IllegalStateException("log record missing for key " + key.toStringUtf8() + " at " + e.main());
            }
            return r.value();
        } catch (RocksDBException ex) {
            throw new IllegalStateException("cannot read log at revision " + e.main(), ex);
        }
    }

    private KeyValue keyValue(ByteString key, KeyIndex.Entry e, Batch b) {
        return new KeyValue(key, value(key, e, b), e.createRevision(), e.main(), e.version(), e.lease());
    }

    private boolean compare(Compare c, Batch b) {
        List<KeyIndex.Hit> hits = index.range(c.key(), c.rangeEnd(), LATEST);
        if (hits.isEmpty()) {
            // a missing key compares as all-zero; its value matches nothing
            return c.target() != Compare.Target.VALUE && compareNumber(c, 0);
        }
        for (KeyIndex.Hit h : hits) {
            KeyIndex.Entry e = h.entry();
            boolean ok = switch (c.target()) {
                case VERSION -> compareNumber(c, e.version());
                case CREATE -> compareNumber(c, e.createRevision());
                case MOD -> compareNumber(c, e.main());
                case LEASE -> compareNumber(c, e.lease());
                case VALUE -> matches(c.result(),
                        ByteString.unsignedLexicographicalComparator().compare(value(h.key(), e, b), c.value()));
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean compareNumber(Compare c, long actual) {
        return matches(c.result(), Long.compare(actual, c.number()));
    }

    private static boolean matches(Compare.Result result, int cmp) {
        return switch (result) {
            case EQUAL -> cmp == 0;
            case NOT_EQUAL -> cmp != 0;
            case GREATER -> cmp > 0;
            case LESS -> cmp < 0;
        };
    }

    /**
     * Ops report the revision after themselves; a txn (nested ones too: etcd 3.4 leaves their
     * header empty, which clients read as the outer revision) reports the revision it ended at.
     */
    private static OpResponse withTxnRevision(OpResponse r, long rev) {
        return r instanceof TxnResponse t
                ? new TxnResponse(rev, t.succeeded(), t.responses().stream().map(x -> withTxnRevision(x, rev)).toList())
                : r;
    }

    // ---- compaction and leases ---------------------------------------------------------

    private void compact(long rev, Batch b) throws RocksDBException {
        if (rev > currentRevision) {
            throw new FutureRevisionException();
        }
        if (rev <= compactRevision) {
            throw new CompactedException(compactRevision);
        }
        List<long[]> dropped = index.compact(rev);
        for (long[] d : dropped) {
            backend.deleteLog(b.writes, d[0], (int) d[1]);
        }
        compactRevision = rev;
        backend.putMeta(b.writes, Backend.META_COMPACT, rev);
        b.markDirty();
        EmbeddedStore.LOG.info("compacted revision={} droppedVersions={} keptVersions={}", rev, dropped.size(),
                index.versionCount());
    }

    /** etcd 3.4's minLeaseTTL with default --election-timeout=1000 and --heartbeat-interval=100. */
    static final long MIN_LEASE_TTL_SECONDS = 2;
    /** etcd's MaxLeaseTTL; larger TTLs would also overflow the deadline in milliseconds. */
    static final long MAX_LEASE_TTL_SECONDS = 9_000_000_000L;

    private Lease grant(long id, long ttl, Batch b) throws RocksDBException {
        if (ttl > MAX_LEASE_TTL_SECONDS) {
            throw new InvalidArgumentException("etcdserver: too large lease TTL");
        }
        if (id == 0) {
            id = leases.chooseId();
        } else if (leases.exists(id)) {
            throw new InvalidArgumentException(LEASE_EXISTS);
        }
        // etcd raises a TTL below its minimum, ceil(1.5 x election timeout) = 2 s with default timing, to it
        long granted = Math.max(MIN_LEASE_TTL_SECONDS, ttl);
        leases.grant(id, granted);
        backend.putLease(b.writes, id, granted);
        b.markDirty();
        long leaseId = id;
        b.onPublish(() -> leases.publishGrant(leaseId, granted));
        return new Lease(id, granted, granted, List.of());
    }

    private void revoke(long id, Batch b) throws RocksDBException {
        if (!leases.exists(id)) {
            throw new LeaseNotFoundException();
        }
        Scope scope = new Scope();
        for (ByteString key : leases.revoke(id)) {
            KeyIndex.Entry e = index.get(key, LATEST);
            if (e != null) {
                tombstone(key, e, scope, b);
            }
        }
        scope.finish(b);
        backend.deleteLease(b.writes, id);
        b.markDirty();
        b.onPublish(() -> leases.publishRevoke(id));
    }
}
