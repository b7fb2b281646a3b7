package dev.skiff.store.etcd;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How to reach an etcd cluster: its client URLs (http://host:port; TLS is not supported yet) and
 * the deadline of each unary request.
 */
public record EtcdStoreConfig(List<URI> endpoints, Duration requestTimeout) {

    public EtcdStoreConfig {
        endpoints = List.copyOf(endpoints);
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint is required");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
        }
        for (URI uri : endpoints) {
            if (uri.getHost() == null || uri.getPort() < 0) {
                throw new IllegalArgumentException("endpoint needs a host and a port: " + uri);
            }
            if (uri.getScheme() != null && !uri.getScheme().equals("http")) {
                throw new IllegalArgumentException("only http endpoints are supported: " + uri);
            }
        }
    }

    public static EtcdStoreConfig of(List<URI> endpoints) {
        return new EtcdStoreConfig(endpoints, Duration.ofSeconds(10));
    }
}
