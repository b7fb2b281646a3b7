package dev.skiff.cli.controller;

import dev.skiff.cli.Flags;
import dev.skiff.cli.UsageException;
import dev.skiff.controller.ControllerOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Node lifecycle's flags, as kube-controller-manager names them; mixed into {@code skiff server} and {@code skiff controller-manager}. */
public final class NodeLifecycleFlags {
    @Option(names = "--node-monitor-period", defaultValue = "5s",
            description = "How often the node lifecycle controller checks every node's heartbeat (default: ${DEFAULT-VALUE}).")
    String nodeMonitorPeriod;

    @Option(names = "--node-monitor-grace-period", defaultValue = "50s",
            description = "How long a node may go without a heartbeat before it is marked Unknown (default: ${DEFAULT-VALUE}).")
    String nodeMonitorGracePeriod;

    @Option(names = "--node-startup-grace-period", defaultValue = "1m",
            description = "How long a node that never reported Ready may stay silent after registering before it is marked Unknown "
                    + "(default: ${DEFAULT-VALUE}).")
    String nodeStartupGracePeriod;

    /** {@code options} with these periods, each a positive duration. */
    public ControllerOptions applyTo(ControllerOptions options) {
        return options.withNodeMonitorPeriod(positive("--node-monitor-period", nodeMonitorPeriod))
                .withNodeMonitorGracePeriod(positive("--node-monitor-grace-period", nodeMonitorGracePeriod))
                .withNodeStartupGracePeriod(positive("--node-startup-grace-period", nodeStartupGracePeriod));
    }

    private static Duration positive(String flag, String value) {
        var period = Flags.duration(flag, value);
        if (period.isZero()) {
            throw new UsageException("invalid value for " + flag + ": '" + value + "' (must be positive)");
        }
        return period;
    }
}
