package dev.skiff.store.embedded;

import dev.skiff.store.UnavailableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB side of the store: a {@code log} column family (revision -> {@link ChangeRecord})
 * and a {@code meta} column family (format marker, current and compact revision, leases). Every
 * write goes through {@link #commit} with sync on, so it is on disk when the call returns.
 */
final class Backend implements AutoCloseable {
    static final byte[] CF_LOG = "log".getBytes(StandardCharsets.UTF_8);
    static final byte[] CF_META = "meta".getBytes(StandardCharsets.UTF_8);
    static final byte[] META_FORMAT = "format".getBytes(StandardCharsets.UTF_8);
    static final byte[] META_REVISION = "revision".getBytes(StandardCharsets.UTF_8);
    static final byte[] META_COMPACT = "compact".getBytes(StandardCharsets.UTF_8);
    static final byte[] FORMAT_VALUE = "skiff-mvcc-v1".getBytes(StandardCharsets.UTF_8);
    private static final byte LEASE_PREFIX = 'L';

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final RocksDB db;
    private final ColumnFamilyHandle defaultCf;
    private final ColumnFamilyHandle log;
    private final ColumnFamilyHandle meta;
    private final WriteOptions syncWrites;

    private Backend(Path dir, DBOptions dbOptions, ColumnFamilyOptions cfOptions, RocksDB db,
                    List<ColumnFamilyHandle> handles) {
        this.dir = dir;
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.db = db;
        this.defaultCf = handles.get(0);
        this.log = handles.get(1);
        this.meta = handles.get(2);
        this.syncWrites = new WriteOptions().setSync(true);
    }

    /**
     * Opens (or, with {@code create}, creates) the database in {@code dir}. Failures become an
     * {@link UnavailableException} naming the directory and RocksDB's reason.
     */
    static Backend open(Path dir, boolean create) {
        DBOptions dbOptions = new DBOptions().setCreateIfMissing(create).setCreateMissingColumnFamilies(create)
                .setParanoidChecks(true).setErrorIfExists(create);
        ColumnFamilyOptions cfOptions = new ColumnFamilyOptions();
        List<ColumnFamilyDescriptor> descriptors = List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
                new ColumnFamilyDescriptor(CF_LOG, cfOptions),
                new ColumnFamilyDescriptor(CF_META, cfOptions));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            Backend backend = new Backend(dir, dbOptions, cfOptions, db, handles);
            if (create) {
                backend.db.put(backend.meta, backend.syncWrites, META_FORMAT, FORMAT_VALUE);
            } else {
                byte[] format = backend.db.get(backend.meta, META_FORMAT);
                if (format == null || !java.util.Arrays.equals(format, FORMAT_VALUE)) {
                    backend.close();
                    throw new UnavailableException("cannot open skiff store at " + dir
                            + ": database has no skiff format marker (found "
                            + (format == null ? "none" : new String(format, StandardCharsets.UTF_8)) + ")");
                }
            }
            return backend;
        } catch (RocksDBException e) {
            handles.forEach(ColumnFamilyHandle::close);
            dbOptions.close();
            cfOptions.close();
            throw new UnavailableException("cannot open skiff store at " + dir + ": " + e.getMessage(), e);
        }
    }

    /** For tests that plant damaged records. */
    ColumnFamilyHandle logHandle() {
        return log;
    }

    Path dir() {
        return dir;
    }

    /** Writes the batch atomically and fsyncs it before returning. */
    void commit(WriteBatch batch) throws RocksDBException {
        db.write(syncWrites, batch);
    }

    void putLog(WriteBatch batch, ChangeRecord record) throws RocksDBException {
        batch.put(log, record.logKey(), record.encode());
    }

    void deleteLog(WriteBatch batch, long main, int sub) throws RocksDBException {
        batch.delete(log, ChangeRecord.logKey(main, sub));
    }

    void putMeta(WriteBatch batch, byte[] key, long value) throws RocksDBException {
        batch.put(meta, key, ByteBuffer.allocate(8).putLong(value).array());
    }

    static byte[] leaseKey(long id) {
        return ByteBuffer.allocate(9).put(LEASE_PREFIX).putLong(id).array();
    }

    void putLease(WriteBatch batch, long id, long grantedTtl) throws RocksDBException {
        putMeta(batch, leaseKey(id), grantedTtl);
    }

    void deleteLease(WriteBatch batch, long id) throws RocksDBException {
        batch.delete(meta, leaseKey(id));
    }

    long metaLong(byte[] key) throws RocksDBException {
        byte[] v = db.get(meta, key);
        return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    }

    /** Every persisted lease as id -> granted TTL. */
    List<long[]> leases() {
        List<long[]> out = new ArrayList<>();
        try (RocksIterator it = db.newIterator(meta)) {
            for (it.seek(new byte[] {LEASE_PREFIX}); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (k.length != 9 || k[0] != LEASE_PREFIX) {
                    break;
                }
                out.add(new long[] {ByteBuffer.wrap(k, 1, 8).getLong(), ByteBuffer.wrap(it.value()).getLong()});
            }
            checkStatus(it, "leases");
        }
        return out;
    }

    /** A point-in-time view; release it with {@link #release}. */
    Snapshot snapshot() {
        return db.getSnapshot();
    }

    void release(Snapshot snapshot) {
        db.releaseSnapshot(snapshot);
    }

    /** The record at (main, sub) as seen by {@code snapshot} (null = latest), or null when absent. */
    ChangeRecord read(long main, int sub, Snapshot snapshot) throws RocksDBException {
        byte[] k = ChangeRecord.logKey(main, sub);
        byte[] v;
        if (snapshot == null) {
            v = db.get(log, k);
        } else {
            try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot)) {
                v = db.get(log, ro, k);
            }
        }
        return v == null ? null : ChangeRecord.decode(k, v);
    }

    /**
     * Visits log records with main revision in [fromMain, toMain] in order; the visitor returns
     * false to stop early.
     */
    void scanLog(long fromMain, long toMain, Snapshot snapshot, java.util.function.Predicate<ChangeRecord> visitor) {
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = newIterator(log, ro, snapshot)) {
            for (it.seek(ChangeRecord.logKey(fromMain, 0)); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (ChangeRecord.mainOf(k) > toMain) {
                    break;
                }
                if (!visitor.test(ChangeRecord.decode(k, it.value()))) {
                    break;
                }
            }
            checkStatus(it, "revision log");
        }
    }

    /**
     * An iterator also stops being valid on an I/O error or a corrupt block; without this check that
     * would read as the end of the data (a partial index at open, a watch skipping events, a
     * truncated snapshot with a valid checksum).
     */
    private static void checkStatus(RocksIterator it, String what) {
        try {
            it.status();
        } catch (RocksDBException e) {
            throw new UnavailableException("skiff store cannot read its " + what + ": " + e.getMessage(), e);
        }
    }

    private RocksIterator newIterator(ColumnFamilyHandle cf, ReadOptions ro, Snapshot snapshot) {
        if (snapshot != null) {
            ro.setSnapshot(snapshot);
        }
        return db.newIterator(cf, ro);
    }

    /** Visits every (column family, key, value) of the durable state as of {@code snapshot}. */
    void dump(Snapshot snapshot, DumpVisitor visitor) throws IOException {
        ColumnFamilyHandle[] cfs = {meta, log};
        byte[] ids = {SnapshotCodec.CF_META, SnapshotCodec.CF_LOG};
        for (int i = 0; i < cfs.length; i++) {
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = newIterator(cfs[i], ro, snapshot)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    visitor.visit(ids[i], it.key(), it.value());
                }
                checkStatus(it, "data for a snapshot");
            }
        }
    }

    /** Loads one raw entry (used by restore into a fresh database). */
    void putRaw(WriteBatch batch, byte cf, byte[] key, byte[] value) throws RocksDBException {
        batch.put(cf == SnapshotCodec.CF_META ? meta : log, key, value);
    }

    interface DumpVisitor {
        void visit(byte cf, byte[] key, byte[] value) throws IOException;
    }

    private static final long SIZE_CACHE_NANOS = 1_000_000_000L;
    private volatile long sizeCachedAtNanos;
    private volatile long cachedSize = -1;

    /**
     * Bytes the database occupies on disk (SST, WAL, manifest...), at most a second old: status()
     * is called for response headers of the etcd endpoint, and walking the directory each time
     * would cost more than the call itself.
     */
    long sizeOnDisk() {
        long now = System.nanoTime();
        if (cachedSize >= 0 && now - sizeCachedAtNanos < SIZE_CACHE_NANOS) {
            return cachedSize;
        }
        long size = measureSizeOnDisk();
        cachedSize = size;
        sizeCachedAtNanos = now;
        return size;
    }

    private long measureSizeOnDisk() {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // a file removed by a concurrent RocksDB compaction
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        syncWrites.close();
        log.close();
        meta.close();
        defaultCf.close();
        db.close();
        dbOptions.close();
        cfOptions.close();
    }
}
