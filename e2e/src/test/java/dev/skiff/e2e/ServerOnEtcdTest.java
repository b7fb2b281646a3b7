package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.store.EtcdProcess;
import java.net.URI;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code skiff server --etcd-servers}: the HA layout, several servers sharing one real etcd cluster. */
class ServerOnEtcdTest {
    @TempDir
    Path dir;

    @Test
    void twoServersShareAThreeMemberEtcdCluster() throws Exception {
        try (var etcd = EtcdProcess.start(dir.resolve("etcd"), 3)) {
            String endpoints = etcd.clientEndpoints().stream().map(URI::toString).collect(Collectors.joining(","));
            var first = new dev.skiff.store.etcdserver.Etcdctl(etcd.clientEndpoints().getFirst().getPort());
            // the default namespace already in the shared etcd: both servers' bootstraps must leave it alone
            first.ok("put", "/registry/namespaces/default", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
                    + "{\"name\":\"default\",\"uid\":\"00000000-0000-4000-8000-000000000001\"},\"status\":{\"phase\":\"Active\"}}");
            try (var a = SkiffProcess.server(dir.resolve("a.log"), "--data-dir", dir.resolve("a").toString(), "--etcd-servers", endpoints);
                 var b = SkiffProcess.server(dir.resolve("b.log"), "--data-dir", dir.resolve("b").toString(), "--datastore-endpoint", endpoints)) {
                for (var log : new Path[] {dir.resolve("a.log"), dir.resolve("b.log")}) {
                    assertThat(SkiffProcess.lines(log)).anyMatch(l -> l.contains("skiff server ready")
                            && l.contains("store=[" + etcd.clientEndpoints().getFirst()) && l.contains("etcd-endpoint=none"));
                }
                assertThat(first.ok("get", "/registry/namespaces/default", "--print-value-only")).contains("00000000-0000-4000-8000-000000000001");
                assertThat(first.ok("get", "/registry/namespaces/kube-system", "--keys-only")).contains("/registry/namespaces/kube-system");
                // neither server keeps a store of its own
                assertThat(dir.resolve("a/server/db")).doesNotExist();
                assertThat(dir.resolve("b/server/db")).doesNotExist();
            }
        }
    }

    @Test
    void unreachableEtcdFailsWithOneLine() {
        var result = SkiffProcess.run(dir.resolve("server.log"), "server", "--data-dir", dir.resolve("d").toString(),
                "--etcd-servers", "http://127.0.0.1:" + SkiffProcess.freePort());
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.output()).anyMatch(l -> l.startsWith("skiff: etcd at [http://127.0.0.1:") && l.endsWith("is unavailable: connection refused"));
    }
}
