package dev.skiff.store.etcdserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcdctlMaintenanceTest extends ServerFixture {
    @BeforeAll
    static void requireEtcdctl() {
        Etcdctl.requireInstalled();
    }

    @Test
    void endpointStatusMemberListAlarmAndHealth() {
        assertThat(etcdctl.run("put", "a", "1").exit()).isZero();
        var status = etcdctl.run("endpoint", "status", "-w", "json");
        assertThat(status.exit()).as(status.err()).isZero();
        // the store's own version string (real etcd 3.4 reports e.g. "3.4.23")
        assertThat(status.out()).containsPattern("\"version\":\"3\\.4\\.\\d+");
        assertThat(status.out()).contains("\"revision\":2", "\"raftTerm\":1",
                "\"raftIndex\":2", "\"dbSize\":");
        // leader is this member
        String memberId = status.out().replaceAll("(?s).*\"member_id\":(\\d+).*", "$1");
        assertThat(status.out()).contains("\"leader\":" + memberId);

        var members = etcdctl.run("member", "list");
        assertThat(members.exit()).as(members.err()).isZero();
        assertThat(members.out()).contains("started, skiff, http://127.0.0.1:" + server.port());
        assertThat(Long.parseUnsignedLong(members.out().split(",")[0], 16)).isEqualTo(Long.parseLong(memberId));

        assertThat(etcdctl.run("alarm", "list").exit()).isZero();
        var health = etcdctl.run("endpoint", "health");
        assertThat(health.out() + health.err()).contains("is healthy");
    }

    @Test
    void etcdctlSnapshotSaveAcceptsTheEngineSnapshotWhichRestores(@TempDir Path dir) throws Exception {
        assertThat(etcdctl.run("put", "snap/a", "1").exit()).isZero();
        Path file = dir.resolve("snap.db");
        var r = etcdctl.run("snapshot", "save", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        byte[] saved = Files.readAllBytes(file);
        assertThat(saved.length % 512).isEqualTo(32);
        byte[] body = Arrays.copyOf(saved, saved.length - 32);
        assertThat(Arrays.copyOfRange(saved, body.length, saved.length))
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(body));
        Path restored = dir.resolve("restored");
        try (var in = Files.newInputStream(file)) {
            EmbeddedStore.restore(in, restored);
        }
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(restored))) {
            assertThat(store.range(RangeRequest.key(ByteString.copyFromUtf8("snap/a"))).kvs())
                    .extracting(kv -> kv.value().toStringUtf8()).containsExactly("1");
        }
    }
}
