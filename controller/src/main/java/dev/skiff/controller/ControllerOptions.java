package dev.skiff.controller;

import dev.skiff.controller.serviceaccount.TokenGenerator;
import java.time.Duration;

/**
 * The controller manager's settings beyond which controllers run (a subset of upstream's
 * KubeControllerManagerConfiguration, flags named as kube-controller-manager names them).
 *
 * @param allocateNodeCidrs      whether node IPAM hands each node a pod CIDR (--allocate-node-cidrs)
 * @param clusterCidr            the range pod CIDRs come from (--cluster-cidr); required when allocating
 * @param nodeCidrMaskSize       the size of each node's pod CIDR (--node-cidr-mask-size, 24)
 * @param nodeMonitorGracePeriod how long a node may stay silent before node lifecycle marks it
 *                               Unknown (--node-monitor-grace-period, 50 s since v1.32)
 * @param nodeMonitorPeriod      how often node lifecycle checks every node's health (--node-monitor-period, 5 s)
 * @param nodeStartupGracePeriod how long a node that never posted a Ready condition may stay silent after
 *                               its creation before it is marked Unknown (--node-startup-grace-period, 1 m)
 * @param horizontalPodAutoscalerSyncPeriod how often each HPA is reconciled (--horizontal-pod-autoscaler-sync-period, 15 s)
 * @param serviceAccountTokenGenerator signs the tokens of service-account-token secrets, over the key of
 *                               --service-account-private-key-file; null leaves the tokens controller off, as upstream
 */
public record ControllerOptions(boolean allocateNodeCidrs, String clusterCidr, int nodeCidrMaskSize, Duration nodeMonitorGracePeriod,
                                Duration nodeMonitorPeriod, Duration nodeStartupGracePeriod, Duration horizontalPodAutoscalerSyncPeriod,
                                TokenGenerator serviceAccountTokenGenerator) {
    public static final Duration DEFAULT_NODE_MONITOR_GRACE_PERIOD = Duration.ofSeconds(50);
    public static final Duration DEFAULT_NODE_MONITOR_PERIOD = Duration.ofSeconds(5);
    public static final Duration DEFAULT_NODE_STARTUP_GRACE_PERIOD = Duration.ofMinutes(1);
    public static final Duration DEFAULT_HORIZONTAL_POD_AUTOSCALER_SYNC_PERIOD = Duration.ofSeconds(15);
    /** Upstream's defaults: no node CIDR allocation. */
    public static final ControllerOptions DEFAULTS = new ControllerOptions(false, null, 24);

    public ControllerOptions {
        positive("node monitor grace period", nodeMonitorGracePeriod);
        positive("node monitor period", nodeMonitorPeriod);
        positive("node startup grace period", nodeStartupGracePeriod);
        positive("horizontal pod autoscaler sync period", horizontalPodAutoscalerSyncPeriod);
    }

    public ControllerOptions(boolean allocateNodeCidrs, String clusterCidr, int nodeCidrMaskSize) {
        this(allocateNodeCidrs, clusterCidr, nodeCidrMaskSize, DEFAULT_NODE_MONITOR_GRACE_PERIOD, DEFAULT_NODE_MONITOR_PERIOD,
                DEFAULT_NODE_STARTUP_GRACE_PERIOD, DEFAULT_HORIZONTAL_POD_AUTOSCALER_SYNC_PERIOD, null);
    }

    private static void positive(String what, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive");
        }
    }

    /** Node IPAM on {@code clusterCidr} with /24 per node, as k3s runs it (10.42.0.0/16). */
    public static ControllerOptions allocatingFrom(String clusterCidr) {
        return new ControllerOptions(true, clusterCidr, 24);
    }

    public ControllerOptions withNodeMonitorGracePeriod(Duration period) {
        return new ControllerOptions(allocateNodeCidrs, clusterCidr, nodeCidrMaskSize, period, nodeMonitorPeriod, nodeStartupGracePeriod,
                horizontalPodAutoscalerSyncPeriod, serviceAccountTokenGenerator);
    }

    public ControllerOptions withNodeMonitorPeriod(Duration period) {
        return new ControllerOptions(allocateNodeCidrs, clusterCidr, nodeCidrMaskSize, nodeMonitorGracePeriod, period, nodeStartupGracePeriod,
                horizontalPodAutoscalerSyncPeriod, serviceAccountTokenGenerator);
    }

    public ControllerOptions withNodeStartupGracePeriod(Duration period) {
        return new ControllerOptions(allocateNodeCidrs, clusterCidr, nodeCidrMaskSize, nodeMonitorGracePeriod, nodeMonitorPeriod, period,
                horizontalPodAutoscalerSyncPeriod, serviceAccountTokenGenerator);
    }

    public ControllerOptions withHorizontalPodAutoscalerSyncPeriod(Duration period) {
        return new ControllerOptions(allocateNodeCidrs, clusterCidr, nodeCidrMaskSize, nodeMonitorGracePeriod, nodeMonitorPeriod,
                nodeStartupGracePeriod, period, serviceAccountTokenGenerator);
    }

    public ControllerOptions withServiceAccountTokenGenerator(TokenGenerator generator) {
        return new ControllerOptions(allocateNodeCidrs, clusterCidr, nodeCidrMaskSize, nodeMonitorGracePeriod, nodeMonitorPeriod,
                nodeStartupGracePeriod, horizontalPodAutoscalerSyncPeriod, generator);
    }
}
