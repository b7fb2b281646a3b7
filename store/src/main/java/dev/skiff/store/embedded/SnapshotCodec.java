package dev.skiff.store.embedded;

import dev.skiff.store.UnavailableException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.UUID;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;

/**
 * Snapshot format: magic, then (column family, key, value) entries, an end mark and the entry
 * count; zero padding up to a multiple of 512 bytes; then the SHA-256 of everything before it.
 * The padding and trailer are etcd's snapshot framing (a bbolt file is 512-byte aligned and
 * etcd appends its hash), so {@code etcdctl snapshot save} accepts skiff's stream as it is.
 * Restore builds the database in a sibling temporary directory and moves it into place only after
 * the trailer checks out and nothing follows it.
 */
final class SnapshotCodec {
    static final byte CF_META = 1;
    static final byte CF_LOG = 2;
    private static final byte END = 0;
    private static final byte[] MAGIC = "SKIFFSNAP1".getBytes(StandardCharsets.US_ASCII);
    private static final int RESTORE_BATCH_BYTES = 4 << 20;
    private static final int ALIGNMENT = 512;

    private SnapshotCodec() {
    }

    static void write(Backend backend, Snapshot snapshot, OutputStream out) {
        MessageDigest sha = sha256();
        try {
            DataOutputStream data = new DataOutputStream(new DigestOutputStream(new BufferedOutputStream(out, 1 << 16), sha));
            data.write(MAGIC);
            long[] count = {0};
            long[] position = {MAGIC.length};
            backend.dump(snapshot, (cf, key, value) -> {
                data.writeByte(cf);
                data.writeInt(key.length);
                data.write(key);
                data.writeInt(value.length);
                data.write(value);
                count[0]++;
                position[0] += 1 + Integer.BYTES + key.length + Integer.BYTES + value.length;
            });
            data.writeByte(END);
            data.writeLong(count[0]);
            data.write(new byte[padding(position[0] + 1 + Long.BYTES)]);
            data.flush();
            out.write(sha.digest());
            out.flush();
            EmbeddedStore.LOG.info("snapshot written entries={}", count[0]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write snapshot", e);
        }
    }

    static void restore(InputStream in, Path dataDir) {
        try {
            if (Files.exists(dataDir) && !DataDir.list(dataDir).isEmpty()) {
                throw new UnavailableException("cannot restore into " + dataDir + ": directory is not empty");
            }
        } catch (IOException e) {
            throw new UnavailableException("cannot restore into " + dataDir + ": " + e, e);
        }
        Path parent = dataDir.toAbsolutePath().getParent();
        Path tmp = parent.resolve("." + dataDir.getFileName() + ".restore-" + UUID.randomUUID());
        boolean done = false;
        try {
            Files.createDirectories(tmp);
            DataDir.writeMarker(tmp);
            long entries;
            try (Backend backend = Backend.open(tmp.resolve(DataDir.DB), true)) {
                entries = load(in, backend);
            }
            DataDir.fsyncDir(tmp);
            if (Files.exists(dataDir)) {
                Files.delete(dataDir); // known empty
            }
            Files.move(tmp, dataDir, StandardCopyOption.ATOMIC_MOVE);
            DataDir.fsyncDir(parent);
            done = true;
            EmbeddedStore.LOG.info("snapshot restored dir={} entries={}", dataDir, entries);
        } catch (IOException | RocksDBException e) {
            throw new UnavailableException("cannot restore snapshot into " + dataDir + ": " + e, e);
        } finally {
            if (!done) {
                DataDir.deleteRecursively(tmp);
            }
        }
    }

    private static long load(InputStream in, Backend backend) throws IOException, RocksDBException {
        MessageDigest sha = sha256();
        DigestInputStream digesting = new DigestInputStream(new BufferedInputStream(in, 1 << 16), sha);
        DataInputStream data = new DataInputStream(digesting);
        try {
            byte[] magic = data.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new UnavailableException("not a skiff snapshot (bad magic)");
            }
            long count = 0;
            long position = MAGIC.length;
            WriteBatch batch = new WriteBatch();
            try {
                while (true) {
                    byte cf = data.readByte();
                    if (cf == END) {
                        break;
                    }
                    if (cf != CF_META && cf != CF_LOG) {
                        throw new UnavailableException("corrupt skiff snapshot: unknown section " + cf);
                    }
                    byte[] key = readChunk(data);
                    byte[] value = readChunk(data);
                    position += 1 + Integer.BYTES + key.length + Integer.BYTES + value.length;
                    backend.putRaw(batch, cf, key, value);
                    count++;
                    if (batch.getDataSize() > RESTORE_BATCH_BYTES) {
                        backend.commit(batch);
                        batch.close();
                        batch = new WriteBatch();
                    }
                }
                long declared = data.readLong();
                position += 1 + Long.BYTES;
                byte[] padding = data.readNBytes(padding(position));
                for (byte b : padding) {
                    if (b != 0) {
                        throw new UnavailableException("corrupt skiff snapshot: bad padding");
                    }
                }
                digesting.on(false);
                byte[] expected = sha.digest();
                byte[] trailer = data.readNBytes(expected.length);
                if (!MessageDigest.isEqual(expected, trailer)) {
                    throw new UnavailableException("corrupt skiff snapshot: checksum mismatch");
                }
                if (data.read() != -1) {
                    throw new UnavailableException("corrupt skiff snapshot: unexpected bytes after the checksum");
                }
                if (declared != count) {
                    throw new UnavailableException("corrupt skiff snapshot: " + count + " entries, trailer says " + declared);
                }
                backend.commit(batch);
            } finally {
                batch.close();
            }
            return count;
        } catch (EOFException e) {
            throw new UnavailableException("corrupt skiff snapshot: truncated", e);
        }
    }

    /** Zero bytes that bring a body of {@code length} bytes to the 512-byte alignment. */
    private static int padding(long length) {
        return (int) ((ALIGNMENT - length % ALIGNMENT) % ALIGNMENT);
    }

    private static byte[] readChunk(DataInputStream data) throws IOException {
        int len = data.readInt();
        if (len < 0 || len > (256 << 20)) {
            throw new UnavailableException("corrupt skiff snapshot: bad length " + len);
        }
        byte[] b = data.readNBytes(len);
        if (b.length != len) {
            throw new EOFException();
        }
        return b;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
