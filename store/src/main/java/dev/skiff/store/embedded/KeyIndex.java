package dev.skiff.store.embedded;

import com.google.protobuf.ByteString;
import dev.skiff.store.KeyRange;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * In-memory index from key to its revision history, like etcd's treeIndex. It holds everything
 * about each version except the value (which stays in the RocksDB log), so counts, filters and
 * most sorts never touch disk.
 *
 * <p>Only the writer thread mutates it (under the write lock). Readers take the read lock and
 * look at a revision they know is durable; entries the writer has added for a batch that is not
 * yet fsynced have larger revisions and are therefore invisible to them.
 */
final class KeyIndex {

    /** One version of a key; {@code tombstone} marks a deletion at {@code main}. */
    record Entry(long main, int sub, long createRevision, long version, long lease, boolean tombstone) {
    }

    record Hit(ByteString key, Entry entry) {
    }

    private final NavigableMap<ByteString, List<Entry>> keys =
            new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    ReentrantReadWriteLock.ReadLock readLock() {
        return lock.readLock();
    }

    ReentrantReadWriteLock.WriteLock writeLock() {
        return lock.writeLock();
    }

    /** Appends a version; revisions must arrive in increasing order per key. */
    void add(ByteString key, Entry entry) {
        keys.computeIfAbsent(key, k -> new ArrayList<>(2)).add(entry);
    }

    /** The live version of {@code key} at {@code rev}, or null when absent or deleted then. */
    Entry get(ByteString key, long rev) {
        List<Entry> history = keys.get(key);
        return history == null ? null : liveAt(history, rev);
    }

    private static Entry liveAt(List<Entry> history, long rev) {
        for (int i = history.size() - 1; i >= 0; i--) {
            Entry e = history.get(i);
            if (e.main() <= rev) {
                return e.tombstone() ? null : e;
            }
        }
        return null;
    }

    /** Live versions at {@code rev} of every key named by (key, rangeEnd), in key order. */
    List<Hit> range(ByteString key, ByteString rangeEnd, long rev) {
        List<Hit> out = new ArrayList<>();
        if (KeyRange.isInverted(key, rangeEnd)) {
            return out;
        }
        if (rangeEnd.isEmpty()) {
            Entry e = get(key, rev);
            if (e != null) {
                out.add(new Hit(key, e));
            }
            return out;
        }
        NavigableMap<ByteString, List<Entry>> view = rangeEnd.equals(KeyRange.ALL)
                ? keys.tailMap(key, true) : keys.subMap(key, true, rangeEnd, false);
        for (Map.Entry<ByteString, List<Entry>> kv : view.entrySet()) {
            Entry e = liveAt(kv.getValue(), rev);
            if (e != null) {
                out.add(new Hit(kv.getKey(), e));
            }
        }
        return out;
    }

    /**
     * Drops history below {@code rev}: per key, everything older than the version current at
     * {@code rev}, and that version too when it is a deletion older than {@code rev} (a deletion
     * exactly at {@code rev} stays so a watch starting there still sees it). Returns the dropped
     * versions as (main, sub) so their log records can be deleted.
     */
    List<long[]> compact(long rev) {
        List<long[]> dropped = new ArrayList<>();
        Iterator<Map.Entry<ByteString, List<Entry>>> it = keys.entrySet().iterator();
        while (it.hasNext()) {
            List<Entry> history = it.next().getValue();
            int keep = -1; // index of the version current at rev
            for (int i = history.size() - 1; i >= 0; i--) {
                if (history.get(i).main() <= rev) {
                    keep = i;
                    break;
                }
            }
            if (keep < 0) {
                continue;
            }
            Entry current = history.get(keep);
            int from = current.tombstone() && current.main() < rev ? keep + 1 : keep;
            for (int i = 0; i < from; i++) {
                dropped.add(new long[] {history.get(i).main(), history.get(i).sub()});
            }
            if (from > 0) {
                history.subList(0, from).clear();
            }
            if (history.isEmpty()) {
                it.remove();
            }
        }
        return dropped;
    }

    /** Number of versions held, for tests and logs. */
    int versionCount() {
        return keys.values().stream().mapToInt(List::size).sum();
    }
}
