package dev.skiff.cli.server;

import dev.skiff.cli.Flags;
import dev.skiff.cli.UsageException;
import dev.skiff.cli.controller.ControllerManagerCommand;
import dev.skiff.cli.scheduler.SchedulerCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code skiff server}: flags named as k3s and kube-apiserver name them. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run the control plane: the store (embedded, or etcd with --etcd-servers), its etcd endpoint, the API server, the scheduler and the controllers.")
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

    @Option(names = {"--write-kubeconfig", "-o"}, description = "Write the admin kubeconfig to this file (default: <data-dir>/server/cred/admin.kubeconfig).")
    Path writeKubeconfig;

    @Option(names = "--write-kubeconfig-mode", defaultValue = "0600", description = "File mode of the written kubeconfig, octal (default: ${DEFAULT-VALUE}).")
    String writeKubeconfigMode;

    @Option(names = "--tls-san", split = ",", description = "Extra host name or IP address for the API server's certificate (repeatable).")
    List<String> tlsSans = new ArrayList<>();

    @Option(names = "--service-cluster-ip-range", defaultValue = "10.43.0.0/16",
            description = "Service IP range; its first address is the kubernetes service IP (default: ${DEFAULT-VALUE}).")
    String serviceClusterIpRange;

    @Option(names = "--service-node-port-range", defaultValue = "30000-32767",
            description = "Port range for NodePort and LoadBalancer services' node ports (default: ${DEFAULT-VALUE}).")
    String serviceNodePortRange;

    @Option(names = "--max-requests-inflight", defaultValue = "400",
            description = "Most non-mutating API requests served at once, 0 for no limit (default: ${DEFAULT-VALUE}).")
    int maxRequestsInflight;

    @Option(names = "--max-mutating-requests-inflight", defaultValue = "200",
            description = "Most mutating API requests served at once, 0 for no limit (default: ${DEFAULT-VALUE}).")
    int maxMutatingRequestsInflight;

    @Option(names = "--disable-agent", description = "Do not run a node agent beside the control plane.")
    boolean disableAgent;

    @Option(names = "--kubelet-port", defaultValue = "10250",
            description = "Port the embedded agent's kubelet server listens on (default: ${DEFAULT-VALUE}).")
    int kubeletPort;

    @Option(names = "--disable-scheduler", description = "Do not run the scheduler beside the API server.")
    boolean disableScheduler;

    @Option(names = "--scheduler-config", description = "A KubeSchedulerConfiguration file for the embedded scheduler.")
    Path schedulerConfig;

    @Option(names = "--disable-controller-manager", description = "Do not run the controllers beside the API server.")
    boolean disableControllerManager;

    @Option(names = "--controllers", split = ",", description = "Controllers the embedded controller manager runs: '*', 'name', '-name' (default: *).")
    List<String> controllers = new ArrayList<>(List.of("*"));

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
        Flags.ipAddress("--bind-address", bindAddress);
        var sans = new ArrayList<String>();
        for (String san : tlsSans) {
            String name = san.strip();
            if (name.isEmpty() || name.contains("/") || name.contains(" ")) {
                throw new UsageException("invalid value for --tls-san: '" + san + "' is not a host name or IP address");
            }
            sans.add(name.contains(":") || name.matches("[0-9.]+") ? Flags.ipAddress("--tls-san", name).getHostAddress() : name);
        }
        var path = dataDir.toAbsolutePath();
        return new ServerConfig(path, endpoints, listen, Flags.duration("--etcd-compaction-interval", compactionInterval),
                maxRequestBytes, bindAddress, Flags.port("--https-listen-port", httpsListenPort, false),
                writeKubeconfig == null ? path.resolve("server/cred/admin.kubeconfig") : writeKubeconfig.toAbsolutePath(),
                Flags.fileMode("--write-kubeconfig-mode", writeKubeconfigMode), sans,
                Flags.serviceCidr("--service-cluster-ip-range", serviceClusterIpRange),
                Flags.portRange("--service-node-port-range", serviceNodePortRange),
                Flags.nonNegative("--max-requests-inflight", maxRequestsInflight),
                Flags.nonNegative("--max-mutating-requests-inflight", maxMutatingRequestsInflight), disableAgent,
                disableScheduler ? null : SchedulerCommand.configuration(schedulerConfig),
                disableControllerManager ? null : ControllerManagerCommand.validate(controllers),
                Flags.port("--kubelet-port", kubeletPort, false));
    }

}
