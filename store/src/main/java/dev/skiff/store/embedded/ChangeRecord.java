package dev.skiff.store.embedded;

import com.google.protobuf.ByteString;
import dev.skiff.store.KeyValue;
import java.nio.ByteBuffer;

/**
 * One key's change at one revision, as stored in the revision-keyed log. A revision may change
 * several keys (a txn); {@code sub} orders them. {@code prevMain}/{@code prevSub} point at the
 * key's previous live version (0 when there was none) so watchers can supply prevKv without a
 * second index; the pointee may have been compacted away, in which case there is no prevKv.
 */
record ChangeRecord(long main, int sub, ByteString key, ByteString value, long createRevision, long version,
                    long lease, boolean tombstone, long prevMain, int prevSub) {

    private static final byte FORMAT = 1;
    private static final byte TOMBSTONE = 1;

    /** The log's key: main then sub, big-endian, so RocksDB's bytewise order is revision order. */
    static byte[] logKey(long main, int sub) {
        return ByteBuffer.allocate(12).putLong(main).putInt(sub).array();
    }

    static long mainOf(byte[] logKey) {
        return ByteBuffer.wrap(logKey).getLong();
    }

    byte[] logKey() {
        return logKey(main, sub);
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(2 + 8 * 4 + 4 + 4 + key.size() + 4 + value.size());
        b.put(FORMAT).put(tombstone ? TOMBSTONE : 0);
        b.putLong(createRevision).putLong(version).putLong(lease).putLong(prevMain).putInt(prevSub);
        b.putInt(key.size());
        key.copyTo(b);
        b.putInt(value.size());
        value.copyTo(b);
        return b.array();
    }

    /** Throws {@link IllegalStateException} on a record this code did not write (corruption). */
    static ChangeRecord decode(byte[] logKey, byte[] bytes) {
        try {
            ByteBuffer k = ByteBuffer.wrap(logKey);
            long main = k.getLong();
            int sub = k.getInt();
            ByteBuffer b = ByteBuffer.wrap(bytes);
            byte format = b.get();
            if (format != FORMAT) {
                throw new IllegalStateException("unknown log record format " + format + " at revision " + main);
            }
            boolean tomb = b.get() == TOMBSTONE;
            long create = b.getLong();
            long version = b.getLong();
            long lease = b.getLong();
            long prevMain = b.getLong();
            int prevSub = b.getInt();
            ByteString key = ByteString.copyFrom(b, b.getInt());
            ByteString value = ByteString.copyFrom(b, b.getInt());
            if (b.hasRemaining()) {
                throw new IllegalStateException("trailing bytes in log record at revision " + main);
            }
            return new ChangeRecord(main, sub, key, value, create, version, lease, tomb, prevMain, prevSub);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new IllegalStateException("truncated log record", e);
        }
    }

    /** etcd's view of this change: a tombstone carries only the key and its deletion revision. */
    KeyValue toKeyValue() {
        return tombstone
                ? new KeyValue(key, ByteString.EMPTY, 0, main, 0, 0)
                : new KeyValue(key, value, createRevision, main, version, lease);
    }
}
