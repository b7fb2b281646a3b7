package dev.skiff.store.embedded;

import static dev.skiff.store.embedded.Fixtures.bs;

import dev.skiff.store.PutRequest;
import dev.skiff.store.TxnRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * Child process for the crash test: writes two-key txns from many virtual threads and prints
 * "ACK name" after each returns (i.e. once it is durable), until it is killed.
 */
public final class CrashWriter {
    private CrashWriter() {
    }

    public static void main(String[] args) {
        EmbeddedStore store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(Path.of(args[0])));
        long lease = store.leaseGrant(0, 3600).id();
        store.put(PutRequest.of(bs("leased"), bs("x")).withLease(lease));
        synchronized (System.out) {
            System.out.println("LEASE " + lease);
            System.out.flush();
        }
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 16; t++) {
                int thread = t;
                pool.submit(() -> {
                    for (int i = 0; ; i++) {
                        String name = thread + "-" + i;
                        store.txn(new TxnRequest(List.of(),
                                List.of(PutRequest.of(bs("a/" + name), bs(name)), PutRequest.of(bs("b/" + name), bs(name))),
                                List.of()));
                        synchronized (System.out) {
                            System.out.println("ACK " + name);
                            System.out.flush();
                        }
                    }
                });
            }
        }
    }
}
