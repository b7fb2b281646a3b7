package dev.skiff.store.etcdserver;

import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh real {@link EmbeddedStore} in a temporary directory behind a fresh endpoint on a free
 * loopback port per test. {@link #store} is the embedded store seen through a pass-through
 * {@link WatchCountingStore}, so tests can also see how many store watches the endpoint holds.
 */
abstract class ServerFixture {
    @TempDir
    Path dataDir;
    EmbeddedStore embedded;
    WatchCountingStore store;
    EtcdServer server;
    Etcdctl etcdctl;

    int maxRequestBytes() {
        return 0;
    }

    /** Maintenance.Snapshot's source; by default the engine's own snapshot. */
    SnapshotSource snapshots() {
        return embedded::snapshot;
    }

    @BeforeEach
    void startServer() {
        embedded = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dataDir.resolve("store")));
        store = new WatchCountingStore(embedded);
        var base = EtcdServerConfig.loopback(0);
        server = EtcdServer.start(store, new EtcdServerConfig(base.listen(), maxRequestBytes()), snapshots());
        etcdctl = new Etcdctl(server.port());
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
    }
}
