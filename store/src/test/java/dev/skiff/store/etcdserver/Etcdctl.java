package dev.skiff.store.etcdserver;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Drives the real etcd 3.4 {@code etcdctl} binary against a loopback port (the store's tests and
 * the e2e tests share it through the store test-jar).
 */
public final class Etcdctl {
    static final Path BINARY = Path.of("/usr/bin/etcdctl");

    private final int port;

    public Etcdctl(int port) {
        this.port = port;
    }

    /** Fails, rather than skips, without etcdctl: the tests exist to be judged by it. */
    static void requireInstalled() {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError("etcdctl not installed at " + BINARY + ": apt-get install etcd-client (bin/test does)");
        }
    }

    public record Result(int exit, String out, String err) {
        public List<String> lines() {
            return out.lines().toList();
        }
    }

    /** Runs etcdctl and returns its stdout, failing with its stderr when it exits non-zero. */
    public String ok(String... args) {
        var r = run(args);
        if (r.exit() != 0) {
            throw new AssertionError("etcdctl " + String.join(" ", args) + " failed (" + r.exit() + "): " + r.err());
        }
        return r.out();
    }

    private ProcessBuilder builder(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(BINARY.toString());
        cmd.add("--endpoints=127.0.0.1:" + port);
        cmd.add("--dial-timeout=5s");
        cmd.add("--command-timeout=20s");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("ETCDCTL_API", "3");
        return pb;
    }

    public Result run(String... args) {
        return runWithInput(null, args);
    }

    public Result runWithInput(String stdin, String... args) {
        try {
            Process p = builder(args).start();
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            byte[][] errBytes = new byte[1][];
            Thread err = Thread.ofVirtual().start(() -> {
                try {
                    errBytes[0] = p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    errBytes[0] = new byte[0];
                }
            });
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("etcdctl " + String.join(" ", args) + " timed out");
            }
            err.join();
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                    new String(errBytes[0], StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A long-running etcdctl (e.g. watch) whose stdout lines can be awaited with a deadline. */
    Running start(String... args) {
        try {
            return new Running(builder(args).redirectError(ProcessBuilder.Redirect.DISCARD).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final class Running implements AutoCloseable {
        private final Process process;
        private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Running(Process process) {
            this.process = process;
            Thread.ofVirtual().start(() -> {
                try (var r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // process ended
                }
            });
        }

        /** The next {@code n} lines, failing if they do not all arrive within {@code timeout}. */
        List<String> next(int n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<String> got = new ArrayList<>();
            while (got.size() < n) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new AssertionError("expected " + n + " lines within " + timeout + ", got " + got);
                }
                got.add(line);
            }
            return got;
        }

        boolean waitForExit(Duration timeout) throws InterruptedException {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        int exitValue() {
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
