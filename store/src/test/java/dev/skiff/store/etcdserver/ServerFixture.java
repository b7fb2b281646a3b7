package dev.skiff.store.etcdserver;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh in-memory store (test double) behind a fresh endpoint on a free loopback port per test. */
abstract class ServerFixture {
    InMemoryStore store;
    EtcdServer server;
    Etcdctl etcdctl;

    int maxRequestBytes() {
        return 0;
    }

    SnapshotSource snapshots() {
        return null;
    }

    @BeforeEach
    void startServer() {
        store = new InMemoryStore();
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
