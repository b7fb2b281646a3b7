package dev.skiff.store.embedded;

import static dev.skiff.store.embedded.Fixtures.bs;

import dev.skiff.store.PutRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh engine per test in a temporary directory, on a manual clock. */
abstract class EmbeddedStoreFixture {
    @TempDir
    Path dir;
    EmbeddedStore store;

    @BeforeEach
    void open() {
        store = Fixtures.open(dir, new Fixtures.ManualClock());
    }

    @AfterEach
    void close() {
        store.close();
    }

    void put(String k, String v) {
        store.put(PutRequest.of(bs(k), bs(v)));
    }
}
