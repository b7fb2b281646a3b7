package dev.skiff.apiserver.openapi;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An encoded OpenAPI answer built from the extension specs the aggregator publishes: built on the
 * first request and again when the aggregator publishes another list (compared by identity: it hands
 * out a new list only when a spec changed), so requests in between cost a volatile read.
 */
final class RebuiltOnChange<T> {
    private static final List<AggregatedSpec> NONE = List.of();

    private record Built<T>(List<AggregatedSpec> from, T value) {
    }

    private final Function<List<AggregatedSpec>, T> build;
    private volatile Supplier<List<AggregatedSpec>> specs = () -> NONE;
    private volatile Built<T> built;

    RebuiltOnChange(Function<List<AggregatedSpec>, T> build) {
        this.build = build;
    }

    void source(Supplier<List<AggregatedSpec>> specs) {
        this.specs = specs;
    }

    T get() {
        List<AggregatedSpec> current = specs.get();
        Built<T> result = built;
        if (result == null || result.from() != current) {
            synchronized (this) {
                result = built;
                if (result == null || result.from() != current) {
                    result = new Built<>(current, build.apply(current));
                    built = result;
                }
            }
        }
        return result.value();
    }
}
