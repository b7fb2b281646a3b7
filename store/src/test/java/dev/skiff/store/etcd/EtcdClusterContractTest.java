package dev.skiff.store.etcd;

import dev.skiff.store.EtcdProcess;
import dev.skiff.store.Store;
import dev.skiff.store.StoreContractTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;

/** The contract against a real three-member etcd 3.4 cluster, reached through all three endpoints. */
@Tag("slow")
class EtcdClusterContractTest extends StoreContractTest {
    @Override
    protected Store openStore(Path dir) {
        EtcdProcess etcd = closeAfterAll(EtcdProcess.start(dir, 3));
        return EtcdStore.connect(EtcdStoreConfig.of(etcd.clientEndpoints()));
    }
}
