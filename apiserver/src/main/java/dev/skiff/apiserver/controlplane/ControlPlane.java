package dev.skiff.apiserver.controlplane;

import dev.skiff.apiserver.ApiServer;
import dev.skiff.apiserver.ApiServerConfig;
import dev.skiff.apiserver.bootstrap.KubernetesService;
import dev.skiff.apiserver.endpoints.HealthCheck;
import dev.skiff.store.Store;
import dev.skiff.apiserver.authn.ServiceAccountTokenAuthenticator;
import dev.skiff.apiserver.pki.ClusterPki;
import java.security.KeyPair;
import java.util.List;
import dev.skiff.apiserver.admission.AdmissionOptions;
import dev.skiff.apiserver.registry.core.serviceaccount.TokenExpiration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server with every resource skiff serves, over one store (upstream's pkg/controlplane): the
 * registries, the system namespaces and priority classes, the {@code kubernetes} service. `skiff server`
 * composes it, and tests of the controllers, the scheduler and the agent start a real one with it.
 */
public final class ControlPlane implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);
    private final ApiServer apiServer;

    private ControlPlane(ApiServer apiServer) {
        this.apiServer = apiServer;
    }

    /** Serves every resource over {@code store} with upstream's default admission plugins; the caller keeps owning (and closes) the store. */
    public static ControlPlane start(Store store, ApiServerConfig config) {
        return start(store, config, AdmissionOptions.defaults(), TokenExpiration.defaults());
    }

    /**
     * As {@link #start(Store, ApiServerConfig)} with the admission plugins of {@code admission} (kube-apiserver's
     * --enable/--disable-admission-plugins, already validated) and the TokenRequest lifetimes of {@code tokenExpiration}
     * (--service-account-max-token-expiration, --service-account-extend-token-expiration).
     */
    public static ControlPlane start(Store store, ApiServerConfig config, AdmissionOptions admission, TokenExpiration tokenExpiration) {
        // the service-account signing key is the cluster PKI's, read (or created) before the registries that issue tokens
        KeyPair serviceAccountKey = ClusterPki.loadOrCreateServiceAccountKey(config.tlsDir());
        var resources = Resources.serve(store, config.serviceClusterIpRange(), config.serviceNodePortRange(), serviceAccountKey,
                admission.validated(), tokenExpiration);
        var admissionChain = resources.admission();
        tokenExpiration.warnings().forEach(w -> log.warn(w));
        var apiServer = ApiServer.start(config, resources.routes(), List.of(HealthCheck.of("etcd", store::status)), admissionChain,
                List.of(new ServiceAccountTokenAuthenticator(resources.serviceAccountTokens())));
        try {
            resources.authenticator().set(apiServer.authenticator());
            KubernetesService.ensure(resources.services(), resources.endpoints(), config.serviceIp(),
                    KubernetesService.advertiseAddress(config.bindAddress()), apiServer.port());
        } catch (RuntimeException e) {
            apiServer.close();
            throw e;
        }
        return new ControlPlane(apiServer);
    }

    public ApiServer apiServer() {
        return apiServer;
    }

    @Override
    public void close() {
        apiServer.close();
    }
}
