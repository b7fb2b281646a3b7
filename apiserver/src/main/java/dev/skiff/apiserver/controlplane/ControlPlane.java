package dev.skiff.apiserver.controlplane;

import dev.skiff.apiserver.ApiServer;
import dev.skiff.apiserver.ApiServerConfig;
import dev.skiff.apiserver.bootstrap.KubernetesService;
import dev.skiff.apiserver.endpoints.HealthCheck;
import dev.skiff.store.Store;
import java.util.List;

/**
 * The API server with every resource skiff serves, over one store (upstream's pkg/controlplane): the
 * registries, the system namespaces and priority classes, the {@code kubernetes} service. `skiff server`
 * composes it, and tests of the controllers, the scheduler and the agent start a real one with it.
 */
public final class ControlPlane implements AutoCloseable {
    private final ApiServer apiServer;

    private ControlPlane(ApiServer apiServer) {
        this.apiServer = apiServer;
    }

    /** Serves every resource over {@code store}; the caller keeps owning (and closes) the store. */
    public static ControlPlane start(Store store, ApiServerConfig config) {
        var resources = Resources.serve(store, config.serviceClusterIpRange(), config.serviceNodePortRange());
        var apiServer = ApiServer.start(config, resources.routes(), List.of(HealthCheck.of("etcd", store::status)),
                resources.admission());
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
