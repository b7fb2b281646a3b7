package dev.skiff.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd (one member or an N-member cluster) for tests and benchmarks. Every member listens
 * on 127.0.0.1 only, on ports picked free at start; data and logs live under the given directory
 * and are deleted on {@link #close()}, which kills the processes.
 */
public final class EtcdProcess implements AutoCloseable {

    /** Where the Debian package etcd-server installs the binary; override with -Dskiff.etcd.binary. */
    public static final Path DEFAULT_BINARY = Path.of("/usr/bin/etcd");

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private final Path root;
    private final List<Process> processes;
    private final List<Path> logs;
    private final List<URI> clientEndpoints;
    private final Thread shutdownHook;

    private EtcdProcess(Path root, List<Process> processes, List<Path> logs, List<URI> clientEndpoints) {
        this.root = root;
        this.processes = processes;
        this.logs = logs;
        this.clientEndpoints = List.copyOf(clientEndpoints);
        this.shutdownHook = new Thread(this::kill, "etcd-process-reaper");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts one member with its data under {@code dir}. */
    public static EtcdProcess start(Path dir) {
        return start(dir, 1);
    }

    /** Starts an {@code members}-member cluster with data under {@code dir} and waits until every member is healthy. */
    public static EtcdProcess start(Path dir, int members) {
        return start(Path.of(System.getProperty("skiff.etcd.binary", DEFAULT_BINARY.toString())), dir, members);
    }

    /** Starts an {@code members}-member cluster of the given etcd binary. */
    public static EtcdProcess start(Path binary, Path dir, int members) {
        if (members < 1) {
            throw new IllegalArgumentException("members must be >= 1: " + members);
        }
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("etcd binary not found or not executable at " + binary
                    + ": install the Debian package etcd-server (apt-get install etcd-server etcd-client)"
                    + " or set -Dskiff.etcd.binary=/path/to/etcd");
        }
        // free ports are picked by binding and releasing, so another process may grab one in
        // between; retry the whole start a few times before giving up
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            Path root = dir.resolve("etcd-" + attempt);
            try {
                return startOnce(binary, root, members);
            } catch (IllegalStateException e) {
                last = e;
            }
        }
        throw last;
    }

    private static EtcdProcess startOnce(Path binary, Path root, int members) {
        List<Integer> ports = freePorts(2 * members);
        List<URI> clients = new ArrayList<>();
        List<URI> peers = new ArrayList<>();
        StringBuilder initialCluster = new StringBuilder();
        for (int i = 0; i < members; i++) {
            clients.add(URI.create("http://127.0.0.1:" + ports.get(2 * i)));
            peers.add(URI.create("http://127.0.0.1:" + ports.get(2 * i + 1)));
            if (i > 0) {
                initialCluster.append(',');
            }
            initialCluster.append("m").append(i).append('=').append(peers.get(i));
        }
        String token = "skiff-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            Files.createDirectories(root);
            for (int i = 0; i < members; i++) {
                Path data = root.resolve("m" + i + ".etcd");
                Path log = root.resolve("m" + i + ".log");
                List<String> cmd = List.of(binary.toString(),
                        "--name", "m" + i,
                        "--data-dir", data.toString(),
                        "--listen-client-urls", clients.get(i).toString(),
                        "--advertise-client-urls", clients.get(i).toString(),
                        "--listen-peer-urls", peers.get(i).toString(),
                        "--initial-advertise-peer-urls", peers.get(i).toString(),
                        "--initial-cluster", initialCluster.toString(),
                        "--initial-cluster-state", "new",
                        "--initial-cluster-token", token,
                        "--logger", "zap",
                        "--log-level", "warn",
                        "--log-outputs", "stderr");
                ProcessBuilder pb = new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
                pb.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
                processes.add(pb.start());
                logs.add(log);
            }
        } catch (IOException e) {
            processes.forEach(Process::destroyForcibly);
            throw new UncheckedIOException("cannot start etcd under " + root, e);
        }
        EtcdProcess etcd = new EtcdProcess(root, processes, logs, clients);
        try {
            etcd.awaitHealthy(STARTUP_TIMEOUT);
        } catch (RuntimeException e) {
            String detail = etcd.describeLogs();
            etcd.close();
            throw new IllegalStateException(e.getMessage() + "\n" + detail, e);
        }
        return etcd;
    }

    /** The client URLs (http://127.0.0.1:port), one per member. */
    public List<URI> clientEndpoints() {
        return clientEndpoints;
    }

    public int members() {
        return processes.size();
    }

    /** The OS process of member {@code i}, e.g. to stop one member of a cluster. */
    public Process process(int i) {
        return processes.get(i);
    }

    /** Blocks until every member answers /health with "true". */
    public void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
            for (int i = 0; i < clientEndpoints.size(); i++) {
                URI health = clientEndpoints.get(i).resolve("/health");
                String lastAnswer = "no answer";
                while (true) {
                    Process p = processes.get(i);
                    if (!p.isAlive()) {
                        throw new IllegalStateException("etcd member m" + i + " exited with " + p.exitValue()
                                + " while starting");
                    }
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(health)
                                .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                        lastAnswer = r.statusCode() + " " + r.body();
                        if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
                            break;
                        }
                    } catch (IOException e) {
                        lastAnswer = e.toString();
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("etcd member m" + i + " at " + clientEndpoints.get(i)
                                + " not healthy after " + timeout + ": " + lastAnswer);
                    }
                    Thread.sleep(100);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for etcd", e);
        }
    }

    private String describeLogs() {
        StringBuilder sb = new StringBuilder();
        for (Path log : logs) {
            try {
                List<String> lines = Files.readAllLines(log);
                sb.append("--- ").append(log).append(" (last lines)\n");
                lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(l -> sb.append(l).append('\n'));
            } catch (IOException e) {
                sb.append("--- ").append(log).append(": ").append(e).append('\n');
            }
        }
        return sb.toString();
    }

    private void kill() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
        deleteRecursively(root);
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: JUnit's @TempDir cleans up what is left
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static List<Integer> freePorts(int n) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            InetAddress loopback = InetAddress.getByName("127.0.0.1");
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, loopback);
                s.setReuseAddress(true);
                sockets.add(s);
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free loopback ports", e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }
    }
}
