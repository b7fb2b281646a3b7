package dev.skiff.store.etcd;

import dev.skiff.store.EtcdProcess;
import dev.skiff.store.Store;
import dev.skiff.store.StoreContractTest;
import java.nio.file.Path;

/** The contract against a real single-member etcd 3.4. */
class EtcdContractTest extends StoreContractTest {
    @Override
    protected Store openStore(Path dir) {
        EtcdProcess etcd = closeAfterAll(EtcdProcess.start(dir, 1));
        return EtcdStore.connect(EtcdStoreConfig.of(etcd.clientEndpoints()));
    }
}
