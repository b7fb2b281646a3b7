package dev.skiff.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.skiff.store.EtcdProcess;
import dev.skiff.store.Compare;
import dev.skiff.store.Event;
import dev.skiff.store.PutRequest;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.RangeResponse;
import dev.skiff.store.StoreException;
import dev.skiff.store.TxnRequest;
import dev.skiff.store.TxnResponse;
import dev.skiff.store.UnavailableException;
import dev.skiff.store.Watch;
import dev.skiff.store.WatchListener;
import dev.skiff.store.WatchRequest;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What is specific to the etcd client: unreachable endpoints, closing, failing over between members. */
@SuppressWarnings("try")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdStoreTest {

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Test
    void anUnreachableEndpointIsReportedAsUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        try (EtcdStore store = EtcdStore.connect(new EtcdStoreConfig(
                List.of(URI.create("http://127.0.0.1:" + port)), Duration.ofMillis(500)))) {
            assertThatThrownBy(() -> store.range(RangeRequest.key(b("a"))))
                    .isInstanceOf(UnavailableException.class);
        }
    }

    @Test
    void aClosedStoreIsUnavailable() {
        EtcdStore store = EtcdStore.connect(EtcdStoreConfig.of(List.of(URI.create("http://127.0.0.1:2379"))));
        store.close();
        assertThatThrownBy(() -> store.put(PutRequest.of(b("a"), b("1"))))
                .isInstanceOf(UnavailableException.class)
                .hasMessage("store is closed");
    }

    @Test
    void configRejectsNonHttpEndpoints() {
        assertThatThrownBy(() -> EtcdStoreConfig.of(List.of(URI.create("https://127.0.0.1:2379"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EtcdStoreConfig.of(List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    record Batch(long revision, List<Event> events) {
    }

    private static long createRetrying(EtcdStore store, String key) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                TxnResponse r = store.txn(new TxnRequest(
                        List.of(Compare.createRevision(b(key), Compare.Result.EQUAL, 0)),
                        List.of(PutRequest.of(b(key), b("v"))),
                        List.of(RangeRequest.key(b(key)))));
                return r.succeeded() ? r.revision()
                        : ((RangeResponse) r.responses().getFirst()).kvs().getFirst().createRevision();
            } catch (UnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    @Test
    void aWatchEndsUnavailableWhenEtcdIsGoneOrTheStoreCloses(@TempDir Path dir) throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start(dir, 1);
             EtcdStore store = EtcdStore.connect(new EtcdStoreConfig(etcd.clientEndpoints(), Duration.ofSeconds(1)))) {
            BlockingQueue<StoreException> lost = new LinkedBlockingQueue<>();
            BlockingQueue<StoreException> closed = new LinkedBlockingQueue<>();
            try (Watch w1 = store.watch(WatchRequest.key(b("a"), 0), errorsTo(lost))) {
                etcd.process(0).destroyForcibly().waitFor();
                assertThat(lost.poll(20, TimeUnit.SECONDS)).isInstanceOf(UnavailableException.class);
            }
            EtcdStore other = EtcdStore.connect(EtcdStoreConfig.of(List.of(URI.create("http://127.0.0.1:1"))));
            other.close();
            assertThatThrownBy(() -> other.watch(WatchRequest.key(b("a"), 0), errorsTo(closed)))
                    .isInstanceOf(UnavailableException.class);
        }
    }

    private static WatchListener errorsTo(BlockingQueue<StoreException> errors) {
        return new WatchListener() {
            @Override
            public void onEvents(long revision, List<Event> events) {
            }

            @Override
            public void onError(StoreException error) {
                errors.add(error);
            }
        };
    }

    @Test
    @Tag("slow")
    void writesAndWatchesSurviveLosingTheConnectedMember(@TempDir Path dir) throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start(dir, 3);
             EtcdStore store = EtcdStore.connect(new EtcdStoreConfig(etcd.clientEndpoints(), Duration.ofSeconds(20)))) {
            BlockingQueue<Batch> batches = new LinkedBlockingQueue<>();
            BlockingQueue<StoreException> errors = new LinkedBlockingQueue<>();
            try (Watch w = store.watch(WatchRequest.prefix(b("/f/"), 0), new WatchListener() {
                @Override
                public void onEvents(long revision, List<Event> events) {
                    batches.add(new Batch(revision, events));
                }

                @Override
                public void onError(StoreException error) {
                    errors.add(error);
                }
            })) {
                long r1 = store.put(PutRequest.of(b("/f/a"), b("1"))).revision();
                assertThat(batches.poll(10, TimeUnit.SECONDS)).extracting(Batch::revision).isEqualTo(r1);

                // pick_first connects to the first endpoint: take that member away
                etcd.process(0).destroyForcibly().waitFor();

                // a write in flight while the leader dies may fail with "etcdserver: request timed out"
                // with an unknown outcome (etcd's own behaviour), so writes are retried as create-if-absent
                long r2 = createRetrying(store, "/f/b");
                long r3 = createRetrying(store, "/f/c");
                assertThat(r3).isGreaterThan(r2);
                assertThat(batches.poll(30, TimeUnit.SECONDS)).extracting(Batch::revision).isEqualTo(r2);
                assertThat(batches.poll(10, TimeUnit.SECONDS)).extracting(Batch::revision).isEqualTo(r3);
                assertThat(batches.poll(500, TimeUnit.MILLISECONDS)).as("no change delivered twice").isNull();
                assertThat(errors).isEmpty();
                assertThat(store.range(RangeRequest.prefix(b("/f/"))).count()).isEqualTo(3);
            }
        }
    }
}
