package dev.skiff.api.core.v1;

/**
 * Hollow nodes: nodes with no kubelet behind them (`skiff agent --simulated`, the benchmarks' nodes), marked by a
 * label so that what would talk to a kubelet (the API server's metrics scraper) leaves them alone.
 */
public final class SimulatedNodes {
    /** The label, with value "true", on a hollow node. */
    public static final String LABEL = "node.skiff.dev/simulated";

    private SimulatedNodes() {
    }
}
