package dev.skiff.apiserver.metrics.storage;

import java.time.Instant;

/** One sample of a node or container: cumulative CPU in core-nanoseconds and the working set, read at {@code timestamp}. */
public record MetricsPoint(Instant timestamp, long cumulativeCpuNanos, long memoryWorkingSetBytes) {
}
