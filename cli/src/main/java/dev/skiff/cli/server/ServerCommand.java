package dev.skiff.cli.server;

import dev.skiff.apiserver.admission.AdmissionConfiguration;
import dev.skiff.apiserver.admission.AdmissionOptions;
import dev.skiff.apiserver.audit.AuditOptions;
import dev.skiff.apiserver.audit.Policy;
import dev.skiff.apiserver.registry.core.serviceaccount.TokenExpiration;
import dev.skiff.cli.Flags;
import dev.skiff.cli.UsageException;
import dev.skiff.cli.controller.ControllerManagerCommand;
import dev.skiff.cli.scheduler.SchedulerCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Option(names = "--enable-admission-plugins", split = ",", paramLabel = "<plugin>",
            description = "Admission plugins to run in addition to the default ones; their order does not matter (plugins run in upstream's order). Skiff runs: "
                    + "NamespaceLifecycle, ServiceAccount, Priority, DefaultTolerationSeconds, ResourceQuota (all on by default).")
    List<String> enableAdmissionPlugins = new ArrayList<>();

    @Option(names = "--disable-admission-plugins", split = ",", paramLabel = "<plugin>",
            description = "Admission plugins to turn off although they are on by default, e.g. ServiceAccount,DefaultTolerationSeconds.")
    List<String> disableAdmissionPlugins = new ArrayList<>();

    @Option(names = "--admission-control-config-file", paramLabel = "<file>",
            description = "An AdmissionConfiguration (apiserver.config.k8s.io/v1) configuring admission plugins; skiff applies PodSecurity's "
                    + "(PodSecurityConfiguration: defaults and exemptions).")
    Path admissionControlConfigFile;

    @Option(names = "--audit-policy-file", paramLabel = "<file>",
            description = "An audit policy (audit.k8s.io/v1 Policy): which requests are audited at which level. Without it nothing is audited.")
    Path auditPolicyFile;

    @Option(names = "--audit-log-path", paramLabel = "<file>",
            description = "Where audit events go, one JSON Event a line; '-' is standard output. Without it nothing is audited.")
    String auditLogPath;

    @Option(names = "--audit-log-maxage", paramLabel = "<days>", defaultValue = "0",
            description = "Days to keep rotated audit log files (0: no limit).")
    int auditLogMaxAge;

    @Option(names = "--audit-log-maxbackup", paramLabel = "<count>", defaultValue = "0",
            description = "Rotated audit log files to keep (0: no limit).")
    int auditLogMaxBackup;

    @Option(names = "--audit-log-maxsize", paramLabel = "<MB>", defaultValue = "0",
            description = "Megabytes the audit log grows to before it is rotated (0: 100).")
    int auditLogMaxSize;

    @Option(names = "--audit-log-format", paramLabel = "<format>", defaultValue = "json",
            description = "The audit log's format: json (one audit.k8s.io/v1 Event a line) or legacy (one line of text an event).")
    String auditLogFormat;

    @Option(names = "--service-account-max-token-expiration",
            description = "Longest lifetime of a requested service-account token, e.g. 24h (1h to 2^32 s); longer requests get this (default: no limit).")
    String serviceAccountMaxTokenExpiration;

    @Option(names = "--service-account-extend-token-expiration", negatable = true, defaultValue = "true", fallbackValue = "true", arity = "0..1",
            description = "Issue the tokens kubelets ask for pods (3607 s) for a year, with a warn-after claim at 3607 s (default: ${DEFAULT-VALUE}).")
    boolean serviceAccountExtendTokenExpiration;

    @Option(names = "--metric-resolution", defaultValue = "15s",
            description = "How often the kubelets are scraped for the metrics API (metrics.k8s.io), as metrics-server's flag (default: ${DEFAULT-VALUE}).")
    String metricResolution;

    @Option(names = "--disable-agent", description = "Do not run a node agent beside the control plane.")
    boolean disableAgent;

    @Option(names = "--disable-kube-proxy", description = "Do not run the service proxy in the embedded node agent.")
    boolean disableKubeProxy;

    @Option(names = "--kubelet-port", defaultValue = "10250",
            description = "Port the embedded agent's kubelet server listens on (default: ${DEFAULT-VALUE}).")
    int kubeletPort;

    @Option(names = "--pod-manifest-path",
            description = "A file or directory of static pods the embedded node agent runs (with mirror pods in the API).")
    Path podManifestPath;

    @Option(names = "--private-registry",
            description = "The embedded agent's private registry configuration, k3s's registries.yaml (default: "
                    + dev.skiff.cli.agent.AgentCommand.DEFAULT_PRIVATE_REGISTRY + ", none when it does not exist).")
    Path privateRegistry;

    @Option(names = "--flannel-backend", defaultValue = "host-gw",
            description = "How the embedded node reaches other nodes' pods: host-gw (nodes on one segment) or vxlan (default: ${DEFAULT-VALUE}).")
    String flannelBackend;

    @Option(names = "--cni-bridge", defaultValue = "skiff0", description = "The Linux bridge the embedded node's pods attach to (default: ${DEFAULT-VALUE}).")
    String cniBridge;

    @Option(names = "--disable-scheduler", description = "Do not run the scheduler beside the API server.")
    boolean disableScheduler;

    @Option(names = "--scheduler-config", description = "A KubeSchedulerConfiguration file for the embedded scheduler.")
    Path schedulerConfig;

    @Option(names = "--disable-controller-manager", description = "Do not run the controllers beside the API server.")
    boolean disableControllerManager;

    @Option(names = "--controllers", split = ",", description = "Controllers the embedded controller manager runs: '*', 'name', '-name' (default: *).")
    List<String> controllers = new ArrayList<>(List.of("*"));

    @Option(names = "--cluster-cidr", defaultValue = "10.42.0.0/16",
            description = "Pod IPs come from here; node IPAM gives each node a /24 of it (default: ${DEFAULT-VALUE}).")
    String clusterCidr;

    @Mixin
    dev.skiff.cli.controller.NodeLifecycleFlags nodeLifecycle = new dev.skiff.cli.controller.NodeLifecycleFlags();

    @Mixin
    dev.skiff.cli.controller.HorizontalPodAutoscalerFlags horizontalPodAutoscaler = new dev.skiff.cli.controller.HorizontalPodAutoscalerFlags();

    @Option(names = "--cluster-dns", description = "The cluster DNS service IP, which pods resolve with (default: the 10th address of --service-cluster-ip-range, 10.43.0.10).")
    String clusterDns;

    @Option(names = "--cluster-domain", defaultValue = "cluster.local", description = "The cluster's DNS domain (default: ${DEFAULT-VALUE}).")
    String clusterDomain;

    @Option(names = "--dns-listen-address", description = "Where the cluster DNS server listens, IP or IP:port; the kube-dns service routes to it (default: the node's address, port 53).")
    String dnsListenAddress;

    @Option(names = "--disable-dns", description = "Do not run the cluster DNS server.")
    boolean disableDns;

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
        var serviceCidr = Flags.serviceCidr("--service-cluster-ip-range", serviceClusterIpRange);
        return new ServerConfig(path, endpoints, listen, Flags.duration("--etcd-compaction-interval", compactionInterval),
                maxRequestBytes, bindAddress, Flags.port("--https-listen-port", httpsListenPort, false),
                writeKubeconfig == null ? path.resolve("server/cred/admin.kubeconfig") : writeKubeconfig.toAbsolutePath(),
                Flags.fileMode("--write-kubeconfig-mode", writeKubeconfigMode), sans,
                serviceCidr,
                Flags.portRange("--service-node-port-range", serviceNodePortRange),
                Flags.nonNegative("--max-requests-inflight", maxRequestsInflight),
                Flags.nonNegative("--max-mutating-requests-inflight", maxMutatingRequestsInflight), disableAgent,
                disableKubeProxy,
                disableScheduler ? null : SchedulerCommand.configuration(schedulerConfig),
                disableControllerManager ? null : ControllerManagerCommand.validate(controllers),
                horizontalPodAutoscaler.applyTo(nodeLifecycle.applyTo(ControllerManagerCommand.nodeIpam("--cluster-cidr", true, clusterCidr, 24))),
                clusterDns(serviceCidr),
                Flags.port("--kubelet-port", kubeletPort, false), dev.skiff.cli.agent.AgentCommand.flannelBackend(flannelBackend),
                dev.skiff.cli.agent.AgentCommand.cniBridge(cniBridge),
                podManifestPath == null ? null : podManifestPath.toAbsolutePath(), admission(), tokenExpiration(), metricResolution(),
                disableAgent ? dev.skiff.agent.containerd.registries.Registries.NONE : dev.skiff.cli.agent.AgentCommand.privateRegistry(privateRegistry),
                audit());
    }

    private Duration metricResolution() {
        var resolution = Flags.duration("--metric-resolution", metricResolution);
        if (resolution.isZero()) {
            throw new UsageException("invalid value for --metric-resolution: '" + metricResolution + "' (must be positive)");
        }
        return resolution;
    }

    /** --enable/--disable-admission-plugins, checked as kube-apiserver checks them, and --admission-control-config-file. */
    private AdmissionOptions admission() {
        try {
            var configuration = admissionControlConfigFile == null ? AdmissionConfiguration.DEFAULT
                    : AdmissionConfiguration.read(admissionControlConfigFile);
            return new AdmissionOptions(enableAdmissionPlugins, disableAdmissionPlugins, configuration).validated();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** --audit-policy-file (read and validated as kube-apiserver does) and the --audit-log-* flags. */
    private AuditOptions audit() {
        // kube-apiserver's own checks and words (AuditLogOptions.Validate)
        if (!auditLogFormat.equals(AuditOptions.JSON) && !auditLogFormat.equals(AuditOptions.LEGACY)) {
            throw new UsageException("invalid audit log format " + auditLogFormat + ", allowed formats are \"legacy,json\"");
        }
        for (var limit : List.of(Map.entry("--audit-log-maxage", auditLogMaxAge), Map.entry("--audit-log-maxbackup", auditLogMaxBackup),
                Map.entry("--audit-log-maxsize", auditLogMaxSize))) {
            if (limit.getValue() < 0) {
                throw new UsageException(limit.getKey() + " " + limit.getValue() + " can't be a negative number");
            }
        }
        if (auditPolicyFile == null) {
            return AuditOptions.NONE;
        }
        try {
            return new AuditOptions(Policy.read(auditPolicyFile), auditLogPath, auditLogMaxAge, auditLogMaxBackup, auditLogMaxSize,
                    auditLogFormat);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private TokenExpiration tokenExpiration() {
        var max = serviceAccountMaxTokenExpiration == null ? null
                : Flags.duration("--service-account-max-token-expiration", serviceAccountMaxTokenExpiration);
        try {
            return TokenExpiration.of(max, serviceAccountExtendTokenExpiration);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** --cluster-dns (inside the service range: it is a ClusterIP), --cluster-domain, and the DNS server's listen address. */
    private ServerConfig.ClusterDns clusterDns(dev.skiff.registry.core.service.ipallocator.ServiceCidr serviceCidr) {
        var ip = clusterDns == null ? serviceCidr.address(java.math.BigInteger.TEN) : Flags.ipAddress("--cluster-dns", clusterDns);
        var offset = serviceCidr.offsetOf(ip);
        if (offset.signum() <= 0 || offset.compareTo(serviceCidr.addresses().subtract(java.math.BigInteger.ONE)) >= 0) {
            throw new UsageException("invalid value for --cluster-dns: " + ip.getHostAddress() + " is not in --service-cluster-ip-range " + serviceCidr);
        }
        try {
            dev.skiff.dns.DnsServer.domainName(clusterDomain);
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid value for --cluster-domain: " + e.getMessage());
        }
        return new ServerConfig.ClusterDns(ip, clusterDomain, disableDns ? null : dnsListen());
    }

    private java.net.InetSocketAddress dnsListen() {
        if (dnsListenAddress == null) {
            String node;
            try {
                node = dev.skiff.agent.NodeAgent.hostAddress();
            } catch (java.io.IOException e) {
                node = null;
            }
            return new java.net.InetSocketAddress(Flags.ipAddress("--dns-listen-address", node == null ? "127.0.0.1" : node), 53);
        }
        String host = dnsListenAddress;
        int port = 53;
        int colon = dnsListenAddress.lastIndexOf(':');
        boolean bracketed = dnsListenAddress.startsWith("[");
        if (bracketed || (colon > 0 && dnsListenAddress.indexOf(':') == colon)) { // [v6]:port, [v6], or v4:port
            int close = dnsListenAddress.indexOf(']');
            if (bracketed && close < 0) {
                throw new UsageException("invalid value for --dns-listen-address: '" + dnsListenAddress + "' (want IP or IP:port)");
            }
            host = bracketed ? dnsListenAddress.substring(1, close) : dnsListenAddress.substring(0, colon);
            String rest = bracketed ? dnsListenAddress.substring(close + 1) : dnsListenAddress.substring(colon);
            if (!rest.isEmpty()) {
                try {
                    port = Flags.port("--dns-listen-address", Integer.parseInt(rest.substring(rest.startsWith(":") ? 1 : 0)), true);
                } catch (NumberFormatException e) {
                    throw new UsageException("invalid value for --dns-listen-address: '" + dnsListenAddress + "' (want IP or IP:port)");
                }
            }
        }
        return new java.net.InetSocketAddress(Flags.ipAddress("--dns-listen-address", host), port);
    }

}
