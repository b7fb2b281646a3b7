package dev.skiff.agent.probe;

/**
 * A probe that could not even be tried - a named port the container does not have, a malformed
 * address (upstream: the error a prober returns next to probe.Unknown). The kubelet records it as
 * "errored" and throws the run's result away.
 */
public final class ProbeException extends Exception {
    public ProbeException(String message) {
        super(message);
    }
}
