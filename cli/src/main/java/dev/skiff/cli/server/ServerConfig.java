package dev.skiff.cli.server;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything {@code skiff server} was told, checked. {@code etcdServers} empty means the
 * embedded store under {@code dataDir/server/db}, served for etcd tools on
 * {@code etcdListenClient} (null: not served).
 */
public record ServerConfig(Path dataDir, List<URI> etcdServers, InetSocketAddress etcdListenClient,
                           Duration compactionInterval, int maxRequestBytes,
                           String bindAddress, int httpsListenPort, Path writeKubeconfig, boolean disableAgent) {

    public boolean embeddedStore() {
        return etcdServers.isEmpty();
    }

    public Path storeDir() {
        return dataDir.resolve("server").resolve("db");
    }
}
