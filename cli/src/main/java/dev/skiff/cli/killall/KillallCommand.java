package dev.skiff.cli.killall;

import dev.skiff.agent.DataDirLock;
import dev.skiff.agent.NodeAgent;
import dev.skiff.cli.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code skiff killall}: what k3s ships as k3s-killall.sh. A stopped agent leaves its pods running for the next start to
 * adopt; this tears down everything the agent (of {@code skiff agent} or {@code skiff server}) made under the data dir:
 * the pods' containers and sandboxes with their network (CNI DEL, the bridge), their volume mounts, containerd and its
 * shims, and the host network the agent left (the service proxy's iptables rules, the masquerade, the routes to other
 * nodes' pods: see {@code HostNetwork}). An agent still running on the dir is stopped first (SIGTERM, as the k3s script stops the k3s service). Images and
 * the rest of the data dir stay. Run again, it finds nothing and exits 0.
 */
@Command(name = "killall", mixinStandardHelpOptions = true,
        description = "Stop the node agent on a data dir and tear down its pods, their network and mounts, containerd, "
                + "and its service proxy's rules, masquerade and routes.")
public final class KillallCommand implements Callable<Integer> {
    /** How long a running agent has to stop once signalled. */
    static final Duration AGENT_STOP_TIMEOUT = Duration.ofMinutes(2);

    @Option(names = {"--data-dir", "-d"}, defaultValue = "/var/lib/skiff",
            description = "The agent's (or server's) data dir; the agent's state is under agent/ (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
            throw new UsageException("invalid value for --data-dir: " + dataDir + " is not a directory");
        }
        Path agentDir = dataDir.toAbsolutePath().resolve("agent");
        if (Files.isDirectory(agentDir)) {
            stopRunningAgent(agentDir);
        }
        var teardown = NodeAgent.killall(agentDir);
        if (teardown.nothing()) {
            System.out.println("skiff killall: nothing to tear down under " + dataDir);
        }
        if (teardown.sandboxes() >= 0) {
            System.out.println("skiff killall: " + teardown.sandboxes() + " pod sandbox(es), their network and containerd torn down under "
                    + dataDir);
        }
        if (!teardown.hostNetwork().isEmpty()) {
            System.out.println("skiff killall: removed " + String.join(", ", teardown.hostNetwork()) + " (the agent's host network)");
        }
        return 0;
    }

    /** Sends SIGTERM to the agent holding the data dir, if one does, and waits until it has let go of it. */
    private static void stopRunningAgent(Path agentDir) throws Exception {
        while (true) {
            try (var free = DataDirLock.tryAcquire(agentDir).orElse(null)) {
                if (free != null) {
                    return;
                }
            }
            var pid = DataDirLock.holder(agentDir);
            if (pid.isEmpty() || pid.getAsLong() == ProcessHandle.current().pid()) {
                throw new IllegalStateException("an agent is running on " + agentDir + " in this process: stop it first");
            }
            var agent = ProcessHandle.of(pid.getAsLong());
            if (agent.isEmpty()) {
                continue; // it has just exited
            }
            System.out.println("skiff killall: stopping the agent running on " + agentDir + " (pid " + pid.getAsLong() + ")");
            agent.get().destroy();
            try {
                agent.get().onExit().get(AGENT_STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("the agent on " + agentDir + " (pid " + pid.getAsLong() + ") did not stop within "
                        + AGENT_STOP_TIMEOUT.toSeconds() + "s of SIGTERM", e);
            }
        }
    }
}
