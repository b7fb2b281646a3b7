package dev.skiff.client;

import dev.skiff.api.resource.ResourceRegistry;
import dev.skiff.apiserver.ApiServer;
import dev.skiff.apiserver.ApiServerConfig;
import dev.skiff.apiserver.endpoints.HealthCheck;
import dev.skiff.apiserver.endpoints.Routes;
import dev.skiff.apiserver.endpoints.VersionInfo;
import dev.skiff.apiserver.handlers.ResourceHandler;
import dev.skiff.apiserver.handlers.ServedResource;
import dev.skiff.registry.coordination.lease.LeaseStrategy;
import dev.skiff.registry.core.configmap.ConfigMapStrategy;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.Store;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetAddress;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;

/**
 * The real API server over the real embedded store, in-process, serving what the client machinery
 * needs (configmaps, leases), with its admin kubeconfig for the fabric8 client. It can stop and
 * start again on the same port and data, and change the store while the server is down.
 */
public final class TestCluster implements AutoCloseable {
    private final Path dir;
    private Store store;
    private ApiServer server;
    private int port;

    public TestCluster(Path dir) {
        this.dir = dir;
        start();
    }

    public synchronized void start() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir.resolve("db")));
        var r = registries(store);
        ResourceRegistry builtIn = ResourceRegistry.builtIn();
        Clock clock = Clock.systemUTC();
        List<ServedResource<?>> served = List.of(
                ServedResource.of(builtIn.find("", "v1", "configmaps").orElseThrow(), ConfigMap.class, r.configMaps(), clock),
                ServedResource.of(builtIn.find("coordination.k8s.io", "v1", "leases").orElseThrow(), Lease.class, r.leases(), clock));
        var handler = new ResourceHandler(served, builtIn.groupVersions());
        var config = new ApiServerConfig("127.0.0.1", port, dir.resolve("tls"), dir.resolve("token"), List.of(),
                dev.skiff.registry.core.service.ipallocator.ServiceCidr.DEFAULT,
                dev.skiff.registry.core.service.portallocator.PortRange.DEFAULT, 0, 0, ApiServerConfig.DEFAULT_MAX_REQUEST_BODY_BYTES, kubeconfig(),
                PosixFilePermissions.fromString("rw-------"), VersionInfo.of("", "1970-01-01T00:00:00Z"));
        Store s = store;
        server = ApiServer.start(config, Routes.builder().prefix("/api", handler).prefix("/apis", handler).build(),
                List.of(HealthCheck.of("etcd", s::status)));
        port = server.port();
    }

    public record Registries(GenericRegistry<ConfigMap> configMaps, GenericRegistry<Lease> leases) {
    }

    private static Registries registries(Store store) {
        var random = new SecureRandom();
        return new Registries(
                new GenericRegistry<>(store, ConfigMapStrategy.RESOURCE, new ConfigMapStrategy(), Clock.systemUTC(), random),
                new GenericRegistry<>(store, LeaseStrategy.RESOURCE, new LeaseStrategy(), Clock.systemUTC(), random));
    }

    /** Stops the server and closes the store; clients see connection failures until {@link #start}. */
    public synchronized void stop() {
        if (server != null) {
            server.close();
            store.close();
            server = null;
        }
    }

    /**
     * With the server down: changes the stored objects directly, then compacts the store's whole
     * history, so a watch resuming from before this answers 410 Gone.
     */
    public synchronized void changeWhileDownAndCompact(Consumer<Registries> change) {
        try (Store offline = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir.resolve("db")))) {
            change.accept(registries(offline));
            offline.compact(offline.status().revision());
        }
    }

    public Path kubeconfig() {
        return dir.resolve("admin.kubeconfig");
    }

    /** A fabric8 client from the server's admin kubeconfig (client certificate auth). */
    public KubernetesClient newClient() {
        Config config = RestClients.config(kubeconfig());
        // reconnect quickly in tests; the informer's relist/rewatch is what is under test
        config.setWatchReconnectInterval(100);
        config.setWatchReconnectLimit(-1);
        config.setRequestRetryBackoffInterval(50);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    @Override
    public synchronized void close() {
        stop();
    }
}
