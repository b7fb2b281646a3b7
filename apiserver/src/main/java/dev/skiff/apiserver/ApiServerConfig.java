package dev.skiff.apiserver;

import dev.skiff.apiserver.audit.AuditOptions;
import dev.skiff.apiserver.endpoints.VersionInfo;
import dev.skiff.registry.core.service.ipallocator.ServiceCidr;
import dev.skiff.registry.core.service.portallocator.PortRange;
import java.net.InetAddress;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;

/**
 * Everything the API server is told, checked by the caller (cli). {@code port} 0 picks a free
 * port (tests). Limits of 0 mean unlimited, as upstream.
 *
 * @param tlsDir             where the cluster CA and the certificates live ({@code <data-dir>/server/tls})
 * @param tokenFile          the server token ({@code <data-dir>/server/token})
 * @param tlsSans            extra names for the serving certificate (DNS names or IP literals)
 * @param serviceClusterIpRange where services' cluster IPs come from; its first address is the kubernetes service's, also a SAN
 * @param serviceNodePortRange where NodePort and LoadBalancer services' node ports come from
 * @param kubeconfig         where to write the admin kubeconfig
 * @param kubeconfigMode     its file mode
 * @param audit              the audit policy and log (--audit-*); {@link AuditOptions#NONE}: no auditing
 */
public record ApiServerConfig(String bindAddress, int port, Path tlsDir, Path tokenFile, List<String> tlsSans,
                              ServiceCidr serviceClusterIpRange, PortRange serviceNodePortRange, int maxRequestsInflight, int maxMutatingRequestsInflight,
                              long maxRequestBodyBytes, Path kubeconfig, Set<PosixFilePermission> kubeconfigMode,
                              VersionInfo version, AuditOptions audit) {
    /** kube-apiserver's limit on a request body (apiserver.MaxRequestBodyBytes). */
    public static final long DEFAULT_MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;
    public static final String CLUSTER_DOMAIN = "cluster.local";

    public ApiServerConfig {
        tlsSans = List.copyOf(tlsSans);
        kubeconfigMode = Set.copyOf(kubeconfigMode);
        audit = audit == null ? AuditOptions.NONE : audit;
    }

    /** Without auditing. */
    public ApiServerConfig(String bindAddress, int port, Path tlsDir, Path tokenFile, List<String> tlsSans,
                           ServiceCidr serviceClusterIpRange, PortRange serviceNodePortRange, int maxRequestsInflight,
                           int maxMutatingRequestsInflight, long maxRequestBodyBytes, Path kubeconfig, Set<PosixFilePermission> kubeconfigMode,
                           VersionInfo version) {
        this(bindAddress, port, tlsDir, tokenFile, tlsSans, serviceClusterIpRange, serviceNodePortRange, maxRequestsInflight,
                maxMutatingRequestsInflight, maxRequestBodyBytes, kubeconfig, kubeconfigMode, version, AuditOptions.NONE);
    }

    /** This config with {@code options} for auditing. */
    public ApiServerConfig withAudit(AuditOptions options) {
        return new ApiServerConfig(bindAddress, port, tlsDir, tokenFile, tlsSans, serviceClusterIpRange, serviceNodePortRange,
                maxRequestsInflight, maxMutatingRequestsInflight, maxRequestBodyBytes, kubeconfig, kubeconfigMode, version, options);
    }

    /** The kubernetes service IP: the first address of the service range. */
    public InetAddress serviceIp() {
        return serviceClusterIpRange.first();
    }
}
