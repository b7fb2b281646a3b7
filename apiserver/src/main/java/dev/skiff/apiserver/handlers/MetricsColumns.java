package dev.skiff.apiserver.handlers;

import dev.skiff.api.quantity.Quantities;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.ContainerMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.NodeMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * metrics-server's tables for NodeMetrics and PodMetrics: Name, one quantity column per resource
 * (cpu, memory; a pod's summed over its containers) and the Window as Go prints a duration.
 */
final class MetricsColumns {
    private MetricsColumns() {
    }

    static Optional<List<TableConvertor.Column>> forKind(String kind, TableConvertor.Column name) {
        return switch (kind) {
            case "NodeMetrics" -> Optional.of(columns(name, o -> ((NodeMetrics) o).getUsage(),
                    o -> ((NodeMetrics) o).getWindow() == null ? null : ((NodeMetrics) o).getWindow().getDuration()));
            case "PodMetrics" -> Optional.of(columns(name, o -> podUsage((PodMetrics) o),
                    o -> ((PodMetrics) o).getWindow() == null ? null : ((PodMetrics) o).getWindow().getDuration()));
            default -> Optional.empty();
        };
    }

    private static List<TableConvertor.Column> columns(TableConvertor.Column name, java.util.function.Function<HasMetadata, Map<String, Quantity>> usage,
                                                       java.util.function.Function<HasMetadata, Duration> window) {
        return List.of(name,
                new TableConvertor.Column("cpu", "string", "quantity", "", o -> Quantities.canonical(usage.apply(o).get("cpu"))),
                new TableConvertor.Column("memory", "string", "quantity", "", o -> Quantities.canonical(usage.apply(o).get("memory"))),
                new TableConvertor.Column("Window", "string", "duration", "", o -> goDuration(window.apply(o))));
    }

    private static Map<String, Quantity> podUsage(PodMetrics pod) {
        Quantity cpu = new Quantity("0");
        Quantity memory = new Quantity("0");
        for (ContainerMetrics c : pod.getContainers() == null ? List.<ContainerMetrics>of() : pod.getContainers()) {
            Map<String, Quantity> usage = c.getUsage() == null ? Map.of() : c.getUsage();
            cpu = Quantities.add(cpu, usage.get("cpu"));
            memory = Quantities.add(memory, usage.get("memory"));
        }
        return Map.of("cpu", cpu, "memory", memory);
    }

    /** Go's time.Duration.String(): "15.003s", "1m30s", "0s". */
    static String goDuration(Duration d) {
        if (d == null || d.isZero()) {
            return "0s";
        }
        long hours = d.toHours();
        long minutes = d.toMinutesPart();
        BigDecimal seconds = BigDecimal.valueOf(d.toSecondsPart()).add(BigDecimal.valueOf(d.toNanosPart(), 9)).stripTrailingZeros();
        String s = (seconds.signum() == 0 ? "0" : seconds.toPlainString()) + "s";
        if (hours > 0) {
            return hours + "h" + minutes + "m" + s;
        }
        return minutes > 0 ? minutes + "m" + s : s;
    }
}
