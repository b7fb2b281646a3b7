package dev.skiff.store.embedded;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.WriteBatch;

/**
 * What one group commit accumulates: the RocksDB batch, the values it holds (readable by later
 * requests of the same batch before they are on disk), and actions that make the batch visible
 * once it is durable.
 */
final class Batch implements AutoCloseable {
    final WriteBatch writes = new WriteBatch();
    private final Map<Long, Map<Integer, ByteString>> values = new HashMap<>();
    private final List<Runnable> onPublish = new ArrayList<>();
    private boolean dirty;

    void markDirty() {
        dirty = true;
    }

    boolean dirty() {
        return dirty;
    }

    void remember(long main, int sub, ByteString value) {
        values.computeIfAbsent(main, k -> new HashMap<>()).put(sub, value);
    }

    ByteString pendingValue(long main, int sub) {
        Map<Integer, ByteString> subs = values.get(main);
        return subs == null ? null : subs.get(sub);
    }

    void onPublish(Runnable action) {
        onPublish.add(action);
    }

    void publish() {
        onPublish.forEach(Runnable::run);
    }

    @Override
    public void close() {
        writes.close();
    }
}
