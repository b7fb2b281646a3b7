package dev.skiff.store.etcdserver;

import com.google.protobuf.ByteString;
import dev.skiff.store.CompactedException;
import dev.skiff.store.Compare;
import dev.skiff.store.DeleteRangeRequest;
import dev.skiff.store.DeleteRangeResponse;
import dev.skiff.store.Event;
import dev.skiff.store.FutureRevisionException;
import dev.skiff.store.InvalidArgumentException;
import dev.skiff.store.KeyRange;
import dev.skiff.store.KeyValue;
import dev.skiff.store.Lease;
import dev.skiff.store.LeaseNotFoundException;
import dev.skiff.store.Op;
import dev.skiff.store.OpResponse;
import dev.skiff.store.PutRequest;
import dev.skiff.store.PutResponse;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.RangeResponse;
import dev.skiff.store.RequestTooLargeException;
import dev.skiff.store.Store;
import dev.skiff.store.StoreException;
import dev.skiff.store.StoreStatus;
import dev.skiff.store.TxnRequest;
import dev.skiff.store.TxnResponse;
import dev.skiff.store.UnavailableException;
import dev.skiff.store.Watch;
import dev.skiff.store.WatchListener;
import dev.skiff.store.WatchRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * TEST DOUBLE ONLY: a small in-memory MVCC {@link Store} (one big lock) used to exercise the etcd
 * endpoint before the embedded engine exists. History per key, revision-grouped event log for
 * watch replay, compaction, leases with expiry. Not for production use.
 */
final class InMemoryStore implements Store {
    private static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

    /** Every version of every key, oldest first; a tombstone has version 0. */
    private final TreeMap<ByteString, List<KeyValue>> history = new TreeMap<>(ORDER);
    /** Events by revision (prevKv always filled when one existed), from the compaction point on. */
    private final TreeMap<Long, List<Event>> log = new TreeMap<>();
    private final Map<Long, LeaseState> leases = new HashMap<>();
    private final Set<Watcher> watchers = new LinkedHashSet<>();
    private final int maxRequestBytes;
    private final Thread expirer;
    private long revision = 1;
    private long compacted;
    private boolean closed;

    // state of the write in progress (under the lock)
    private List<Event> pending;

    InMemoryStore() {
        this(DEFAULT_MAX_REQUEST_BYTES);
    }

    InMemoryStore(int maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
        this.expirer = Thread.ofVirtual().name("inmemory-lease-expirer").start(this::expireLoop);
    }

    private static final class LeaseState {
        final long id;
        final long granted;
        long expiresAtNanos;
        final Set<ByteString> keys = new LinkedHashSet<>();

        LeaseState(long id, long granted) {
            this.id = id;
            this.granted = granted;
            this.expiresAtNanos = System.nanoTime() + granted * 1_000_000_000L;
        }
    }

    // ---- reads ---------------------------------------------------------------------------

    @Override
    public synchronized RangeResponse range(RangeRequest r) {
        open();
        requireKey(r.key());
        long at = r.revision() <= 0 ? revision : r.revision();
        if (at > revision) {
            throw new FutureRevisionException();
        }
        if (at < compacted) {
            throw new CompactedException(compacted);
        }
        return rangeAt(r, at, revision);
    }

