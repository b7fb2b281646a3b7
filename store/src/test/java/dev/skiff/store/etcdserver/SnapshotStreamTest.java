package dev.skiff.store.etcdserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.skiff.store.PutRequest;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.etcd.jetcd.Client;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Maintenance.Snapshot streams the engine's own snapshot, which restores into a working store. */
class SnapshotStreamTest extends ServerFixture {

    @Test
    void engineSnapshotOverTheWireRestores(@TempDir Path restoreDir) throws Exception {
        store.put(PutRequest.of(ByteString.copyFromUtf8("s/a"), ByteString.copyFromUtf8("1")));
        store.put(PutRequest.of(ByteString.copyFromUtf8("s/b"), ByteString.copyFromUtf8("2")));
        var bytes = new ByteArrayOutputStream();
        try (Client client = Client.builder().endpoints("http://127.0.0.1:" + server.port()).build()) {
            long n = client.getMaintenanceClient().snapshot(bytes).get(30, TimeUnit.SECONDS);
            assertThat(n).isEqualTo(bytes.size());
        }
        byte[] stream = bytes.toByteArray();
        // as etcd: a 512-byte aligned body followed by the SHA-256 of its bytes
        byte[] body = Arrays.copyOf(stream, stream.length - 32);
        assertThat(body.length % 512).isZero();
        assertThat(Arrays.copyOfRange(stream, body.length, stream.length))
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(body));

        Path dir = restoreDir.resolve("restored");
        EmbeddedStore.restore(new ByteArrayInputStream(stream), dir);
        try (EmbeddedStore restored = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var kvs = restored.range(RangeRequest.prefix(ByteString.copyFromUtf8("s/"))).kvs();
            assertThat(kvs).extracting(kv -> kv.value().toStringUtf8()).containsExactly("1", "2");
            assertThat(restored.status().revision()).isEqualTo(3);
        }
    }
}
