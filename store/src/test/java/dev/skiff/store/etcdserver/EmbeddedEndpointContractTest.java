package dev.skiff.store.etcdserver;

import dev.skiff.store.Store;
import dev.skiff.store.StoreContractTest;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import dev.skiff.store.etcd.EtcdStore;
import dev.skiff.store.etcd.EtcdStoreConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * The contract over the full wire path: the real {@link EmbeddedStore}, served by {@link EtcdServer},
 * reached through {@link EtcdStore} (jetcd) as any etcd client would.
 */
class EmbeddedEndpointContractTest extends StoreContractTest {
    @Override
    protected Store openStore(Path dir) {
        EmbeddedStore embedded = closeAfterAll(EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir.resolve("store"))));
        EtcdServer server = closeAfterAll(EtcdServer.start(embedded, EtcdServerConfig.loopback(0), embedded::snapshot));
        return EtcdStore.connect(EtcdStoreConfig.of(List.of(URI.create("http://127.0.0.1:" + server.port()))));
    }
}
