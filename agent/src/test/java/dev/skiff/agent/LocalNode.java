package dev.skiff.agent;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A real node for tests: the in-process control plane and a {@link NodeAgent} with its own containerd, both under a fresh
 * short directory in /tmp (containerd's socket path must fit a sockaddr_un). Closing tears the agent down (pods, bridge,
 * containerd), stops the control plane and deletes the directory.
 */
public final class LocalNode implements AutoCloseable {
    private final Path dir;
    private final LocalControlPlane controlPlane;
    private final KubernetesClient client;
    private final NodeAgent.Config config;
    private NodeAgent agent;

    private LocalNode(Path dir, LocalControlPlane controlPlane, KubernetesClient client, NodeAgent.Config config) {
        this.dir = dir;
        this.controlPlane = controlPlane;
        this.client = client;
        this.config = config;
    }

    /** Starts the control plane and the agent, whose config {@code config} makes from the agent's data dir. */
    public static LocalNode start(String dirPrefix, java.util.function.Function<Path, NodeAgent.Config> config)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), dirPrefix);
        LocalControlPlane controlPlane = LocalControlPlane.start(dir.resolve("cp"));
        var node = new LocalNode(dir, controlPlane, RestClients.fromKubeconfig(controlPlane.kubeconfig()), config.apply(dir.resolve("agent")));
        try {
            node.startAgent();
        } catch (IOException | RuntimeException | InterruptedException e) {
            try {
                node.close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return node;
    }

    public KubernetesClient client() {
        return client;
    }

    public NodeAgent agent() {
        return agent;
    }

    public Path dir() {
        return dir;
    }

    /** Starts the agent (again) on the same config and data dir. */
    public NodeAgent startAgent() throws IOException, InterruptedException {
        agent = NodeAgent.start(client, config);
        return agent;
    }

    /** Stops the agent leaving its pods running ({@link NodeAgent#stop()}). */
    public void stopAgent() throws Exception {
        NodeAgent stopping = agent;
        agent = null;
        stopping.stop();
    }

    @Override
    public void close() throws Exception {
        try {
            if (agent != null) {
                agent.close();
            } else {
                NodeAgent.killall(config.dataDir()); // stopped and not started again (or its start failed): its pods still run
            }
        } finally {
            client.close();
            controlPlane.close();
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
