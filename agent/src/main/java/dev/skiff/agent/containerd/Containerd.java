package dev.skiff.agent.containerd;

import dev.skiff.agent.cri.RemoteRuntime;
import dev.skiff.agent.cri.v1.ListPodSandboxRequest;
import dev.skiff.agent.cri.v1.PodSandbox;
import dev.skiff.agent.cri.v1.RemovePodSandboxRequest;
import dev.skiff.agent.cri.v1.StopPodSandboxRequest;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's own containerd, run as a child process on a generated config (see
 * {@link ContainerdFiles}). Started, it answers CRI Version on its socket; closed, it is gone,
 * and with {@link #teardown()} first, so are every pod sandbox and shim it started.
 */
public final class Containerd implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Containerd.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final ContainerdConfig config;
    private final Process process;

    private Containerd(ContainerdConfig config, Process process) {
        this.config = config;
        this.process = process;
    }

    /** Writes the config, starts containerd and waits until CRI Version answers on its socket. */
    public static Containerd start(ContainerdConfig config, Duration readyTimeout) throws IOException {
        if (config.socket().toString().length() > 107) {
            throw new IOException("containerd socket path " + config.socket() + " is longer than a unix socket address allows"
                    + " (107 bytes); use a shorter data dir");
        }
        Files.createDirectories(config.dataDir());
        Path toml = ContainerdFiles.write(config);
        stopLeftover(config, toml);
        Files.deleteIfExists(config.socket());
        Path log = config.dataDir().resolve("containerd.log");
        Process process = new ProcessBuilder(config.containerdBin().toString(), "--config", toml.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        Containerd containerd = new Containerd(config, process);
        LOG.info("containerd starting pid={} socket={} log={}", process.pid(), config.socket(), log);
        try {
            containerd.awaitReady(readyTimeout, log);
        } catch (IOException | RuntimeException e) {
            containerd.close();
            throw e;
        }
        return containerd;
    }

    /**
     * Stops a containerd an earlier run left on this config (the agent was killed: its child outlives it), which would
     * hold the root's metadata lock; its shims stay, so the new containerd takes over the containers still running.
     */
    private static void stopLeftover(ContainerdConfig config, Path toml) {
        ProcessHandle.allProcesses().forEach(p -> {
            List<String> args = commandLine(p.pid());
            if (args.size() == 3 && args.get(0).equals(config.containerdBin().toString()) && args.get(2).equals(toml.toString())) {
                LOG.warn("containerd pid={} left by an earlier run on config={}; stopping it", p.pid(), toml);
                p.destroy();
                try {
                    p.onExit().get(STOP_GRACE.toSeconds(), TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    p.destroyForcibly();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    private void awaitReady(Duration timeout, Path log) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        StatusRuntimeException last = null;
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("containerd exited with " + process.exitValue() + " before it was ready; see " + log);
            }
            if (Files.exists(config.socket())) {
                try (RemoteRuntime cri = RemoteRuntime.connect(config.socket().toString(), Duration.ofSeconds(2))) {
                    var version = cri.version();
                    LOG.info("containerd ready runtime={} version={} api={}", version.getRuntimeName(),
                            version.getRuntimeVersion(), version.getRuntimeApiVersion());
                    return;
                } catch (StatusRuntimeException e) {
                    last = e;
                }
            }
            sleep(50);
        }
        throw new IOException("containerd did not answer CRI Version on " + config.socket() + " within " + timeout
                + (last == null ? "" : " (last error: " + last.getStatus() + ")") + "; see " + log);
    }

    public ContainerdConfig config() {
        return config;
    }

    public String endpoint() {
        return "unix://" + config.socket();
    }

    public long pid() {
        return process.pid();
    }

    /**
     * Stops and removes every pod sandbox (with its containers and network) this containerd
     * runs, as the kubelet would before the node goes away, then deletes the pod bridge: CNI's
     * bridge plugin never removes it, and a leftover bridge holding the pod CIDR's gateway
     * address would capture the routes of the next node on the same CIDR.
     *
     * @return how many pod sandboxes were torn down
     */
    public int teardown() throws IOException {
        int sandboxes = 0;
        try (RemoteRuntime cri = RemoteRuntime.connect(config.socket().toString(), Duration.ofSeconds(30))) {
            for (PodSandbox sandbox : cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                cri.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandbox.getId()).build());
                cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandbox.getId()).build());
                sandboxes++;
            }
        }
        // not /sys/class/net: under nsenter --net that sysfs still shows the host's namespace, not ours
        Process ip = new ProcessBuilder("ip", "link", "delete", config.bridge()).redirectErrorStream(true).start();
        String out = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (ip.waitFor() != 0 && !out.contains("Cannot find device")) {
                throw new IOException("ip link delete " + config.bridge() + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted deleting bridge " + config.bridge(), e);
        }
        ContainerdFiles.removeNetwork(config.dataDir());
        return sandboxes;
    }

    /**
     * SIGTERM, then SIGKILL after a grace period. Shims outlive containerd by design (so a
     * restart keeps containers running); any still tied to this containerd's socket are killed
     * too, so after close no process of this instance remains.
     */
    @Override
    public void close() {
        stop();
        for (ProcessHandle shim : shims()) {
            LOG.warn("killing containerd shim pid={} left by socket={}", shim.pid(), config.socket());
            shim.destroyForcibly();
        }
    }

    /**
     * Stops containerd only (SIGTERM, SIGKILL after a grace period): its shims keep the containers running, and a
     * containerd started again on the same root and state reconnects to them.
     */
    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warn("containerd pid={} ignored SIGTERM for {}; killing it", process.pid(), STOP_GRACE);
                process.destroyForcibly();
                process.waitFor(STOP_GRACE.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The shim processes serving this containerd (they carry its socket as -address). */
    public List<ProcessHandle> shims() {
        List<ProcessHandle> shims = new ArrayList<>();
        String address = config.socket().toString();
        ProcessHandle.allProcesses().forEach(p -> {
            List<String> args = commandLine(p.pid());
            if (!args.isEmpty() && args.getFirst().contains("containerd-shim") && args.contains(address)) {
                shims.add(p);
            }
        });
        return shims;
    }

    /** Whether the containerd process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    private static List<String> commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            List<String> args = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == 0) {
                    args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            return args;
        } catch (IOException e) {
            return List.of(); // the process is gone or not ours to read
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for containerd", e);
        }
    }
}