    private RangeResponse rangeAt(RangeRequest r, long at, long responseRevision) {
        List<KeyValue> all = new ArrayList<>();
        for (var e : keys(r.key(), r.rangeEnd()).entrySet()) {
            KeyValue kv = visible(e.getValue(), at);
            if (kv != null) {
                all.add(kv);
            }
        }
        long count = all.size();
        if (r.countOnly()) {
            return new RangeResponse(responseRevision, List.of(), false, count);
        }
        List<KeyValue> kvs = new ArrayList<>();
        for (KeyValue kv : all) {
            if ((r.minModRevision() > 0 && kv.modRevision() < r.minModRevision())
                    || (r.maxModRevision() > 0 && kv.modRevision() > r.maxModRevision())
                    || (r.minCreateRevision() > 0 && kv.createRevision() < r.minCreateRevision())
                    || (r.maxCreateRevision() > 0 && kv.createRevision() > r.maxCreateRevision())) {
                continue;
            }
            kvs.add(kv);
        }
        var order = r.sortOrder();
        if (order == RangeRequest.SortOrder.NONE && r.sortTarget() != RangeRequest.SortTarget.KEY) {
            order = RangeRequest.SortOrder.ASCEND;
        }
        if (order != RangeRequest.SortOrder.NONE) {
            Comparator<KeyValue> c = switch (r.sortTarget()) {
                case KEY -> Comparator.comparing(KeyValue::key, ORDER);
                case VERSION -> Comparator.comparingLong(KeyValue::version);
                case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
                case MOD -> Comparator.comparingLong(KeyValue::modRevision);
                case VALUE -> Comparator.comparing(KeyValue::value, ORDER);
            };
            kvs.sort(order == RangeRequest.SortOrder.DESCEND ? c.reversed() : c);
        }
        boolean more = false;
        if (r.limit() > 0 && kvs.size() > r.limit()) {
            kvs = new ArrayList<>(kvs.subList(0, (int) r.limit()));
            more = true;
        }
        if (r.keysOnly()) {
            kvs.replaceAll(kv -> new KeyValue(kv.key(), ByteString.EMPTY, kv.createRevision(), kv.modRevision(),
                    kv.version(), kv.lease()));
        }
        return new RangeResponse(responseRevision, List.copyOf(kvs), more, count);
    }

    private NavigableMap<ByteString, List<KeyValue>> keys(ByteString key, ByteString rangeEnd) {
        if (rangeEnd.isEmpty()) {
            var h = history.get(key);
            TreeMap<ByteString, List<KeyValue>> one = new TreeMap<>(ORDER);
            if (h != null) {
                one.put(key, h);
            }
            return one;
        }
        if (KeyRange.isInverted(key, rangeEnd)) {
            return new TreeMap<>(ORDER);
        }
        if (rangeEnd.equals(KeyRange.ALL)) {
            return history.tailMap(key, true);
        }
        return history.subMap(key, true, rangeEnd, false);
    }

    private static KeyValue visible(List<KeyValue> versions, long at) {
        for (int i = versions.size() - 1; i >= 0; i--) {
            KeyValue kv = versions.get(i);
            if (kv.modRevision() <= at) {
                return kv.version() == 0 ? null : kv;
            }
        }
        return null;
    }

    private KeyValue latest(ByteString key) {
        var h = history.get(key);
        return h == null ? null : visible(h, Long.MAX_VALUE);
    }

    // ---- writes --------------------------------------------------------------------------

    @Override
    public synchronized PutResponse put(PutRequest r) {
        open();
        validate(r);
        begin();
        PutResponse resp = doPut(r);
        commit();
        return new PutResponse(revision, resp.prevKv());
    }

    @Override
    public synchronized DeleteRangeResponse deleteRange(DeleteRangeRequest r) {
        open();
        requireKey(r.key());
        begin();
        DeleteRangeResponse resp = doDelete(r);
        commit();
        return new DeleteRangeResponse(revision, resp.deleted(), resp.prevKvs());
    }

    @Override
    public synchronized TxnResponse txn(TxnRequest r) {
        open();
        validateTxn(r);
        begin();
        TxnResponse resp = doTxn(r);
        commit();
        return withRevision(resp, revision);
    }

    private static TxnResponse withRevision(TxnResponse t, long rev) {
        List<OpResponse> out = new ArrayList<>();
        for (OpResponse op : t.responses()) {
            out.add(switch (op) {
                case RangeResponse x -> new RangeResponse(rev, x.kvs(), x.more(), x.count());
                case PutResponse x -> new PutResponse(rev, x.prevKv());
                case DeleteRangeResponse x -> new DeleteRangeResponse(rev, x.deleted(), x.prevKvs());
                case TxnResponse x -> withRevision(x, rev);
            });
        }
        return new TxnResponse(rev, t.succeeded(), out);
    }

