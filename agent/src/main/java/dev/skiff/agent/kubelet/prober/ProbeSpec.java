package dev.skiff.agent.kubelet.prober;

import io.fabric8.kubernetes.api.model.Probe;
import java.time.Duration;

/**
 * A probe's timing with upstream's defaults for fields left unset (or 0): initialDelaySeconds 0,
 * periodSeconds 10, timeoutSeconds 1, successThreshold 1, failureThreshold 3.
 */
public record ProbeSpec(int initialDelaySeconds, Duration period, Duration timeout, int successThreshold, int failureThreshold) {
    public static ProbeSpec of(Probe probe) {
        return new ProbeSpec(orDefault(probe.getInitialDelaySeconds(), 0), Duration.ofSeconds(orDefault(probe.getPeriodSeconds(), 10)),
                Duration.ofSeconds(orDefault(probe.getTimeoutSeconds(), 1)), orDefault(probe.getSuccessThreshold(), 1),
                orDefault(probe.getFailureThreshold(), 3));
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null || value <= 0 ? fallback : value;
    }
}
