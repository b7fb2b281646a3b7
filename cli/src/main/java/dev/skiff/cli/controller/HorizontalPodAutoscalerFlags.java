package dev.skiff.cli.controller;

import dev.skiff.cli.Flags;
import dev.skiff.cli.UsageException;
import dev.skiff.controller.ControllerOptions;
import picocli.CommandLine.Option;

/** The HPA controller's flags, as kube-controller-manager names them; mixed into {@code skiff server} and {@code skiff controller-manager}. */
public final class HorizontalPodAutoscalerFlags {
    @Option(names = "--horizontal-pod-autoscaler-sync-period", defaultValue = "15s",
            description = "How often each HorizontalPodAutoscaler is reconciled against its target's metrics (default: ${DEFAULT-VALUE}).")
    String syncPeriod;

    /** {@code options} with the sync period, a positive duration. */
    public ControllerOptions applyTo(ControllerOptions options) {
        var period = Flags.duration("--horizontal-pod-autoscaler-sync-period", syncPeriod);
        if (period.isZero()) {
            throw new UsageException("invalid value for --horizontal-pod-autoscaler-sync-period: '" + syncPeriod + "' (must be positive)");
        }
        return options.withHorizontalPodAutoscalerSyncPeriod(period);
    }
}
