package dev.skiff.store.embedded;

import dev.skiff.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to run an {@link EmbeddedStore}.
 *
 * @param dataDir            directory holding the store (created when missing)
 * @param maxRequestBytes    largest request (keys + values) accepted, as etcd's --max-request-bytes
 * @param compactionRetention how much history automatic compaction keeps (kube-apiserver's interval);
 *                           {@link Duration#ZERO} disables automatic compaction
 * @param progressInterval   how often an idle watch that asked for progress notifications gets one
 */
public record EmbeddedStoreConfig(Path dataDir, int maxRequestBytes, Duration compactionRetention,
                                  Duration progressInterval) {

    public EmbeddedStoreConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(compactionRetention, "compactionRetention");
        Objects.requireNonNull(progressInterval, "progressInterval");
        if (maxRequestBytes <= 0) {
            throw new IllegalArgumentException("maxRequestBytes must be positive: " + maxRequestBytes);
        }
        if (compactionRetention.isNegative() || progressInterval.isNegative() || progressInterval.isZero()) {
            throw new IllegalArgumentException("compactionRetention must be >= 0 and progressInterval > 0");
        }
    }

    public static EmbeddedStoreConfig defaults(Path dataDir) {
        return new EmbeddedStoreConfig(dataDir, Store.DEFAULT_MAX_REQUEST_BYTES, Duration.ofMinutes(5),
                Duration.ofSeconds(10));
    }
}
