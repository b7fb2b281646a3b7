package dev.skiff.apiserver.registry.metrics;

import dev.skiff.api.quantity.Quantities;
import dev.skiff.apiserver.metrics.storage.MetricsStorage;
import io.fabric8.kubernetes.api.model.Duration;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/** Usage as the metrics API writes it (metrics-server's api package): cpu in nanocores scaled, memory in binary units, RFC 3339 times. */
final class MetricsUsage {
    private MetricsUsage() {
    }

    static Map<String, Quantity> resources(long cpuNanoCores, long memoryBytes) {
        Map<String, Quantity> usage = new LinkedHashMap<>();
        usage.put("cpu", new Quantity(Quantities.canonical(new Quantity(cpuNanoCores + "n"))));
        usage.put("memory", new Quantity(memoryBytes % 1024 == 0 && memoryBytes > 0
                ? Quantities.canonical(new Quantity((memoryBytes / 1024) + "Ki")) : Long.toString(memoryBytes)));
        return usage;
    }

    static String timestamp(MetricsStorage.Usage usage) {
        return DateTimeFormatter.ISO_INSTANT.format(usage.timestamp().truncatedTo(ChronoUnit.SECONDS));
    }

    static Duration window(MetricsStorage.Usage usage) {
        return new Duration(usage.window());
    }

    static String now(java.time.Clock clock) {
        return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    }
}
