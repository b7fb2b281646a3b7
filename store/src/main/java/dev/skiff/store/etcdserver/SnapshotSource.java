package dev.skiff.store.etcdserver;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a consistent snapshot of the store to a stream, served by Maintenance.Snapshot as it is
 * written (e.g. {@code embeddedStore::snapshot}). It must carry etcd's framing, which etcdctl
 * checks: a body padded to a multiple of 512 bytes, then the SHA-256 of that body. Without a
 * source, Snapshot answers UNIMPLEMENTED.
 */
@FunctionalInterface
public interface SnapshotSource {
    void writeTo(OutputStream out) throws IOException;
}
