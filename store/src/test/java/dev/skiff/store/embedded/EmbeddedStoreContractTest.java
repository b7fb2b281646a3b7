package dev.skiff.store.embedded;

import dev.skiff.store.Store;
import dev.skiff.store.StoreContractTest;
import java.nio.file.Path;

/** The shared Store contract, run against the embedded engine. */
class EmbeddedStoreContractTest extends StoreContractTest {
    @Override
    protected Store openStore(Path dir) {
        return EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir.resolve("store")));
    }
}