    private void validateTxn(TxnRequest r) {
        if (r.success().size() > MAX_TXN_OPS || r.failure().size() > MAX_TXN_OPS || r.compare().size() > MAX_TXN_OPS) {
            throw new InvalidArgumentException("etcdserver: too many operations in txn request");
        }
        for (List<Op> branch : List.of(r.success(), r.failure())) {
            for (Op op : branch) {
                switch (op) {
                    case PutRequest p -> validate(p);
                    case DeleteRangeRequest d -> requireKey(d.key());
                    case RangeRequest q -> requireKey(q.key());
                    case TxnRequest t -> validateTxn(t);
                }
            }
        }
    }

    private void validate(PutRequest r) {
        requireKey(r.key());
        if (r.key().size() + r.value().size() > maxRequestBytes) {
            throw new RequestTooLargeException();
        }
        if (r.ignoreValue() && !r.value().isEmpty()) {
            throw new InvalidArgumentException("etcdserver: value is provided");
        }
        if (r.ignoreLease() && r.lease() != 0) {
            throw new InvalidArgumentException("etcdserver: lease is provided");
        }
        if ((r.ignoreValue() || r.ignoreLease()) && latest(r.key()) == null) {
            throw new InvalidArgumentException("etcdserver: key not found");
        }
        if (!r.ignoreLease() && r.lease() != 0 && !leases.containsKey(r.lease())) {
            throw new LeaseNotFoundException();
        }
    }

    private void begin() {
        pending = new ArrayList<>();
    }

    private long writeRevision() {
        return revision + 1;
    }

    private void commit() {
        List<Event> events = pending;
        pending = null;
        if (events.isEmpty()) {
            return;
        }
        revision++;
        log.put(revision, List.copyOf(events));
        for (Watcher w : watchers) {
            w.offer(revision, events);
        }
    }

    private PutResponse doPut(PutRequest r) {
        long rev = writeRevision();
        KeyValue prev = latest(r.key());
        ByteString value = r.ignoreValue() ? prev.value() : r.value();
        long lease = r.ignoreLease() ? prev.lease() : r.lease();
        KeyValue kv = new KeyValue(r.key(), value, prev == null ? rev : prev.createRevision(), rev,
                prev == null ? 1 : prev.version() + 1, lease);
        history.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(kv);
        if (prev != null && prev.lease() != 0 && leases.containsKey(prev.lease())) {
            leases.get(prev.lease()).keys.remove(r.key());
        }
        if (lease != 0 && leases.containsKey(lease)) {
            leases.get(lease).keys.add(r.key());
        }
        pending.add(new Event(Event.Type.PUT, kv, prev));
        return new PutResponse(rev, r.prevKv() ? prev : null);
    }

    private DeleteRangeResponse doDelete(DeleteRangeRequest r) {
        long rev = writeRevision();
        List<KeyValue> prevs = new ArrayList<>();
        for (var e : new ArrayList<>(keys(r.key(), r.rangeEnd()).entrySet())) {
            KeyValue prev = visible(e.getValue(), Long.MAX_VALUE);
            if (prev == null) {
                continue;
            }
            KeyValue tomb = new KeyValue(e.getKey(), ByteString.EMPTY, 0, rev, 0, 0);
            e.getValue().add(tomb);
            if (prev.lease() != 0 && leases.containsKey(prev.lease())) {
                leases.get(prev.lease()).keys.remove(e.getKey());
            }
            pending.add(new Event(Event.Type.DELETE, tomb, prev));
            prevs.add(prev);
        }
        return new DeleteRangeResponse(rev, prevs.size(), r.prevKv() ? List.copyOf(prevs) : List.of());
    }

