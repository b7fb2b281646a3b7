package dev.skiff.apiserver.controlplane;

import dev.skiff.apiserver.ApiServerConfig;
import dev.skiff.apiserver.endpoints.VersionInfo;
import dev.skiff.store.Store;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import dev.skiff.registry.core.service.ipallocator.ServiceCidr;
import dev.skiff.registry.core.service.portallocator.PortRange;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import dev.skiff.apiserver.admission.AdmissionOptions;
import dev.skiff.apiserver.admission.ServiceAccountAdmission;
import dev.skiff.apiserver.registry.core.serviceaccount.TokenExpiration;
import java.util.List;
import java.util.Set;

/**
 * A whole control plane in this process on loopback: the embedded store under {@code dir/db} and the
 * API server with every resource on an ephemeral port (or a given one, to restart on the same address),
 * its admin kubeconfig at {@code dir/admin.kubeconfig}. Tests of the controllers, scheduler and agent
 * and the benchmarks run against it; it is the real server, not a stand-in.
 */
public final class LocalControlPlane implements AutoCloseable {
    private final Path dir;
    private final Store store;
    private final ControlPlane controlPlane;

    private LocalControlPlane(Path dir, Store store, ControlPlane controlPlane) {
        this.dir = dir;
        this.store = store;
        this.controlPlane = controlPlane;
    }

    public static LocalControlPlane start(Path dir) {
        return start(dir, 0);
    }

    /**
     * Starts on {@code port} (0: any free one); data in {@code dir} survives a close and a start on it again. No
     * controllers run here to create the default service accounts, so the ServiceAccount admission is off, as in
     * upstream's integration test server.
     */
    public static LocalControlPlane start(Path dir, int port) {
        return start(dir, port, Set.of(ServiceAccountAdmission.NAME));
    }

    /** As {@link #start(Path, int)} without the admission plugins named in {@code disabledAdmissionPlugins} (empty: upstream's default ones run). */
    public static LocalControlPlane start(Path dir, int port, Set<String> disabledAdmissionPlugins) {
        return start(dir, port, AdmissionOptions.disabling(disabledAdmissionPlugins), TokenExpiration.defaults());
    }

    /** As {@link #start(Path, int)} with the admission plugins and TokenRequest lifetimes given (as `skiff server`'s flags give them). */
    public static LocalControlPlane start(Path dir, int port, AdmissionOptions admission, TokenExpiration tokenExpiration) {
        return start(dir, port, admission, tokenExpiration, dev.skiff.apiserver.metrics.scraper.KubeletScraper.DEFAULT_RESOLUTION);
    }

    /** As {@link #start(Path)}, the kubelets scraped for the metrics API every {@code metricResolution}. */
    public static LocalControlPlane start(Path dir, java.time.Duration metricResolution) {
        return start(dir, 0, AdmissionOptions.disabling(Set.of(ServiceAccountAdmission.NAME)), TokenExpiration.defaults(), metricResolution);
    }

    /** As {@link #start(Path)}, auditing as {@code audit} says (`skiff server`'s --audit-* flags). */
    public static LocalControlPlane start(Path dir, dev.skiff.apiserver.audit.AuditOptions audit) {
        return start(dir, 0, AdmissionOptions.disabling(Set.of(ServiceAccountAdmission.NAME)), TokenExpiration.defaults(),
                dev.skiff.apiserver.metrics.scraper.KubeletScraper.DEFAULT_RESOLUTION, audit);
    }

    private static LocalControlPlane start(Path dir, int port, AdmissionOptions admission, TokenExpiration tokenExpiration,
                                           java.time.Duration metricResolution) {
        return start(dir, port, admission, tokenExpiration, metricResolution, dev.skiff.apiserver.audit.AuditOptions.NONE);
    }

    private static LocalControlPlane start(Path dir, int port, AdmissionOptions admission, TokenExpiration tokenExpiration,
                                           java.time.Duration metricResolution, dev.skiff.apiserver.audit.AuditOptions audit) {
        Store store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir.resolve("db")));
        try {
            // the defaults of --service-cluster-ip-range (10.43.0.0/16) and --service-node-port-range (30000-32767)
            var config = new ApiServerConfig("127.0.0.1", port, dir.resolve("tls"), dir.resolve("token"), List.of(),
                    ServiceCidr.DEFAULT, PortRange.DEFAULT, 0, 0, ApiServerConfig.DEFAULT_MAX_REQUEST_BODY_BYTES,
                    dir.resolve("admin.kubeconfig"), PosixFilePermissions.fromString("rw-------"),
                    VersionInfo.of("", "1970-01-01T00:00:00Z"), audit);
            return new LocalControlPlane(dir, store, ControlPlane.start(store, config, admission, tokenExpiration, metricResolution));
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** The admin kubeconfig (client certificate of system:masters). */
    public Path kubeconfig() {
        return dir.resolve("admin.kubeconfig");
    }

    public URI url() {
        return controlPlane.apiServer().url();
    }

    public int port() {
        return controlPlane.apiServer().port();
    }

    public Store store() {
        return store;
    }

    public ControlPlane controlPlane() {
        return controlPlane;
    }

    @Override
    public void close() {
        try {
            controlPlane.close();
        } finally {
            store.close();
        }
    }
}
