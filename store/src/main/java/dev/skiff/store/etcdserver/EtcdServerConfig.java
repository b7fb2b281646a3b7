package dev.skiff.store.etcdserver;

import dev.skiff.store.Store;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Where the etcd v3 endpoint listens and the largest write request it accepts (etcd's
 * --max-request-bytes). A port of 0 picks a free one; {@code maxRequestBytes <= 0} means
 * {@link Store#DEFAULT_MAX_REQUEST_BYTES}.
 */
public record EtcdServerConfig(InetSocketAddress listen, int maxRequestBytes) {

    /** Loopback on {@code port} (0 = any free port) with etcd's default request limit. */
    public static EtcdServerConfig loopback(int port) {
        return new EtcdServerConfig(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                Store.DEFAULT_MAX_REQUEST_BYTES);
    }

    int effectiveMaxRequestBytes() {
        return maxRequestBytes > 0 ? maxRequestBytes : Store.DEFAULT_MAX_REQUEST_BYTES;
    }
}
