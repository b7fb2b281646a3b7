package dev.skiff.registry.cacher;

import com.google.protobuf.ByteString;
import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.storage.ContinueToken;
import dev.skiff.registry.storage.ListOptions;
import dev.skiff.registry.storage.ListResult;
import dev.skiff.registry.storage.ResourceVersionMatch;
import dev.skiff.registry.storage.Storage;
import dev.skiff.registry.watch.WatchEvent;
import dev.skiff.registry.watch.WatchOptions;
import dev.skiff.registry.watch.WatchStream;
import dev.skiff.registry.watch.Watcher;
import dev.skiff.store.CompactedException;
import dev.skiff.store.Event;
import dev.skiff.store.Store;
import dev.skiff.store.StoreException;
import dev.skiff.store.Watch;
import dev.skiff.store.WatchListener;
import dev.skiff.store.WatchRequest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.pcollections.TreePMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One resource's watch cache, as upstream's cacher (k8s.io/apiserver/pkg/storage/cacher): a single
 * store watch keeps the current objects (decoded once) and a sliding window of recent events, and
 * serves watches and most lists from memory, so N watchers cost one store watch.
 *
 * <p>Watches from "", "0" or a resourceVersion inside the window are served here; one older than a
 * window that has already dropped events is 410 Expired, as upstream. A resourceVersion from before
 * the cache started (nothing dropped yet), or one the store has not reached, goes to the store
 * watch, so answers are the store's. Lists at resourceVersion "0", at "" without a limit (after
 * checking the cache has caught up with the store's current revision, as upstream's consistent
 * reads from cache), and NotOlderThan a revision the cache has reached are served here, paged when
 * they have a limit. Exact revisions and continue tokens are served from the snapshot of the state
 * at that revision while it is in the window (upstream's snapshottable cache), from the store
 * otherwise; pages and tokens are the store's, so either can continue what the other began.
 *
 * <p>Events reach sinks from the store watch's thread with the cache locked: a sink must not block.
 * Listed and watched objects are shared between requests and must not be mutated.
 */
public final class Cacher<T extends HasMetadata> {
    private static final Logger LOG = LoggerFactory.getLogger(Cacher.class);
    /** Upstream's default watch cache capacity before it grows the window (--default-watch-cache-size was 100). */
    public static final int DEFAULT_CAPACITY = 1024;
    /** How long a read waits for the cache to reach a revision, as upstream's blockTimeout. */
    static final Duration FRESHNESS_TIMEOUT = Duration.ofSeconds(3);

    private final Store store;
    private final Storage<T> storage;
    private final Watcher<T> delegate;
    private final int capacity;
    private final String rootPrefix;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    /** The current objects by key relative to the resource's prefix: persistent, so a snapshot is a reference. */
    private TreePMap<String, T> objects = TreePMap.empty();
    /** The state at each revision of the window (and the list the cache began with), for lists at those revisions. */
    private final TreeMap<Long, TreePMap<String, T>> snapshots = new TreeMap<>();
    private final ArrayDeque<CacheEvent<T>> window = new ArrayDeque<>();
    private final Set<CacheWatcher<T>> watchers = new LinkedHashSet<>();
    private Watch storeWatch;
    private boolean ready;
    private boolean evicted;
    private long listRevision;
    private long revision;
    private long storeWatchesStarted;

    public Cacher(Store store, Storage<T> storage, Watcher<T> delegate, int capacity) {
        this.store = store;
        this.storage = storage;
        this.delegate = delegate;
        this.capacity = capacity;
        this.rootPrefix = storage.resource().keyPrefix() + "/";
    }

    // -- list

    public ListResult<T> list(String namespace, ListOptions options) {
        String rv = options.resourceVersion() == null ? "" : options.resourceVersion();
        boolean continuing = options.continueToken() != null && !options.continueToken().isEmpty();
        if (continuing) {
            ContinueToken token = rv.isEmpty() || rv.equals("0") ? ContinueToken.tryDecode(options.continueToken()) : null;
            if (token == null || token.revision() == -1) {
                return storage.list(namespace, options); // the store words the error, or reads the latest revision
            }
            return fromSnapshot(namespace, options, token.revision(), token.start());
        }
        boolean legacyExact = options.match() == ResourceVersionMatch.UNSET && options.limit() > 0 && !rv.isEmpty() && !rv.equals("0");
        if (options.match() == ResourceVersionMatch.EXACT || legacyExact) {
            long at = rv.isEmpty() ? 0 : Storage.parseResourceVersion(rv);
            return at == 0 ? storage.list(namespace, options) : fromSnapshot(namespace, options, at, null);
        }
        long wanted;
        if (rv.isEmpty()) {
            if (options.match() != ResourceVersionMatch.UNSET) {
                return storage.list(namespace, options); // the store words the error
            }
            wanted = storage.currentRevision();
        } else {
            wanted = Storage.parseResourceVersion(rv);
        }
        TreePMap<String, T> state;
        long at;
        lock.lock();
        try {
            if (!ensureReady() || !fresh(wanted)) {
                return storage.list(namespace, options);
            }
            state = objects;
            at = revision;
        } finally {
            lock.unlock();
        }
        return page(state, at, namespace, null, options);
    }

    /**
     * A list of the state at revision {@code at} (an exact resourceVersion or a continue token's), as upstream's
     * snapshottable cache (KEP-4988): from the snapshot the cache kept for it, or from the store when the cache no
     * longer (or not yet) holds that revision.
     */
    private ListResult<T> fromSnapshot(String namespace, ListOptions options, long at, String start) {
        TreePMap<String, T> state;
        lock.lock();
        try {
            if (!ensureReady() || !fresh(at)) {
                return storage.list(namespace, options);
            }
            var snapshot = snapshots.floorEntry(at);
            if (snapshot == null) {
                return storage.list(namespace, options);
            }
            state = snapshot.getValue();
        } finally {
            lock.unlock();
        }
        return page(state, at, namespace, start, options);
    }

    /**
     * Up to {@code options.limit()} objects of {@code state} in {@code namespace} matching the predicate, from key
     * {@code start} on; a continue token (in the store's encoding, so either can serve the next page) when more keys
     * follow, and the count of those when nothing is filtered, as the store answers.
     */
    private ListResult<T> page(TreePMap<String, T> state, long at, String namespace, String start, ListOptions options) {
        String prefix = prefix(namespace);
        String from = start != null && start.compareTo(prefix) > 0 ? start : prefix;
        String to = prefix.isEmpty() ? null : prefix + Character.MAX_VALUE;
        if (to != null && from.compareTo(to) >= 0) {
            return new ListResult<>(List.of(), Long.toString(at), null, null);
        }
        var range = to == null ? state.tailMap(from, true) : state.subMap(from, true, to, false);
        long limit = options.limit();
        List<T> items = new ArrayList<>();
        var entries = range.entrySet().iterator();
        String lastKey = null;
        while (entries.hasNext() && (limit <= 0 || items.size() < limit)) {
            var entry = entries.next();
            lastKey = entry.getKey();
            if (options.predicate().test(entry.getValue())) {
                items.add(entry.getValue());
            }
        }
        if (!entries.hasNext()) {
            return new ListResult<>(items, Long.toString(at), null, null);
        }
        Long remaining = null;
        if (options.predicate() == ListOptions.EVERYTHING) {
            long count = 0;
            for (; entries.hasNext(); entries.next()) {
                count++;
            }
            remaining = count;
        }
        return new ListResult<>(items, Long.toString(at), new ContinueToken(at, lastKey + '\0').encode(), remaining);
    }

    // -- watch

    public WatchStream watch(String namespace, WatchOptions options, Consumer<WatchEvent<T>> sink) {
        String rv = options.resourceVersion() == null ? "" : options.resourceVersion();
        boolean fromNow = rv.isEmpty() || rv.equals("0");
        boolean initialEvents = options.sendInitialEvents() != null ? options.sendInitialEvents() : fromNow;
        long wanted = rv.isEmpty() ? storage.currentRevision() : Storage.parseResourceVersion(rv);
        lock.lock();
        try {
            if (!ensureReady() || !fresh(wanted)) {
                return delegate.watch(namespace, options, sink);
            }
            CacheWatcher<T> watcher = new CacheWatcher<>(prefix(namespace), options, sink);
            if (initialEvents || fromNow) {
                if (initialEvents) {
                    for (T object : scope(namespace).values()) {
                        if (options.predicate().test(object)) {
                            sink.accept(WatchEvent.of(WatchEvent.Type.ADDED, object));
                        }
                    }
                    if (Boolean.TRUE.equals(options.sendInitialEvents()) && options.allowBookmarks()) {
                        T bookmark = bookmark(revision);
                        bookmark.getMetadata().setAnnotations(Map.of(Watcher.INITIAL_EVENTS_END, "true"));
                        sink.accept(WatchEvent.of(WatchEvent.Type.BOOKMARK, bookmark));
                    }
                }
            } else {
                long oldest = evicted ? window.getFirst().revision() : listRevision + 1;
                if (wanted < oldest - 1) {
                    if (!evicted) {
                        // history from before this cache began: only the store knows it
                        return delegate.watch(namespace, options, sink);
                    }
                    sink.accept(WatchEvent.error(ApiException.expired(
                            "too old resource version: " + wanted + " (" + (oldest - 1) + ")")));
                    return closed();
                }
                for (CacheEvent<T> event : window) {
                    if (event.revision() > wanted) {
                        watcher.deliver(event);
                    }
                }
            }
            watchers.add(watcher);
            return new WatchStream() {
                @Override
                public void requestBookmark() {
                    lock.lock();
                    try {
                        watcher.bookmarkRequested = true;
                        if (storeWatch != null) {
                            storeWatch.requestProgress();
                        }
                    } finally {
                        lock.unlock();
                    }
                }

                @Override
                public void close() {
                    lock.lock();
                    try {
                        watchers.remove(watcher);
                    } finally {
                        lock.unlock();
                    }
                }
            };
        } finally {
            lock.unlock();
        }
    }

    /** How many store watches this cache has opened (1 unless it had to restart); for tests and metrics. */
    public long storeWatchesStarted() {
        lock.lock();
        try {
            return storeWatchesStarted;
        } finally {
            lock.unlock();
        }
    }

    /** The revision the cache has caught up to (0 before it started). */
    public long revision() {
        lock.lock();
        try {
            return revision;
        } finally {
            lock.unlock();
        }
    }

    // -- filling the cache

    /** Lists the store and starts the store watch after that list; false when the store cannot be read now. */
    private boolean ensureReady() {
        if (ready) {
            return true;
        }
        try {
            ListResult<T> state = storage.list(null, ListOptions.latest());
            TreeMap<String, T> listed = new TreeMap<>();
            for (T object : state.items()) {
                listed.put(relativeKey(object.getMetadata()), object);
            }
            objects = TreePMap.fromSortedMap(listed);
            window.clear();
            evicted = false;
            listRevision = Long.parseLong(state.resourceVersion());
            revision = listRevision;
            snapshots.clear();
            snapshots.put(listRevision, objects);
            ByteString prefix = ByteString.copyFromUtf8(storage.resource().listPrefix(null));
            storeWatch = store.watch(WatchRequest.prefix(prefix, listRevision + 1).withProgressNotify(), new Feed());
            storeWatchesStarted++;
            ready = true;
            advanced.signalAll();
            return true;
        } catch (RuntimeException e) {
            LOG.warn("watch cache could not start resource={} error={}; serving from the store", storage.resource().plural(),
                    e.toString());
            return false;
        }
    }

    /** Whether the cache is (or soon becomes) at least at {@code wanted}; a revision the store has not reached is not waited for. */
    private boolean fresh(long wanted) {
        return wanted <= revision || wanted <= storage.currentRevision() && awaitRevision(wanted);
    }

    /** Waits (lock held) until the cache reaches {@code wanted}, asking the store for progress; false on timeout. */
    private boolean awaitRevision(long wanted) {
        long deadline = System.nanoTime() + FRESHNESS_TIMEOUT.toNanos();
        Watch asked = null;
        try {
            while (ready && revision < wanted) {
                if (asked != storeWatch) {
                    asked = storeWatch;
                    asked.requestProgress();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                advanced.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
            return ready;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private final class Feed implements WatchListener {
        @Override
        public void onEvents(long at, List<Event> events) {
            lock.lock();
            try {
                for (Event event : events) {
                    apply(event);
                }
                revision = Math.max(revision, at);
                advanced.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onProgress(long at) {
            lock.lock();
            try {
                revision = Math.max(revision, at);
                advanced.signalAll();
                for (CacheWatcher<T> watcher : watchers) {
                    if (watcher.bookmarks || watcher.bookmarkRequested) {
                        watcher.bookmarkRequested = false;
                        if (watcher.bookmarks) {
                            watcher.sink.accept(WatchEvent.of(WatchEvent.Type.BOOKMARK, bookmark(revision)));
                        }
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onError(StoreException error) {
            lock.lock();
            try {
                if (storeWatch == null) {
                    return;
                }
                // as upstream's cacher when its reflector fails: every watcher ends and the cache relists (here lazily)
                ApiException ended = error instanceof CompactedException compacted
                        ? ApiException.expired("too old resource version: " + revision + " (" + compacted.compactRevision() + ")")
                        : ApiException.internal(error.getMessage());
                LOG.warn("watch cache store watch ended resource={} revision={} error={}; relisting on the next request",
                        storage.resource().plural(), revision, error.getMessage());
                for (CacheWatcher<T> watcher : watchers) {
                    watcher.sink.accept(WatchEvent.error(ended));
                }
                watchers.clear();
                ready = false;
                storeWatch = null;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Applies one store change (lock held): updates the current state, the window and every watcher. */
    private void apply(Event change) {
        String key = change.kv().key().toStringUtf8().substring(rootPrefix.length());
        long at = change.kv().modRevision();
        T previous = objects.get(key);
        T current = null;
        if (change.type() == Event.Type.PUT) {
            current = storage.codec().decode(change.kv().value(), storage.resource().type(), at);
            objects = objects.plus(key, current);
        } else {
            if (previous == null) {
                return; // a key this cache never held (not a decodable object of this resource)
            }
            objects = objects.minus(key);
        }
        snapshots.put(at, objects);
        CacheEvent<T> event = new CacheEvent<>(at, key, current, previous, storage.codec());
        window.addLast(event);
        if (window.size() > capacity) {
            window.removeFirst();
            evicted = true;
            snapshots.headMap(window.getFirst().revision(), false).clear(); // as upstream, snapshots live as long as the window
        }
        event.beginDispatch();
        try {
            for (CacheWatcher<T> watcher : watchers) {
                watcher.deliver(event);
            }
        } finally {
            event.endDispatch();
        }
    }

    private TreePMap<String, T> scope(String namespace) {
        String prefix = prefix(namespace);
        return prefix.isEmpty() ? objects : objects.subMap(prefix, true, prefix + Character.MAX_VALUE, false);
    }

    private String prefix(String namespace) {
        return storage.resource().listPrefix(namespace).substring(rootPrefix.length());
    }

    private String relativeKey(ObjectMeta meta) {
        return storage.resource().key(meta.getNamespace(), meta.getName()).substring(rootPrefix.length());
    }

    private T bookmark(long at) {
        return Watcher.bookmark(storage.resource(), at);
    }

    private static WatchStream closed() {
        return new WatchStream() {
            @Override
            public void requestBookmark() {
            }

            @Override
            public void close() {
            }
        };
    }
}
