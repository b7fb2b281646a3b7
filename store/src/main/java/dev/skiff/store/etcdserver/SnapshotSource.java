package dev.skiff.store.etcdserver;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a consistent snapshot of the store to a stream, served by Maintenance.Snapshot
 * (e.g. {@code embeddedStore::snapshot}). Without one, Snapshot answers UNIMPLEMENTED.
 */
@FunctionalInterface
public interface SnapshotSource {
    void writeTo(OutputStream out) throws IOException;
}
