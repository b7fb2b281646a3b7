package dev.skiff.bench.store;

import dev.skiff.store.EtcdProcess;
import dev.skiff.store.Store;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import dev.skiff.store.etcd.EtcdStore;
import dev.skiff.store.etcd.EtcdStoreConfig;
import dev.skiff.store.etcdserver.EtcdServer;
import dev.skiff.store.etcdserver.EtcdServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The store benchmark of docs/benchmarks.md: the embedded engine in-process, the embedded engine
 * through its etcd gRPC endpoint (same client as etcd's column), and a real etcd 3.4 - one run,
 * same machine, same disk, fsync on all. Prints markdown tables; asserts nothing.
 *
 * <p>Usage: {@code bin/bench store [--seconds N] [--dir DIR] [--only embedded|embedded-grpc|etcd]}
 */
public final class StoreBench {
    private static final int[] CLIENTS = {1, 16, 64};
    private static final int RANGE_KEYS = 10_000;
    private static final int WATCHERS = 100;
    private static final int WATCH_EVENTS = 1_000;
    private static final Duration WARMUP = Duration.ofSeconds(8);

    /** A store under test and whatever must be stopped after it. */
    private record Backend(String name, Store store, List<AutoCloseable> extras) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            store.close();
            for (var extra : extras.reversed()) {
                extra.close();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = 10;
        Path dir = Path.of("/tmp/skiff-bench");
        String only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--only" -> only = args[++i];
                default -> {
                    System.err.println("store bench: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        var warmup = Duration.ofSeconds(2);
        var measure = Duration.ofSeconds(seconds);
        deleteRecursively(dir);
        Files.createDirectories(dir);

        var puts = new ArrayList<String>();
        var ranges = new ArrayList<String>();
        var watches = new ArrayList<String>();
        for (String name : List.of("embedded", "embedded-grpc", "etcd")) {
            if (only != null && !only.equals(name)) {
                continue;
            }
            try (var backend = open(name, dir.resolve(name))) {
                System.err.println("store bench: " + backend.name());
                // warm the JIT on the whole put path before the first measured row (etcd, a Go
                // binary, needs none; without this the 1-client row measures compilation)
                StoreWorkloads.puts(backend.store(), "/bench/warmup/", 16, Duration.ZERO, WARMUP);
                for (int clients : CLIENTS) {
                    var r = StoreWorkloads.puts(backend.store(), "/bench/put/" + clients + "/", clients, warmup, measure);
                    puts.add(row(backend.name(), clients, "%.0f".formatted(r.opsPerSecond()), ms(r.p50Millis()), ms(r.p99Millis())));
                }
                var range = StoreWorkloads.ranges(backend.store(), "/bench/range/", RANGE_KEYS, 20);
                ranges.add(row(backend.name(), RANGE_KEYS, ms(range.p50Millis()), ms(range.p99Millis())));
                var watch = StoreWorkloads.watchDelivery(backend.store(), "/bench/watch/", WATCHERS, WATCH_EVENTS);
                watches.add(row(backend.name(), WATCHERS, watch.events(), ms(watch.p50Millis()), ms(watch.p99Millis())));
            }
        }
        System.out.println("### Put (256-byte values, distinct keys, " + seconds + " s per row after 2 s warm-up; 8 s warm-up per backend first)");
        System.out.println("| backend | clients | puts/s | p50 ms | p99 ms |");
        System.out.println("|---|---|---|---|---|");
        puts.forEach(System.out::println);
        System.out.println();
        System.out.println("### Range over a prefix of " + RANGE_KEYS + " keys (20 reads)");
        System.out.println("| backend | keys | p50 ms | p99 ms |");
        System.out.println("|---|---|---|---|");
        ranges.forEach(System.out::println);
        System.out.println();
        System.out.println("### Watch delivery (" + WATCHERS + " watchers on one prefix, " + WATCH_EVENTS + " puts; from before the put to delivery)");
        System.out.println("| backend | watchers | events each | p50 ms | p99 ms |");
        System.out.println("|---|---|---|---|---|");
        watches.forEach(System.out::println);
    }

    private static Backend open(String name, Path dir) throws IOException {
        Files.createDirectories(dir);
        return switch (name) {
            case "embedded" -> new Backend("skiff embedded (in-process)", EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir)), List.of());
            case "embedded-grpc" -> {
                var engine = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
                var server = EtcdServer.start(engine, EtcdServerConfig.loopback(0), engine::snapshot);
                var client = EtcdStore.connect(EtcdStoreConfig.of(List.of(java.net.URI.create("http://127.0.0.1:" + server.port()))));
                yield new Backend("skiff embedded via etcd gRPC", client, List.of(engine, server));
            }
            case "etcd" -> {
                var etcd = EtcdProcess.start(dir);
                var client = EtcdStore.connect(EtcdStoreConfig.of(etcd.clientEndpoints()));
                yield new Backend("etcd 3.4.23 via etcd gRPC", client, List.of(etcd));
            }
            default -> throw new IllegalArgumentException("unknown backend " + name);
        };
    }

    private static String ms(double millis) {
        return String.format(Locale.ROOT, "%.2f", millis);
    }

    private static String row(Object... cells) {
        var sb = new StringBuilder("|");
        for (Object cell : cells) {
            sb.append(' ').append(cell).append(" |");
        }
        return sb.toString();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (var p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
