package dev.skiff.cli.agent;

import dev.skiff.agent.kubelet.Kubelet;
import dev.skiff.agent.kubelet.nodestatus.NodeStatus;
import dev.skiff.agent.simulated.SimulatedNodes;
import dev.skiff.agent.simulated.SimulatedPodSyncer;
import dev.skiff.cli.Flags;
import dev.skiff.cli.Join;
import dev.skiff.cli.UsageException;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code skiff agent}: the node agent (skiff's kubelet), joining a server with its token as k3s
 * agents do, or with a kubeconfig; flags named as the kubelet's and k3s's. With {@code --simulated
 * --count N} it runs N hollow nodes in this process (as kwok does).
 */
@Command(name = "agent", mixinStandardHelpOptions = true, description = "Run a node agent that joins a skiff server.")
public final class AgentCommand implements Callable<Integer> {
    @Mixin
    Join join = new Join();

    private static final Pattern LABEL_KEY = Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
            + "[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Set<String> EFFECTS = Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");

    @Option(names = "--node-name", description = "Name of the node (default: the host name; with --simulated the name prefix, default sim).")
    String nodeName;

    @Option(names = "--node-labels", split = ",", description = "Labels to register the node with, key=value (repeatable).")
    List<String> nodeLabels = new ArrayList<>();

    @Option(names = "--register-with-taints", split = ",", description = "Taints to register the node with, key[=value]:Effect (repeatable).")
    List<String> taints = new ArrayList<>();

    @Option(names = "--max-pods", defaultValue = "110", description = "Most pods the node runs (default: ${DEFAULT-VALUE}).")
    int maxPods;

    @Option(names = "--node-ip", description = "The node's InternalIP (default: this host's first non-loopback IPv4 address).")
    String nodeIp;

    @Option(names = {"--data-dir", "-d"}, defaultValue = "/var/lib/skiff", description = "Folder to hold state (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--pod-cidr", description = "This node's pod subnet, which pod IPs come from (default: the one node IPAM assigns).")
    String podCidr;

    @Option(names = "--cni-bridge", defaultValue = "skiff0", description = "The Linux bridge pods attach to (default: ${DEFAULT-VALUE}).")
    String cniBridge;

    @Option(names = "--node-lease-duration-seconds", defaultValue = "40",
            description = "Duration of the node's Lease, renewed every quarter of it (default: ${DEFAULT-VALUE}).")
    int leaseDurationSeconds;

    @Option(names = "--node-status-report-frequency", defaultValue = "5m",
            description = "How often the node status is written without a change (default: ${DEFAULT-VALUE}).")
    String statusReportFrequency;

    @Option(names = "--cluster-dns", split = ",", description = "The cluster DNS IP(s) pods resolve with (default: 10.43.0.10).")
    List<String> clusterDns = new ArrayList<>(List.of("10.43.0.10"));

    @Option(names = "--cluster-domain", defaultValue = "cluster.local", description = "The cluster's DNS domain, searched by pods (default: ${DEFAULT-VALUE}).")
    String clusterDomain;

    @Option(names = "--resolv-conf", defaultValue = "/etc/resolv.conf", description = "The host's resolver file, the base of pods' resolv.conf (default: ${DEFAULT-VALUE}).")
    Path resolvConf;

    @Option(names = "--disable-kube-proxy", description = "Do not run the service proxy (it programs this host's iptables).")
    boolean disableKubeProxy;

    @Option(names = "--cluster-cidr", defaultValue = "10.42.0.0/16",
            description = "IPv4 network CIDR of the pods: the proxy masquerades cluster-IP traffic from outside it (default: ${DEFAULT-VALUE}).")
    String clusterCidr;

    @Option(names = "--kubelet-port", defaultValue = "10250",
            description = "Port the kubelet server (logs, exec, attach, port-forward) listens on, HTTPS (default: ${DEFAULT-VALUE}).")
    int kubeletPort;

    @Option(names = "--flannel-backend", defaultValue = "host-gw",
            description = "How this node reaches other nodes' pods: host-gw (nodes on one segment) or vxlan (default: ${DEFAULT-VALUE}).")
    String flannelBackend;

    @Option(names = "--pod-manifest-path",
            description = "A file or directory of static pods this node runs, each with a mirror pod in the API (kubelet's flag).")
    Path podManifestPath;

    @Option(names = "--file-check-frequency", defaultValue = "20s",
            description = "How often --pod-manifest-path is read again for changes (default: ${DEFAULT-VALUE}).")
    String fileCheckFrequency;

    @Option(names = "--image-gc-high-threshold", defaultValue = "85",
            description = "The percent of disk usage after which image garbage collection is always run; 100 turns it off (default: ${DEFAULT-VALUE}).")
    int imageGcHighThreshold;

    @Option(names = "--image-gc-low-threshold", defaultValue = "80",
            description = "The percent of disk usage before which image garbage collection is never run; what it frees down to (default: ${DEFAULT-VALUE}).")
    int imageGcLowThreshold;

    @Option(names = "--image-minimum-gc-age", defaultValue = "2m",
            description = "Minimum age for an unused image before it is garbage collected (default: ${DEFAULT-VALUE}).")
    String imageMinimumGcAge;

    @Option(names = "--image-maximum-gc-age", defaultValue = "0s",
            description = "Maximum age an image can be unused before it is garbage collected; 0s is no maximum (default: ${DEFAULT-VALUE}).")
    String imageMaximumGcAge;

    /** The image GC flags checked as the kubelet's configuration validation checks them, in its words. */
    static dev.skiff.agent.kubelet.images.ImageGcPolicy imageGcPolicy(int high, int low, String minAgeFlag, String maxAgeFlag) {
        if (high < 0 || high > 100) {
            throw new UsageException("invalid configuration: imageGCHighThresholdPercent (--image-gc-high-threshold) " + high
                    + " must be between 0 and 100, inclusive");
        }
        if (low < 0 || low > 100) {
            throw new UsageException("invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) " + low
                    + " must be between 0 and 100, inclusive");
        }
        if (low >= high) {
            throw new UsageException("invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) " + low
                    + " must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) " + high);
        }
        Duration minAge = Flags.duration("--image-minimum-gc-age", minAgeFlag);
        Duration maxAge = Flags.duration("--image-maximum-gc-age", maxAgeFlag);
        if (!maxAge.isZero() && maxAge.compareTo(minAge) <= 0) {
            throw new UsageException("invalid configuration: imageMaximumGCAge " + maxAgeFlag + " must be greater than imageMinimumGCAge "
                    + minAgeFlag);
        }
        return new dev.skiff.agent.kubelet.images.ImageGcPolicy(high, low, minAge, maxAge);
    }

    @Option(names = "--private-registry",
            description = "Private registry configuration file, k3s's registries.yaml: mirrors, TLS, node-wide credentials (default: "
                    + DEFAULT_PRIVATE_REGISTRY + ", none when it does not exist).")
    Path privateRegistry;

    /** k3s reads /etc/rancher/k3s/registries.yaml; skiff's own directory under /etc. */
    public static final String DEFAULT_PRIVATE_REGISTRY = "/etc/skiff/registries.yaml";

    /**
     * --private-registry read and checked: the given file must exist, the default one may be missing (no
     * configuration); anything in it that cannot be used is a usage error naming the file.
     */
    public static dev.skiff.agent.containerd.registries.Registries privateRegistry(Path flag) {
        try {
            return dev.skiff.agent.containerd.registries.Registries.read(flag != null ? flag : Path.of(DEFAULT_PRIVATE_REGISTRY), flag == null);
        } catch (dev.skiff.agent.containerd.registries.Registries.InvalidException e) {
            throw new UsageException("invalid value for --private-registry: " + e.getMessage());
        }
    }

    /** --flannel-backend checked. */
    public static String flannelBackend(String value) {
        if (!value.equals("host-gw") && !value.equals("vxlan")) {
            throw new UsageException("invalid value for --flannel-backend: " + value + " (host-gw or vxlan)");
        }
        return value;
    }

    /** --cni-bridge checked: a Linux interface name (1 to 15 characters, none of them '/', ':' or white space). */
    public static String cniBridge(String value) {
        if (value.isEmpty() || value.length() > 15 || value.equals(".") || value.equals("..") || !value.matches("[^/:\\s]+")) {
            throw new UsageException("invalid value for --cni-bridge: '" + value + "' is not a network interface name (1-15 characters, no '/', ':' or spaces)");
        }
        return value;
    }

    @Option(names = "--simulated", description = "Run hollow nodes: pods are reported Running with IPs, no container runs.")
    boolean simulated;

    @Option(names = "--count", defaultValue = "1", description = "How many hollow nodes to run with --simulated (default: ${DEFAULT-VALUE}).")
    int count;

    @Override
    public Integer call() throws Exception {
        Map<String, String> labels = labels(nodeLabels);
        List<Taint> parsedTaints = taints(taints);
        if (maxPods < 1) {
            throw new UsageException("invalid value for --max-pods: " + maxPods + " (at least 1)");
        }
        if (leaseDurationSeconds < 1) {
            throw new UsageException("invalid value for --node-lease-duration-seconds: " + leaseDurationSeconds + " (at least 1)");
        }
        Duration reportPeriod = Flags.duration("--node-status-report-frequency", statusReportFrequency);
        if (!simulated && count != 1) {
            throw new UsageException("--count needs --simulated");
        }
        if (!simulated) {
            return runContainers(labels, parsedTaints, reportPeriod);
        }
        if (count < 1 || count > SimulatedNodes.MAX_COUNT) {
            throw new UsageException("invalid value for --count: " + count + " (1 to " + SimulatedNodes.MAX_COUNT + ")");
        }
        String prefix = nodeName == null ? "sim" : nodeName;
        var stopped = new CountDownLatch(1);
        try (KubernetesClient client = connect();
             var kubelet = Kubelet.start(client, Clock.systemUTC(), new Kubelet.Config(leaseDurationSeconds, reportPeriod, null,
                     Math.min(64, Math.max(4, count))), SimulatedNodes.fleet(prefix, count, maxPods, labels, parsedTaints),
                     node -> {
                         int i = Integer.parseInt(node.substring(prefix.length() + 1));
                         return new SimulatedPodSyncer(SimulatedNodes.internalIp(i), SimulatedNodes.podCidrPrefix(i), Clock.systemUTC());
                     })) {
            System.out.println("skiff agent: " + count + " simulated node(s) registered (" + SimulatedNodes.name(prefix, 0)
                    + (count > 1 ? " ... " + SimulatedNodes.name(prefix, count - 1) : "") + ")");
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(stopped::countDown));
            stopped.await();
        }
        return 0;
    }

    /** A real node: its own containerd, pods as containers. */
    private int runContainers(Map<String, String> labels, List<Taint> parsedTaints, Duration reportPeriod) throws Exception {
        String name = nodeName != null ? nodeName : dev.skiff.agent.NodeAgent.hostName();
        String ip = nodeIp != null ? nodeIp : dev.skiff.agent.NodeAgent.hostAddress();
        if (ip == null) {
            throw new UsageException("no non-loopback IPv4 address found: pass --node-ip");
        }
        if (podCidr != null) {
            Flags.ipv4Cidr("--pod-cidr", podCidr);
        }
        Flags.ipv4Cidr("--cluster-cidr", clusterCidr);
        String bridge = cniBridge(cniBridge);
        Duration checkFrequency = Flags.duration("--file-check-frequency", fileCheckFrequency);
        var imageGc = imageGcPolicy(imageGcHighThreshold, imageGcLowThreshold, imageMinimumGcAge, imageMaximumGcAge);
        var registries = privateRegistry(privateRegistry);
        if (checkFrequency.isZero()) {
            throw new UsageException("invalid value for --file-check-frequency: " + fileCheckFrequency + " (more than 0)");
        }
        var stopped = new CountDownLatch(1);
        var closed = new CountDownLatch(1);
        try (KubernetesClient client = connect()) {
            var agent = dev.skiff.agent.NodeAgent.start(client, new dev.skiff.agent.NodeAgent.Config(name, ip, dataDir.resolve("agent"),
                    podCidr, bridge, labels, parsedTaints, maxPods, leaseDurationSeconds, reportPeriod, dnsConfigurer(),
                    disableKubeProxy ? null : dev.skiff.proxy.ProxyServer.Config.defaults(name, clusterCidr), clusterCidr,
                    Flags.port("--kubelet-port", kubeletPort, false), flannelBackend(flannelBackend),
                    podManifestPath == null ? null : podManifestPath.toAbsolutePath(), checkFrequency, imageGc, registries));
            try {
                System.out.println("skiff agent: node " + name + " registered (" + ip + ", pods from " + agent.podCidr() + ")");
                awaitShutdown(stopped, closed);
            } finally {
                agent.stop(); // as a kubelet stops: the pods keep running, an agent started again adopts them; skiff killall tears down
            }
        } finally {
            closed.countDown();
        }
        return 0;
    }

    /** The kubelet's --cluster-dns, --cluster-domain and --resolv-conf, checked. */
    private dev.skiff.agent.kubelet.network.dns.Configurer dnsConfigurer() {
        List<String> ips = new ArrayList<>();
        for (String ip : clusterDns) {
            if (!ip.isBlank()) {
                ips.add(Flags.ipAddress("--cluster-dns", ip.strip()).getHostAddress());
            }
        }
        if (!Files.isReadable(resolvConf)) {
            throw new UsageException("invalid value for --resolv-conf: cannot read " + resolvConf);
        }
        return new dev.skiff.agent.kubelet.network.dns.Configurer(ips, clusterDomain, resolvConf);
    }

    /**
     * Blocks until the process is asked to stop (SIGTERM, Ctrl-C): those signals only release {@code stopped}, so the
     * caller stops its components and the command exits 0 as a stop it was asked for. Should the JVM exit otherwise (another
     * signal, System.exit), a shutdown hook waits up to a minute for {@code closed} so the components still stop first.
     */
    public static void awaitShutdown(CountDownLatch stopped, CountDownLatch closed) throws InterruptedException {
        for (String signal : java.util.List.of("TERM", "INT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stopped.countDown());
            } catch (IllegalArgumentException e) {
                // the signal is ignored (SIGINT of a background job) or taken by the VM: the shutdown hook covers it
            }
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            stopped.countDown();
            try {
                closed.await(1, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        stopped.await();
    }

    private KubernetesClient connect() throws Exception {
        return join.connect();
    }

    static Map<String, String> labels(List<String> values) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String v : values) {
            int eq = v.indexOf('=');
            String key = eq < 0 ? v : v.substring(0, eq);
            if (eq < 0 || !LABEL_KEY.matcher(key).matches()) {
                throw new UsageException("invalid value for --node-labels: \"" + v + "\" (want key=value)");
            }
            labels.put(key, v.substring(eq + 1));
        }
        return labels;
    }

    static List<Taint> taints(List<String> values) {
        List<Taint> out = new ArrayList<>();
        for (String v : values) {
            int colon = v.lastIndexOf(':');
            String effect = colon < 0 ? "" : v.substring(colon + 1);
            String keyValue = colon < 0 ? v : v.substring(0, colon);
            int eq = keyValue.indexOf('=');
            String key = eq < 0 ? keyValue : keyValue.substring(0, eq);
            if (!EFFECTS.contains(effect) || !LABEL_KEY.matcher(key).matches()) {
                throw new UsageException("invalid value for --register-with-taints: \"" + v + "\" (want key[=value]:NoSchedule|PreferNoSchedule|NoExecute)");
            }
            out.add(new TaintBuilder().withKey(key).withValue(eq < 0 ? null : keyValue.substring(eq + 1)).withEffect(effect).build());
        }
        return out;
    }
}
