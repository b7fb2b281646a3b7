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
import dev.skiff.apiserver.aggregator.Aggregator;
import dev.skiff.apiserver.aggregator.ExtensionApiServerAuthentication;
import dev.skiff.apiserver.aggregator.LocalAPIServices;
import dev.skiff.api.resource.ResourceRegistry;
import dev.skiff.apiserver.metrics.scraper.KubeletScraper;
import dev.skiff.registry.storage.ListOptions;
import java.time.Clock;
import java.time.Duration;
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
    private final KubeletScraper scraper;
    private final Aggregator aggregator;

    private ControlPlane(ApiServer apiServer, KubeletScraper scraper, Aggregator aggregator) {
        this.apiServer = apiServer;
        this.scraper = scraper;
        this.aggregator = aggregator;
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
        return start(store, config, admission, tokenExpiration, KubeletScraper.DEFAULT_RESOLUTION);
    }

    /**
     * As {@link #start(Store, ApiServerConfig, AdmissionOptions, TokenExpiration)}, the kubelets scraped for the metrics API
     * every {@code metricResolution} (metrics-server's --metric-resolution).
     */
    public static ControlPlane start(Store store, ApiServerConfig config, AdmissionOptions admission, TokenExpiration tokenExpiration,
                                     Duration metricResolution) {
        // the service-account signing key is the cluster PKI's, read (or created) before the registries that issue tokens
        KeyPair serviceAccountKey = ClusterPki.loadOrCreateServiceAccountKey(config.tlsDir());
        var resources = Resources.serve(store, config.serviceClusterIpRange(), config.serviceNodePortRange(), serviceAccountKey,
                admission.validated(), tokenExpiration);
        var admissionChain = resources.admission();
        tokenExpiration.warnings().forEach(w -> log.warn(w));
        var apiServer = ApiServer.start(config, resources.routes(), List.of(HealthCheck.of("etcd", store::status)), admissionChain,
                List.of(new ServiceAccountTokenAuthenticator(resources.serviceAccountTokens())));
        Aggregator aggregator;
        try {
            resources.authenticator().set(apiServer.authenticator());
            KubernetesService.ensure(resources.services(), resources.endpoints(), config.serviceIp(),
                    KubernetesService.advertiseAddress(config.bindAddress()), apiServer.port());
            LocalAPIServices.ensure(resources.apiServices(), ResourceRegistry.builtIn().groupVersions());
            ExtensionApiServerAuthentication.publish(resources.configMaps(), apiServer.pki());
            aggregator = new Aggregator(resources.apiServices(), resources.services(), resources.endpoints(),
                    apiServer.pki().proxyClient(), Clock.systemUTC());
            resources.discovery().aggregate(aggregator::discovery);
            resources.openApiV2().aggregate(aggregator::openApiSpecs);
            resources.openApiV3().aggregate(aggregator::openApiSpecs);
            resources.aggregator().set(aggregator.start());
        } catch (RuntimeException e) {
            apiServer.close();
            throw e;
        }
        var nodes = resources.nodes();
        var scraper = new KubeletScraper(() -> nodes.list(null, ListOptions.latest()).items(), apiServer.pki().kubeletClient(),
                resources.metrics(), metricResolution, Clock.systemUTC()).start();
        return new ControlPlane(apiServer, scraper, aggregator);
    }

    public ApiServer apiServer() {
        return apiServer;
    }

    @Override
    public void close() {
        aggregator.close();
        scraper.close();
        apiServer.close();
    }
}
