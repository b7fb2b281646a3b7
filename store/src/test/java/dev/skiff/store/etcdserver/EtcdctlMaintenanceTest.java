package dev.skiff.store.etcdserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcdctlMaintenanceTest extends ServerFixture {
    /**
     * etcdctl 3.4 accepts a snapshot only when its length is a multiple of 512 (bbolt pages) plus the hash.
     * The engine's own snapshot format does not pad to that yet, so this test feeds fixed bytes to check
     * the endpoint's framing; the real engine snapshot over the wire is covered by {@link SnapshotStreamTest}.
     */
    static final byte[] SNAPSHOT = "snapshot-bytes-0".repeat(512 * 20).getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void requireEtcdctl() {
        Etcdctl.assumeInstalled();
    }

    @Override
    SnapshotSource snapshots() {
        return out -> out.write(SNAPSHOT);
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
    void snapshotStreamsTheSourceBytes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("snap.db");
        var r = etcdctl.run("snapshot", "save", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        byte[] saved = Files.readAllBytes(file);
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(SNAPSHOT);
        assertThat(Arrays.copyOfRange(saved, 0, SNAPSHOT.length)).isEqualTo(SNAPSHOT);
        assertThat(Arrays.copyOfRange(saved, SNAPSHOT.length, saved.length)).isEqualTo(hash);
    }
}
