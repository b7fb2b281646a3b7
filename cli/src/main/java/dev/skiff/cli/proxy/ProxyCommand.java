package dev.skiff.cli.proxy;

import dev.skiff.cli.Flags;
import dev.skiff.cli.Join;
import dev.skiff.cli.UsageException;
import dev.skiff.cli.agent.AgentCommand;
import dev.skiff.proxy.ProxyServer;
import dev.skiff.proxy.iptables.IptablesRunner;
import dev.skiff.proxy.iptables.Proxier;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code skiff proxy}: the service proxy alone (it also runs in every {@code skiff agent}), flags named
 * as kube-proxy's; joins with a kubeconfig or the server's URL and token as the agent does. Its rules
 * are removed when it stops; {@code --cleanup} only removes them (kube-proxy's --cleanup).
 */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = "Run the service proxy (iptables mode) alone against a server (it also runs inside 'skiff agent').")
public final class ProxyCommand implements Callable<Integer> {
    @Mixin
    Join join = new Join();


    @Option(names = "--hostname-override", description = "This node's name: its endpoints are local (default: the host name).")
    String hostnameOverride;

    @Option(names = "--cluster-cidr", defaultValue = "10.42.0.0/16",
            description = "IPv4 network CIDR of the pods: cluster-IP traffic from outside it is masqueraded (default: ${DEFAULT-VALUE}).")
    String clusterCidr;

    @Option(names = "--iptables-min-sync-period", defaultValue = "1s",
            description = "Least time between two rule syncs; changes within it are synced together (default: ${DEFAULT-VALUE}).")
    String minSyncPeriod;

    @Option(names = "--iptables-sync-period", defaultValue = "30s",
            description = "Most time between two rule syncs (default: ${DEFAULT-VALUE}).")
    String syncPeriod;

    @Option(names = "--cleanup", description = "Remove the proxy's iptables rules and chains, then exit.")
    boolean cleanup;

    @Override
    public Integer call() throws Exception {
        String cidr = Flags.ipv4Cidr("--cluster-cidr", clusterCidr);
        Duration min = Flags.duration("--iptables-min-sync-period", minSyncPeriod);
        Duration max = Flags.duration("--iptables-sync-period", syncPeriod);
        if (max.isZero()) {
            throw new UsageException("invalid value for --iptables-sync-period: '" + syncPeriod + "' must be greater than 0");
        }
        if (min.compareTo(max) > 0) {
            throw new UsageException("invalid value for --iptables-min-sync-period: '" + minSyncPeriod + "' is longer than --iptables-sync-period");
        }
        if (cleanup) {
            new Proxier(IptablesRunner.host(), new Proxier.Config(cidr, Duration.ofHours(1)), Clock.systemUTC()).cleanup();
            return 0;
        }
        String hostname = hostnameOverride != null ? hostnameOverride.strip().toLowerCase(java.util.Locale.ROOT)
                : dev.skiff.agent.NodeAgent.hostName();
        if (hostname.isEmpty()) {
            throw new UsageException("invalid value for --hostname-override: empty");
        }
        var config = new ProxyServer.Config(hostname, cidr, min, max);
        var stopped = new CountDownLatch(1);
        var closed = new CountDownLatch(1);
        try (var client = join.connect()) {
            var proxy = ProxyServer.start(client, config, IptablesRunner.host());
            System.out.println("skiff proxy: programming services for node " + hostname + " (cluster CIDR " + cidr + ")");
            try {
                AgentCommand.awaitShutdown(stopped, closed); // until SIGTERM/Ctrl-C
            } finally {
                proxy.stop(); // the rules stay, as kube-proxy's do: --cleanup removes them
            }
        } finally {
            closed.countDown();
        }
        return 0;
    }
}
