package dev.skiff.cli.store;

import dev.skiff.cli.Flags;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.etcd.EtcdStore;
import dev.skiff.store.etcd.EtcdStoreConfig;
import java.time.Duration;
import java.util.List;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Online snapshots through the etcd Maintenance API (so a running server is read consistently,
 * as {@code etcdctl snapshot save} does), and offline restore into a fresh data dir.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true, description = "Save or restore a snapshot of the embedded store.")
public final class SnapshotCommand {

    @Command(name = "save", mixinStandardHelpOptions = true, description = "Save a snapshot of a running server's embedded store to FILE.")
    int save(@Parameters(paramLabel = "FILE") Path file,
             @Option(names = "--endpoint", defaultValue = "http://127.0.0.1:2379",
                     description = "The server's etcd endpoint (default: ${DEFAULT-VALUE}).") String endpoint) throws Exception {
        var uri = Flags.endpoint("--endpoint", endpoint);
        Path partial = file.resolveSibling(file.getFileName() + ".part");
        try (var store = EtcdStore.connect(new EtcdStoreConfig(List.of(uri), Duration.ofMinutes(10)));
             var out = new BufferedOutputStream(Files.newOutputStream(partial))) {
            store.snapshot(out);
        } catch (Exception e) {
            Files.deleteIfExists(partial);
            throw new IllegalStateException("snapshot from " + uri + " failed: " + rootMessage(e), e);
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("Snapshot saved at " + file + " (" + Files.size(file) + " bytes)");
        return 0;
    }

    @Command(name = "restore", mixinStandardHelpOptions = true, description = "Restore FILE into a new data dir for the embedded store.")
    int restore(@Parameters(paramLabel = "FILE") Path file,
                @Option(names = {"--data-dir", "-d"}, defaultValue = "/var/lib/skiff",
                        description = "The server's data dir; its store must not exist yet (default: ${DEFAULT-VALUE}).") Path dataDir) throws Exception {
        Path storeDir = dataDir.toAbsolutePath().resolve("server").resolve("db");
        try (var in = new BufferedInputStream(Files.newInputStream(file))) {
            EmbeddedStore.restore(in, storeDir);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("no such snapshot file: " + file);
        }
        System.out.println("Restored " + file + " into " + storeDir);
        return 0;
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
