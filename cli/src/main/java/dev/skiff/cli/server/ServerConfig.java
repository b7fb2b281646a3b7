package dev.skiff.cli.server;

import dev.skiff.apiserver.ApiServerConfig;
import dev.skiff.apiserver.admission.AdmissionOptions;
import dev.skiff.apiserver.registry.core.serviceaccount.TokenExpiration;
import dev.skiff.apiserver.endpoints.VersionInfo;
import dev.skiff.registry.core.service.ipallocator.ServiceCidr;
import dev.skiff.registry.core.service.portallocator.PortRange;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Everything {@code skiff server} was told, checked. {@code etcdServers} empty means the
 * embedded store under {@code dataDir/server/db}, served for etcd tools on
 * {@code etcdListenClient} (null: not served). {@code writeKubeconfig} is already resolved to
 * its default ({@code dataDir/server/cred/admin.kubeconfig}) when the flag was not given.
 * {@code scheduler} is the embedded scheduler's configuration, null with --disable-scheduler;
 * {@code controllers} the embedded controller manager's --controllers, null with --disable-controller-manager.
 * {@code dns} is the cluster DNS (--cluster-dns, --cluster-domain, --dns-listen-address).
 * {@code disableKubeProxy} keeps the embedded agent from running the service proxy; the proxy's cluster CIDR
 * (the pods' range it masquerades cluster-IP traffic from outside of) is node IPAM's, in {@code controllerOptions}.
 * {@code cniBridge} is the Linux bridge the embedded agent's pods attach to (--cni-bridge).
 * {@code podManifestPath} is the embedded agent's static pods (--pod-manifest-path), null for none.
 * {@code admission} is --enable/--disable-admission-plugins (validated), {@code tokenExpiration}
 * --service-account-max-token-expiration and --service-account-extend-token-expiration. {@code metricResolution} is how
 * often the metrics API scrapes the kubelets (metrics-server's --metric-resolution). {@code registries} is the embedded
 * agent's private registry configuration (--private-registry). {@code audit} is the audit policy and log (--audit-*).
 */
public record ServerConfig(Path dataDir, List<URI> etcdServers, InetSocketAddress etcdListenClient,
                           Duration compactionInterval, int maxRequestBytes,
                           String bindAddress, int httpsListenPort, Path writeKubeconfig,
                           Set<PosixFilePermission> writeKubeconfigMode, List<String> tlsSans,
                           ServiceCidr serviceClusterIpRange, PortRange serviceNodePortRange,
                           int maxRequestsInflight, int maxMutatingRequestsInflight, boolean disableAgent,
                           boolean disableKubeProxy, KubeSchedulerConfiguration scheduler, List<String> controllers,
                           dev.skiff.controller.ControllerOptions controllerOptions, ClusterDns dns, int kubeletPort,
                           String flannelBackend, String cniBridge, Path podManifestPath, AdmissionOptions admission,
                           TokenExpiration tokenExpiration, Duration metricResolution,
                           dev.skiff.agent.containerd.registries.Registries registries,
                           dev.skiff.apiserver.audit.AuditOptions audit) {

    /**
     * The cluster DNS: its service IP and domain (the embedded agent's --cluster-dns and --cluster-domain too), and where
     * the DNS server listens; {@code listen} null runs no DNS server (--disable-dns).
     */
    public record ClusterDns(InetAddress clusterDns, String clusterDomain, InetSocketAddress listen) {
    }

    public ServerConfig {
        etcdServers = List.copyOf(etcdServers);
        tlsSans = List.copyOf(tlsSans);
        writeKubeconfigMode = Set.copyOf(writeKubeconfigMode);
        controllers = controllers == null ? null : List.copyOf(controllers);
    }

    /** The kubernetes service IP: the first address of the service range. */
    public InetAddress serviceIp() {
        return serviceClusterIpRange.first();
    }

    public boolean embeddedStore() {
        return etcdServers.isEmpty();
    }

    /** The auto-deploy directory: the manifests the server applies at start and on change (k3s's server/manifests). */
    public Path manifestsDir() {
        return dataDir.resolve("server").resolve("manifests");
    }

    public Path storeDir() {
        return dataDir.resolve("server").resolve("db");
    }

    /** The API server's share of this config; {@code version} is what /version reports. */
    public ApiServerConfig apiServer(VersionInfo version) {
        Path server = dataDir.resolve("server");
        return new ApiServerConfig(bindAddress, httpsListenPort, server.resolve("tls"), server.resolve("token"), tlsSans,
                serviceClusterIpRange, serviceNodePortRange, maxRequestsInflight, maxMutatingRequestsInflight, ApiServerConfig.DEFAULT_MAX_REQUEST_BODY_BYTES,
                writeKubeconfig, writeKubeconfigMode, version, audit);
    }
}
