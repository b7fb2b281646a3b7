package dev.skiff.cli.server;

import dev.skiff.cli.Flags;
import dev.skiff.cli.UsageException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code skiff server}: flags named as k3s and kube-apiserver name them. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run the control plane: the store (embedded, or etcd with --etcd-servers) and its etcd endpoint.")
public final class ServerCommand implements Callable<Integer> {

    @Option(names = {"--data-dir", "-d"}, defaultValue = "/var/lib/skiff", description = "Folder to hold state (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = {"--etcd-servers", "--datastore-endpoint"}, description = "Comma-separated etcd client URLs (http://host:port); default: the embedded store.")
    String etcdServers;

    @Option(names = "--etcd-listen-client-url", defaultValue = "http://127.0.0.1:2379",
            description = "Where the embedded store serves the etcd v3 API, or 'none' (default: ${DEFAULT-VALUE}).")
    String etcdListenClientUrl;

    @Option(names = "--etcd-compaction-interval", defaultValue = "5m",
            description = "How much history the embedded store keeps before compacting it, e.g. 5m, 30s, 1h (default: ${DEFAULT-VALUE}).")
    String compactionInterval;

    @Option(names = "--max-request-bytes", defaultValue = "1572864", description = "Largest store request accepted (default: ${DEFAULT-VALUE}).")
    int maxRequestBytes;

    @Option(names = "--bind-address", defaultValue = "0.0.0.0", description = "Address the API server listens on (default: ${DEFAULT-VALUE}).")
    String bindAddress;

    @Option(names = "--https-listen-port", defaultValue = "6443", description = "API server port (default: ${DEFAULT-VALUE}).")
    int httpsListenPort;

    @Option(names = {"--write-kubeconfig", "-o"}, description = "Write the admin kubeconfig to this file.")
    Path writeKubeconfig;

    @Option(names = "--disable-agent", description = "Do not run a node agent beside the control plane.")
    boolean disableAgent;

    @Override
    public Integer call() throws Exception {
        try (var server = Server.start(config())) {
            server.awaitShutdown();
        }
        return 0;
    }

    ServerConfig config() {
        List<java.net.URI> endpoints = etcdServers == null || etcdServers.isBlank()
                ? List.of() : Flags.endpoints("--etcd-servers", etcdServers);
        var listen = "none".equals(etcdListenClientUrl) ? null
                : Flags.listenAddress("--etcd-listen-client-url", etcdListenClientUrl);
        if (maxRequestBytes < 1024) {
            throw new UsageException("invalid value for --max-request-bytes: " + maxRequestBytes + " (at least 1024)");
        }
        return new ServerConfig(dataDir.toAbsolutePath(), endpoints, listen, Flags.duration("--etcd-compaction-interval", compactionInterval),
                maxRequestBytes, bindAddress, Flags.port("--https-listen-port", httpsListenPort, false),
                writeKubeconfig, disableAgent);
    }

}
