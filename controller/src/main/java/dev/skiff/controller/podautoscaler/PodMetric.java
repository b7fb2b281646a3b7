package dev.skiff.controller.podautoscaler;

import java.time.Duration;
import java.time.Instant;

/** One pod's usage of a resource from the metrics API (milli-units: millicores, millibytes), over {@code window} ending at {@code timestamp}. */
record PodMetric(Instant timestamp, Duration window, long milliValue) {
}