    private TxnResponse doTxn(TxnRequest r) {
        boolean ok = true;
        for (Compare c : r.compare()) {
            if (!holds(c)) {
                ok = false;
                break;
            }
        }
        List<OpResponse> out = new ArrayList<>();
        for (Op op : ok ? r.success() : r.failure()) {
            out.add(switch (op) {
                case RangeRequest q -> {
                    if (q.revision() > 0 && q.revision() < compacted) {
                        throw new CompactedException(compacted);
                    }
                    if (q.revision() > revision) {
                        throw new FutureRevisionException();
                    }
                    yield rangeAt(q, q.revision() > 0 ? q.revision() : Long.MAX_VALUE, revision);
                }
                case PutRequest p -> doPut(p);
                case DeleteRangeRequest d -> doDelete(d);
                case TxnRequest t -> doTxn(t);
            });
        }
        return new TxnResponse(revision, ok, out);
    }

    private boolean holds(Compare c) {
        List<KeyValue> kvs = new ArrayList<>();
        for (var e : keys(c.key(), c.rangeEnd()).entrySet()) {
            KeyValue kv = visible(e.getValue(), Long.MAX_VALUE);
            if (kv != null) {
                kvs.add(kv);
            }
        }
        if (kvs.isEmpty()) {
            if (c.target() == Compare.Target.VALUE) {
                return false;
            }
            kvs.add(null);
        }
        for (KeyValue kv : kvs) {
            int cmp = switch (c.target()) {
                case VERSION -> Long.compare(kv == null ? 0 : kv.version(), c.number());
                case CREATE -> Long.compare(kv == null ? 0 : kv.createRevision(), c.number());
                case MOD -> Long.compare(kv == null ? 0 : kv.modRevision(), c.number());
                case LEASE -> Long.compare(kv == null ? 0 : kv.lease(), c.number());
                case VALUE -> ORDER.compare(kv.value(), c.value());
            };
            boolean pass = switch (c.result()) {
                case EQUAL -> cmp == 0;
                case GREATER -> cmp > 0;
                case LESS -> cmp < 0;
                case NOT_EQUAL -> cmp != 0;
            };
            if (!pass) {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized void compact(long rev) {
        open();
        if (rev <= compacted) {
            throw new CompactedException(compacted);
        }
        if (rev > revision) {
            throw new FutureRevisionException();
        }
        compacted = rev;
        var it = history.entrySet().iterator();
        while (it.hasNext()) {
            List<KeyValue> versions = it.next().getValue();
            int keep = -1;
            for (int i = versions.size() - 1; i >= 0; i--) {
                if (versions.get(i).modRevision() <= rev) {
                    keep = i;
                    break;
                }
            }
            if (keep > 0) {
                versions.subList(0, keep).clear();
                keep = 0;
            }
            if (keep == 0 && versions.getFirst().version() == 0) {
                versions.removeFirst();
            }
            if (versions.isEmpty()) {
                it.remove();
            }
        }
        log.headMap(rev, false).clear();
    }

    // ---- watches -------------------------------------------------------------------------

    @Override
    public synchronized Watch watch(WatchRequest r, WatchListener listener) {
        open();
        Watcher w = new Watcher(r, listener);
        if (r.startRevision() > 0 && r.startRevision() < compacted) {
            w.enqueue(() -> listener.onError(new CompactedException(compacted)));
            w.enqueue(w::stop);
            return w;
        }
        if (r.startRevision() > 0) {
            for (var e : log.tailMap(r.startRevision(), true).entrySet()) {
                w.offer(e.getKey(), e.getValue());
            }
        }
        watchers.add(w);
        return w;
    }

    private final class Watcher implements Watch {
        private final WatchRequest request;
        private final WatchListener listener;
        private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        private final Thread thread;
        private volatile boolean stopped;

        Watcher(WatchRequest request, WatchListener listener) {
            this.request = request;
            this.listener = listener;
            this.thread = Thread.ofVirtual().name("inmemory-watch").start(this::run);
        }

        /** Caller holds the store lock. */
        void offer(long rev, List<Event> events) {
            if (rev < request.startRevision()) {
                return;
            }
            List<Event> mine = new ArrayList<>();
            for (Event e : events) {
                if (!KeyRange.contains(request.key(), request.rangeEnd(), e.kv().key())) {
                    continue;
                }
                if ((e.type() == Event.Type.PUT && request.filterPut())
                        || (e.type() == Event.Type.DELETE && request.filterDelete())) {
                    continue;
                }
                mine.add(request.prevKv() ? e : new Event(e.type(), e.kv(), null));
            }
            if (!mine.isEmpty()) {
                List<Event> batch = List.copyOf(mine);
                enqueue(() -> listener.onEvents(rev, batch));
            }
        }

        void enqueue(Runnable r) {
            queue.add(r);
        }

        private void run() {
            try {
                while (!stopped) {
                    Runnable r = queue.take();
                    if (!stopped) {
                        r.run();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void requestProgress() {
            synchronized (InMemoryStore.this) {
                long rev = revision;
                enqueue(() -> listener.onProgress(rev));
            }
        }

        @Override
        public void close() {
            synchronized (InMemoryStore.this) {
                watchers.remove(this);
            }
            stopped = true;
            queue.add(() -> { });
        }
    }

    /** Open store watches (for tests that check the endpoint closes what it opened). */
    synchronized int watcherCount() {
        return watchers.size();
    }

    // ---- leases --------------------------------------------------------------------------

    @Override
    public synchronized Lease leaseGrant(long id, long ttlSeconds) {
        open();
        if (id == 0) {
            do {
                id = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
            } while (leases.containsKey(id));
        } else if (leases.containsKey(id)) {
            throw new StoreException("etcdserver: lease already exists");
        }
        long ttl = Math.max(1, ttlSeconds);
        leases.put(id, new LeaseState(id, ttl));
        return new Lease(id, ttl, ttl, List.of());
    }

    @Override
    public synchronized void leaseRevoke(long id) {
        open();
        LeaseState l = leases.remove(id);
        if (l == null) {
            throw new LeaseNotFoundException();
        }
        begin();
        for (ByteString key : new ArrayList<>(l.keys)) {
            doDelete(DeleteRangeRequest.key(key));
        }
        commit();
    }

    @Override
    public synchronized long leaseKeepAlive(long id) {
        open();
        LeaseState l = lease(id);
        l.expiresAtNanos = System.nanoTime() + l.granted * 1_000_000_000L;
        return l.granted;
    }

    @Override
    public synchronized Lease leaseTimeToLive(long id, boolean withKeys) {
        open();
        LeaseState l = lease(id);
        long remainingNanos = Math.max(0, l.expiresAtNanos - System.nanoTime());
        long ttl = (remainingNanos + 999_999_999L) / 1_000_000_000L;
        return new Lease(id, ttl, l.granted, withKeys ? List.copyOf(l.keys) : List.of());
    }

    private LeaseState lease(long id) {
        LeaseState l = leases.get(id);
        if (l == null) {
            throw new LeaseNotFoundException();
        }
        return l;
    }

    @Override
    public synchronized List<Long> leases() {
        open();
        return List.copyOf(leases.keySet());
    }

    private void expireLoop() {
        try {
            while (true) {
                Thread.sleep(100);
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    long now = System.nanoTime();
                    Collection<LeaseState> all = new ArrayList<>(leases.values());
                    for (LeaseState l : all) {
                        if (now - l.expiresAtNanos >= 0) {
                            leaseRevoke(l.id);
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- misc ----------------------------------------------------------------------------

    @Override
    public synchronized StoreStatus status() {
        open();
        long size = 0;
        for (List<KeyValue> versions : history.values()) {
            for (KeyValue kv : versions) {
                size += kv.key().size() + kv.value().size() + 40;
            }
        }
        return new StoreStatus("3.4.0", revision, compacted, size);
    }

    private void open() {
        if (closed) {
            throw new UnavailableException("etcdserver: server stopped");
        }
    }

    private static void requireKey(ByteString key) {
        if (key.isEmpty()) {
            throw new InvalidArgumentException("etcdserver: key is not provided");
        }
    }

    @Override
    public void close() {
        List<Watcher> ws;
        synchronized (this) {
            closed = true;
            ws = new ArrayList<>(watchers);
        }
        ws.forEach(Watcher::close);
        expirer.interrupt();
    }
}
