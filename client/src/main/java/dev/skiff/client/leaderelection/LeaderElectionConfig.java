package dev.skiff.client.leaderelection;

import java.time.Duration;

/**
 * One candidate's leader election on a coordination.k8s.io Lease, with client-go's checks and the
 * defaults kube-controller-manager and kube-scheduler use (15s lease, 10s renew deadline, 2s retry).
 *
 * @param releaseOnCancel whether stopping clears the lease's holder so another candidate takes
 *                        over at once instead of after {@code leaseDuration}
 */
public record LeaderElectionConfig(String namespace, String name, String identity, Duration leaseDuration,
                                   Duration renewDeadline, Duration retryPeriod, boolean releaseOnCancel) {
    public static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(15);
    public static final Duration DEFAULT_RENEW_DEADLINE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RETRY_PERIOD = Duration.ofSeconds(2);
    /** client-go's JitterFactor: the renew deadline must leave room for a jittered retry. */
    static final double JITTER_FACTOR = 1.2;

    public LeaderElectionConfig {
        if (identity == null || identity.isEmpty()) {
            throw new IllegalArgumentException("Lock identity is empty");
        }
        if (leaseDuration.compareTo(renewDeadline) <= 0) {
            throw new IllegalArgumentException("leaseDuration must be greater than renewDeadline");
        }
        if (renewDeadline.toNanos() <= JITTER_FACTOR * retryPeriod.toNanos()) {
            throw new IllegalArgumentException("renewDeadline must be greater than retryPeriod*JitterFactor");
        }
        if (retryPeriod.isZero() || retryPeriod.isNegative()) {
            throw new IllegalArgumentException("retryPeriod must be greater than zero");
        }
    }

    /** Upstream's defaults, releasing the lease on stop. */
    public static LeaderElectionConfig defaults(String namespace, String name, String identity) {
        return new LeaderElectionConfig(namespace, name, identity, DEFAULT_LEASE_DURATION, DEFAULT_RENEW_DEADLINE,
                DEFAULT_RETRY_PERIOD, true);
    }
}
