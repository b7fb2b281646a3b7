package dev.skiff.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * skiff as a real child process: the same main class bin/skiff runs, on the test classpath (which
 * holds exactly the built modules and their dependencies), with its output in a log file.
 */
final class SkiffProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    /** How the process was started (nsenter into a node's namespace), so {@code skiff killall} runs where its agent ran. */
    private final List<String> wrapper;
    /** The data dir of the real node agent the process runs ({@code skiff agent}, or a server with its agent); null for none. */
    private final Path agentDataDir;
    private boolean killedAll;

    private SkiffProcess(Process process, Path log, List<String> wrapper, Path agentDataDir) {
        this.process = process;
        this.log = log;
        this.wrapper = wrapper;
        this.agentDataDir = agentDataDir;
    }

    static SkiffProcess start(Path log, String... args) {
        return startWrapped(List.of(), log, args);
    }

    /** skiff in the network namespace {@code netns} (one {@code ip netns add} made): a node of a multi-node test. */
    static SkiffProcess startInNetns(String netns, Path log, String... args) {
        return startWrapped(inNetns(netns), log, args);
    }

    /** The command prefix running a command in the network namespace {@code netns} (the file system stays the host's). */
    private static List<String> inNetns(String netns) {
        return List.of("nsenter", "--net=/var/run/netns/" + netns);
    }

    private static SkiffProcess startWrapped(List<String> wrapper, Path log, String... args) {
        var process = startProcess(wrapper, log, args);
        return new SkiffProcess(process, log, wrapper, agentDataDir(args));
    }

    /**
     * The data dir a real node agent keeps its state under when skiff runs {@code args}: {@code skiff agent} without
     * --simulated, {@code skiff server} without --disable-agent; null otherwise.
     */
    private static Path agentDataDir(String... args) {
        List<String> all = List.of(args);
        boolean agent = !all.isEmpty() && (all.getFirst().equals("agent") && !all.contains("--simulated")
                || all.getFirst().equals("server") && !all.contains("--disable-agent"));
        if (!agent) {
            return null;
        }
        for (int i = 1; i < all.size() - 1; i++) {
            if (all.get(i).equals("--data-dir") || all.get(i).equals("-d")) {
                return Path.of(all.get(i + 1));
            }
        }
        return Path.of("/var/lib/skiff");
    }

    private static Process startProcess(List<String> wrapper, Path log, String... args) {
        var command = new ArrayList<>(wrapper);
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=ALL-UNNAMED");
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow"); // as bin/skiff: Netty's buffers
        }
        command.add("-Xmx512m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.skiff.cli.Skiff");
        command.addAll(List.of(args));
        try {
            Files.createDirectories(log.getParent());
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts {@code skiff server} and waits for it to report ready. Unless the test chooses, the API
     * server listens on loopback on a free port, so tests never meet on :6443.
     */
    /** A server with its data, log and etcd endpoint under {@code dir}, on {@code httpsPort}, writing the admin kubeconfig to {@code kubeconfig}. */
    static SkiffProcess apiServer(Path dir, int httpsPort, Path kubeconfig, String... extra) {
        var args = new ArrayList<>(List.of("--data-dir", dir.resolve("data").toString(),
                "--etcd-listen-client-url", "http://127.0.0.1:" + freePort(),
                "--https-listen-port", String.valueOf(httpsPort), "--write-kubeconfig", kubeconfig.toString()));
        args.addAll(List.of(extra));
        return server(dir.resolve("server.log"), args.toArray(String[]::new));
    }

    /**
     * {@code skiff agent --simulated --count count} joined with the token of the {@link #apiServer}
     * under {@code dir} on {@code httpsPort}, once its nodes (sim-0 ...) are registered.
     */
    static SkiffProcess simulatedAgent(Path dir, int httpsPort, int count, String... extra) {
        var args = new ArrayList<>(List.of("agent", "--server", "https://127.0.0.1:" + httpsPort,
                "--token-file", dir.resolve("data").resolve("server").resolve("token").toString(), "--simulated", "--count", String.valueOf(count)));
        args.addAll(List.of(extra));
        var agent = start(dir.resolve("agent.log"), args.toArray(String[]::new));
        try {
            agent.awaitLine(count + " simulated node(s) registered", 0, Duration.ofSeconds(60));
        } catch (RuntimeException | AssertionError e) {
            agent.close();
            throw e;
        }
        return agent;
    }

    /**
     * A real {@code skiff agent} (its own containerd) named {@code node} on 127.0.0.1, joined with the
     * token of the {@link #apiServer} under {@code dir} on {@code httpsPort}, with the bridge and pod
     * CIDR the test owns, once its node is registered. Its data dir is a fresh one under /tmp.
     */
    static SkiffProcess realAgent(Path dir, int httpsPort, String node, String podCidr, String bridge, int kubeletPort) {
        Path data;
        try {
            data = Files.createTempDirectory(Path.of("/tmp"), "skiff-" + node + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return registeredAgent(dir.resolve("agent.log"), node, "agent", "--server", "https://127.0.0.1:" + httpsPort,
                "--token-file", dir.resolve("data").resolve("server").resolve("token").toString(), "--node-name", node,
                "--node-ip", "127.0.0.1", "--data-dir", data.toString(), "--pod-cidr", podCidr, "--cni-bridge", bridge,
                "--kubelet-port", String.valueOf(kubeletPort));
    }

    /** {@code skiff} with {@code args} (an agent of one node), once it logged that {@code node} is registered. */
    static SkiffProcess registeredAgent(Path log, String node, String... args) {
        var agent = start(log, args);
        try {
            agent.awaitLine("node " + node + " registered", 0, Duration.ofSeconds(120));
        } catch (RuntimeException | AssertionError e) {
            agent.close();
            throw e;
        }
        return agent;
    }

    /** A server with its embedded node agent (containerd and all); {@link #server} runs them without. */
    static SkiffProcess serverWithAgent(Path log, String... args) {
        return server(log, true, args);
    }

    static SkiffProcess server(Path log, String... args) {
        return server(log, false, args);
    }

    private static SkiffProcess server(Path log, boolean agent, String... args) {
        long before = lineCount(log);
        var all = new ArrayList<>(List.of(args));
        if (!agent && !all.contains("--disable-agent")) {
            all.add("--disable-agent"); // most tests need no node; a real one costs a containerd
        }
        if (!agent && !all.contains("--dns-listen-address") && !all.contains("--disable-dns")) {
            all.add("--disable-dns"); // nor cluster DNS, which would take the node's port 53
        }
        if (!all.contains("--https-listen-port")) {
            all.addAll(List.of("--https-listen-port", String.valueOf(freePort())));
        }
        if (!all.contains("--bind-address")) {
            all.addAll(List.of("--bind-address", "127.0.0.1"));
        }
        var server = start(log, prepend("server", all.toArray(String[]::new)));
        server.awaitLine("skiff server ready", before, Duration.ofSeconds(agent ? 120 : 60));
        return server;
    }

    /** Runs a skiff command to completion. */
    static Finished run(Path log, String... args) {
        return runWrapped(List.of(), log, args);
    }

    /** Runs a skiff command to completion in the network namespace {@code netns}. */
    static Finished runInNetns(String netns, Path log, String... args) {
        return runWrapped(inNetns(netns), log, args);
    }

    private static Finished runWrapped(List<String> wrapper, Path log, String... args) {
        long before = lineCount(log);
        try (var p = startWrapped(wrapper, log, args)) {
            if (!p.process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("skiff " + String.join(" ", args) + " did not finish in 60 s");
            }
            return new Finished(p.process.exitValue(), p.linesAfter(before));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    record Finished(int exit, List<String> output) {
    }

    void awaitLine(String text, long afterLine, Duration timeout) {
        var deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (linesAfter(afterLine).stream().anyMatch(l -> l.contains(text))) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("skiff exited with " + process.exitValue() + " before '" + text + "':\n" + String.join("\n", linesAfter(afterLine)));
            }
            sleep(50);
        }
        throw new AssertionError("no '" + text + "' within " + timeout + ":\n" + String.join("\n", linesAfter(afterLine)));
    }

    List<String> linesAfter(long skip) {
        return linesFrom(log, skip);
    }

    static List<String> lines(Path log) {
        return linesFrom(log, 0);
    }

    private static List<String> linesFrom(Path log, long skip) {
        try {
            return Files.exists(log) ? Files.readAllLines(log).stream().skip(skip).toList() : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long lineCount(Path log) {
        try {
            return Files.exists(log) ? Files.readAllLines(log).size() : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * SIGTERM, and the exit code once it has stopped; then, for a process running a node agent (which leaves its pods
     * running when it stops), {@code skiff killall} on its data dir, so nothing of it is left.
     */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw notStopped(Duration.ofSeconds(30));
        }
        killall();
        return process.exitValue();
    }

    /** The failure of a process that outlived SIGTERM, with its threads (jcmd Thread.print) to tell what holds it up. */
    private AssertionError notStopped(Duration timeout) throws InterruptedException {
        String threads;
        try {
            Path dump = Files.createTempFile("skiff-threads", ".txt");
            var jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    String.valueOf(process.pid()), "Thread.print").redirectErrorStream(true).redirectOutput(dump.toFile()).start();
            if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
                jcmd.destroyForcibly();
            }
            threads = Files.readString(dump);
            Files.deleteIfExists(dump);
        } catch (IOException e) {
            threads = "(no thread dump: " + e + ")";
        }
        return new AssertionError("skiff did not stop within " + timeout + " of SIGTERM; its threads:\n" + threads);
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed; a node agent's pods and containerd are left (see {@link #killall}). */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, as an operator stops skiff; true when it exited within {@code timeout}. Then {@link #killall} as {@link #stop()}. */
    boolean stop(Duration timeout) throws InterruptedException {
        process.destroy();
        boolean stopped = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (stopped) {
            killall();
        }
        return stopped;
    }

    /** SIGTERM only, and the exit code: a node agent leaves its pods running for the next agent on its data dir to adopt. */
    int stopKeepingPods(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw notStopped(timeout);
        }
        return process.exitValue();
    }

    /**
     * {@code skiff killall --data-dir} of the node agent this process ran (in the namespace it ran in), once: its pods, their
     * network and mounts, containerd and shims are torn down. Nothing for a process without a real agent, nor while another
     * agent (one started again on the same data dir) runs there: killall would stop it; it is torn down when it stops.
     */
    void killall() {
        if (agentDataDir == null || killedAll || process.isAlive()) {
            return;
        }
        killedAll = true;
        Path agentDir = agentDataDir.resolve("agent");
        if (Files.isDirectory(agentDir)) {
            try (var free = dev.skiff.agent.DataDirLock.tryAcquire(agentDir).orElse(null)) {
                if (free == null) {
                    return;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Path killallLog = log.resolveSibling(log.getFileName() + ".killall");
        long before = lineCount(killallLog);
        try {
            var p = startProcess(wrapper, killallLog, "killall", "--data-dir", agentDataDir.toString());
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("skiff killall --data-dir " + agentDataDir + " did not finish in 120 s");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("skiff killall --data-dir " + agentDataDir + " exited " + p.exitValue() + ":\n"
                        + String.join("\n", linesFrom(killallLog, before)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** SIGKILL if still running, then {@link #killall}: whatever the test did, nothing of a node agent is left. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        killall();
    }

    /** Ports handed out by {@link #freePort()} in this JVM, never handed out twice. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A port free on every address for a process started later. It is taken below Linux's ephemeral range
     * (32768-60999), so that no outgoing connection made in the meantime (kubectl, clients, the agent) can
     * be given the same number before the process binds it.
     */
    static int freePort() {
        var random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = random.nextInt(20000, 32768);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (var socket = new ServerSocket()) {
                socket.bind(new java.net.InetSocketAddress(port), 1);
                return port;
            } catch (IOException e) {
                // taken; try another
            }
        }
        throw new IllegalStateException("no free port in 20000-32767");
    }

    private static String[] prepend(String first, String... rest) {
        var all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
