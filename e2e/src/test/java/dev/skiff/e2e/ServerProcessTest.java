package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.store.etcdserver.Etcdctl;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code skiff server} with the embedded store, as a process, judged by the real etcdctl. */
class ServerProcessTest {
    @TempDir
    Path dir;

    private String[] serverArgs(Path dataDir, int port) {
        return new String[] {"--data-dir", dataDir.toString(), "--etcd-listen-client-url", "http://127.0.0.1:" + port};
    }

    @Test
    void keepsAcknowledgedWritesAcrossARestart() throws Exception {
        int port = SkiffProcess.freePort();
        var log = dir.resolve("server.log");
        var etcdctl = new Etcdctl(port);
        try (var server = SkiffProcess.server(log, serverArgs(dir.resolve("data"), port))) {
            etcdctl.ok("put", "/registry/pods/default/a", "one");
            etcdctl.ok("put", "/registry/pods/default/b", "two");
            long before = SkiffProcess.lineCount(log);
            assertThat(server.stop()).as("exit code after SIGTERM (128 + 15)").isEqualTo(143);
            assertThat(server.linesAfter(before)).anyMatch(l -> l.contains("skiff server stopped"));
        }
        assertThat(Files.isDirectory(dir.resolve("data/server/db"))).isTrue();
        try (var server = SkiffProcess.server(log, serverArgs(dir.resolve("data"), port))) {
            assertThat(etcdctl.ok("get", "--prefix", "/registry/pods/", "--print-value-only").lines().toList())
                    .containsExactly("one", "two");
        }
    }

    @Test
    void snapshotSavedOnlineRestoresIntoANewDataDir() throws Exception {
        int port = SkiffProcess.freePort();
        var log = dir.resolve("server.log");
        var etcdctl = new Etcdctl(port);
        var snapshot = dir.resolve("backup.snap");
        try (var server = SkiffProcess.server(log, serverArgs(dir.resolve("data"), port))) {
            for (int i = 0; i < 50; i++) {
                etcdctl.ok("put", "/registry/configmaps/default/cm-" + i, "value-" + i);
            }
            var saved = SkiffProcess.run(dir.resolve("save.log"), "store", "snapshot", "save", snapshot.toString(),
                    "--endpoint", "http://127.0.0.1:" + port);
            assertThat(saved.exit()).as(String.join("\n", saved.output())).isZero();
            etcdctl.ok("put", "/registry/configmaps/default/after-snapshot", "x");
        }
        var restored = SkiffProcess.run(dir.resolve("restore.log"), "store", "snapshot", "restore", snapshot.toString(),
                "--data-dir", dir.resolve("restored").toString());
        assertThat(restored.exit()).as(String.join("\n", restored.output())).isZero();

        var again = SkiffProcess.run(dir.resolve("restore2.log"), "store", "snapshot", "restore", snapshot.toString(),
                "--data-dir", dir.resolve("restored").toString());
        assertThat(again.exit()).isEqualTo(1);

        try (var server = SkiffProcess.server(log, serverArgs(dir.resolve("restored"), port))) {
            // the test's own configmaps (the server adds kube-system's, e.g. extension-apiserver-authentication)
            assertThat(etcdctl.ok("get", "--prefix", "/registry/configmaps/default/", "--keys-only").lines().filter(l -> !l.isBlank()))
                    .hasSize(50);
            assertThat(etcdctl.ok("get", "/registry/configmaps/default/cm-7", "--print-value-only").trim()).isEqualTo("value-7");
        }
    }

    @Test
    void etcdctlSnapshotSaveOfTheEmbeddedStoreRestoresWithSkiff() throws Exception {
        int port = SkiffProcess.freePort();
        var log = dir.resolve("server.log");
        var etcdctl = new Etcdctl(port);
        var snapshot = dir.resolve("etcdctl.snap");
        try (var server = SkiffProcess.server(log, serverArgs(dir.resolve("data"), port))) {
            etcdctl.ok("put", "/registry/secrets/default/s", "sealed");
            assertThat(etcdctl.ok("snapshot", "save", snapshot.toString())).contains("Snapshot saved at");
        }
        var restored = SkiffProcess.run(dir.resolve("restore.log"), "store", "snapshot", "restore", snapshot.toString(),
                "--data-dir", dir.resolve("restored").toString());
        assertThat(restored.exit()).as(String.join("\n", restored.output())).isZero();
        try (var server = SkiffProcess.server(log, serverArgs(dir.resolve("restored"), port))) {
            assertThat(etcdctl.ok("get", "/registry/secrets/default/s", "--print-value-only").trim()).isEqualTo("sealed");
        }
    }

    @Test
    void corruptSnapshotIsRejectedAndLeavesNoDataDir() throws Exception {
        var snapshot = dir.resolve("bad.snap");
        Files.write(snapshot, "this is not a snapshot".getBytes());
        var restored = SkiffProcess.run(dir.resolve("restore.log"), "store", "snapshot", "restore", snapshot.toString(),
                "--data-dir", dir.resolve("restored").toString());
        assertThat(restored.exit()).isEqualTo(1);
        assertThat(restored.output()).anyMatch(l -> l.startsWith("skiff: "));
        assertThat(dir.resolve("restored/server/db")).doesNotExist();
    }

    @Test
    void foreignDataDirIsRefusedWithAClearError() throws Exception {
        var db = Files.createDirectories(dir.resolve("data/server/db"));
        Files.writeString(db.resolve("notes.txt"), "somebody else's files");
        var result = SkiffProcess.run(dir.resolve("server.log"), "server", "--data-dir", dir.resolve("data").toString(),
                "--etcd-listen-client-url", "http://127.0.0.1:" + SkiffProcess.freePort());
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.output()).anyMatch(l -> l.startsWith("skiff: ") && l.contains(db.toString()));
        assertThat(db.resolve("notes.txt")).hasContent("somebody else's files");
    }

    @Test
    void badFlagsEndTheRealProcessWithOneLine() {
        var result = SkiffProcess.run(dir.resolve("flags.log"), "server", "--etcd-servers", "not a url");
        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.output()).hasSize(1);
        assertThat(result.output().getFirst()).startsWith("skiff: ");
    }
}
