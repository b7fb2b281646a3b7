package dev.skiff.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.store.EtcdProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcdProcessTest {

    @Test
    void aMissingBinaryFailsWithAClearMessage(@TempDir Path dir) {
        assertThatThrownBy(() -> EtcdProcess.start(dir.resolve("no-such-etcd"), dir, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("etcd binary not found")
                .hasMessageContaining("etcd-server");
    }

    @Test
    void closeKillsTheMemberAndDeletesItsData(@TempDir Path dir) throws Exception {
        EtcdProcess etcd = EtcdProcess.start(dir, 1);
        assertThat(etcd.clientEndpoints()).singleElement()
                .satisfies(uri -> assertThat(uri.getHost()).isEqualTo("127.0.0.1"));
        Process p = etcd.process(0);
        assertThat(p.isAlive()).isTrue();
        etcd.close();
        assertThat(p.isAlive()).isFalse();
        try (var left = Files.list(dir)) {
            assertThat(left.toList()).isEmpty();
        }
    }
}
