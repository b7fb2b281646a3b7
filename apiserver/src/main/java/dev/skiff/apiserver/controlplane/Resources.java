package dev.skiff.apiserver.controlplane;

import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.apiserver.admission.AdmissionOptions;
import dev.skiff.apiserver.admission.AdmissionPlugin;
import dev.skiff.apiserver.admission.LimitRanger;
import dev.skiff.apiserver.admission.NamespaceLifecycle;
import dev.skiff.apiserver.admission.podsecurity.PodSecurity;
import dev.skiff.apiserver.admission.ResourceQuotaAdmission;
import dev.skiff.apiserver.admission.ServiceAccountAdmission;
import dev.skiff.apiserver.registry.core.serviceaccount.TokenExpiration;
import dev.skiff.apiserver.registry.core.serviceaccount.TokenRest;
import dev.skiff.registry.core.pod.PodAdmissionPlugins;
import java.util.Map;
import java.util.function.Supplier;
import dev.skiff.apiserver.serviceaccount.ServiceAccountObjects;
import dev.skiff.apiserver.serviceaccount.ServiceAccountTokens;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import java.security.KeyPair;
import dev.skiff.api.resource.ResourceRegistry;
import dev.skiff.apiserver.bootstrap.SystemNamespaces;
import dev.skiff.apiserver.endpoints.Routes;
import dev.skiff.apiserver.handlers.ReadOnlyResource;
import dev.skiff.apiserver.handlers.ResourceHandler;
import dev.skiff.apiserver.metrics.storage.MetricsStorage;
import dev.skiff.apiserver.registry.metrics.NodeMetricsRest;
import dev.skiff.apiserver.registry.metrics.PodMetricsRest;
import dev.skiff.api.selector.LabelSelector;
import dev.skiff.apiserver.handlers.ServedResource;
import dev.skiff.apiserver.handlers.SubresourceCreate;
import dev.skiff.apiserver.openapi.OpenApiV2;
import dev.skiff.apiserver.openapi.OpenApiV3;
import dev.skiff.registry.coordination.lease.LeaseStrategy;
import dev.skiff.registry.core.configmap.ConfigMapStrategy;
import dev.skiff.registry.core.endpoint.EndpointsStrategy;
import dev.skiff.registry.core.event.EventStrategy;
import dev.skiff.registry.core.namespace.NamespaceStrategy;
import dev.skiff.registry.core.node.NodeStrategy;
import dev.skiff.registry.core.pod.BindingRest;
import dev.skiff.registry.core.pod.EvictionRest;
import dev.skiff.apiserver.handlers.PodStreaming;
import dev.skiff.registry.core.pod.PodPriority;
import dev.skiff.registry.core.pod.PodStrategy;
import dev.skiff.registry.core.limitrange.LimitRangeStrategy;
import dev.skiff.registry.core.persistentvolume.PersistentVolumeStrategy;
import dev.skiff.registry.core.persistentvolumeclaim.PersistentVolumeClaimStrategy;
import dev.skiff.registry.core.resourcequota.ResourceQuotaStrategy;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import dev.skiff.registry.storage.ListOptions;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import dev.skiff.registry.core.podtemplate.PodTemplateStrategy;
import dev.skiff.registry.core.replicationcontroller.ReplicationControllerStrategy;
import dev.skiff.registry.core.secret.SecretStrategy;
import dev.skiff.registry.core.service.ServiceAllocations;
import dev.skiff.registry.core.service.ServiceStrategy;
import dev.skiff.registry.core.service.ipallocator.ServiceCidr;
import dev.skiff.registry.core.service.portallocator.PortRange;
import dev.skiff.registry.core.serviceaccount.ServiceAccountStrategy;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.Store;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import dev.skiff.registry.policy.poddisruptionbudget.PodDisruptionBudgetStrategy;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

/** The resources `skiff server` serves: one GenericRegistry per resource over the one Store, and the system namespaces. */
record Resources(Routes routes, GenericRegistry<Namespace> namespaces, GenericRegistry<Service> services,
                 GenericRegistry<Endpoints> endpoints, List<AdmissionPlugin> admission,
                 java.util.concurrent.atomic.AtomicReference<dev.skiff.apiserver.authn.RequestAuthenticator> authenticator,
                 ServiceAccountTokens serviceAccountTokens, GenericRegistry<Node> nodes, MetricsStorage metrics,
                 GenericRegistry<io.fabric8.kubernetes.api.model.APIService> apiServices, GenericRegistry<ConfigMap> configMaps,
                 java.util.concurrent.atomic.AtomicReference<dev.skiff.apiserver.aggregator.Aggregator> aggregator,
                 dev.skiff.apiserver.discovery.Discovery discovery, OpenApiV2 openApiV2, OpenApiV3 openApiV3) {

    /**
     * {@code serviceAccountKey}: the cluster's sa.key/sa.pub, which signs and checks service-account tokens;
     * {@code admission}: the admission plugins that run, {@code tokenExpiration} the TokenRequest lifetimes.
     */
    static Resources serve(Store store, ServiceCidr serviceRange, PortRange nodePortRange, KeyPair serviceAccountKey,
                           AdmissionOptions admission, TokenExpiration tokenExpiration) {
        Clock clock = Clock.systemUTC();
        var random = new SecureRandom();
        ResourceRegistry builtIn = ResourceRegistry.builtIn();
        GenericRegistry<Namespace> namespaces = new GenericRegistry<>(store, NamespaceStrategy.RESOURCE, new NamespaceStrategy(), clock, random);
        GenericRegistry<ConfigMap> configMaps = new GenericRegistry<>(store, ConfigMapStrategy.RESOURCE, new ConfigMapStrategy(), clock, random);
        // the Priority admission of pods reads the priority classes GroupResources registers below
        var priorityClasses = new java.util.concurrent.atomic.AtomicReference<GenericRegistry<PriorityClass>>();
        GenericRegistry<Pod> pods = new GenericRegistry<>(store, PodStrategy.RESOURCE,
                new PodStrategy(new PodPriority(() -> priorityClasses.get().list(null, ListOptions.latest()).items()),
                        new PodAdmissionPlugins(admission.enabled(AdmissionOptions.PRIORITY),
                                admission.enabled(AdmissionOptions.DEFAULT_TOLERATION_SECONDS))), clock, random);
        // cluster IPs and node ports in use are the stored services' own, read back before any write
        var allocations = new ServiceAllocations(serviceRange, nodePortRange, random);
        GenericRegistry<Service> services = new GenericRegistry<>(store, ServiceStrategy.RESOURCE, new ServiceStrategy(), allocations, clock, random);
        allocations.restore(services.list(null, ListOptions.latest()).items());
        GenericRegistry<Endpoints> endpoints = new GenericRegistry<>(store, EndpointsStrategy.RESOURCE, new EndpointsStrategy(), clock, random);
        GenericRegistry<Node> nodes = new GenericRegistry<>(store, NodeStrategy.RESOURCE, new NodeStrategy(), clock, random);
        var streams = new dev.skiff.registry.core.pod.StreamLocations(pods, nodes);
        GenericRegistry<ResourceQuota> quotas =
                new GenericRegistry<>(store, ResourceQuotaStrategy.RESOURCE, new ResourceQuotaStrategy(), clock, random);
        GenericRegistry<PodDisruptionBudget> podDisruptionBudgets = new GenericRegistry<>(store, PodDisruptionBudgetStrategy.RESOURCE,
                new PodDisruptionBudgetStrategy(), clock, random);
        GenericRegistry<Secret> secrets = new GenericRegistry<>(store, SecretStrategy.RESOURCE, new SecretStrategy(), clock, random);
        GenericRegistry<ServiceAccount> serviceAccounts = new GenericRegistry<>(store, ServiceAccountStrategy.RESOURCE,
                new ServiceAccountStrategy(), clock, random);
        var tokens = new ServiceAccountTokens(serviceAccountKey, ServiceAccountTokens.DEFAULT_ISSUER,
                List.of(ServiceAccountTokens.DEFAULT_ISSUER),
                new ServiceAccountObjects(serviceAccounts::get, pods::get, secrets::get, nodes::get,
                        s -> secrets.update(s.getMetadata().getNamespace(), s.getMetadata().getName(), s, false)), clock);
        GenericRegistry<LimitRange> limitRanges = new GenericRegistry<>(store, LimitRangeStrategy.RESOURCE, new LimitRangeStrategy(), clock, random);
        List<ServedResource<?>> served = new java.util.ArrayList<>(List.of(
                ServedResource.of(info(builtIn, "namespaces"), Namespace.class, namespaces, clock),
                ServedResource.of(info(builtIn, "configmaps"), ConfigMap.class, configMaps, clock),
                ServedResource.of(info(builtIn, "secrets"), Secret.class, secrets, clock),
                ServedResource.of(info(builtIn, "serviceaccounts"), ServiceAccount.class, serviceAccounts, clock)
                        .withCreate("token", SubresourceCreate.answering(TokenRequest.class, new TokenRest(tokens, tokenExpiration, clock)::create)),
                // coordination.k8s.io (leader election)
                ServedResource.of(builtIn.find("coordination.k8s.io", "v1", "leases").orElseThrow(), Lease.class,
                        new GenericRegistry<>(store, LeaseStrategy.RESOURCE, new LeaseStrategy(), clock, random), clock),
                ServedResource.of(info(builtIn, "pods"), Pod.class, pods, clock)
                        .withCreate("binding", SubresourceCreate.acting(Binding.class, new BindingRest(pods, clock)::bind))
                        .withCreate("eviction", SubresourceCreate.acting(Eviction.class, new EvictionRest(pods, podDisruptionBudgets, clock)::evict)
                                .accepting("policy/v1beta1"))
                        .withConnect("log", PodStreaming.log(streams))
                        .withConnect("exec", PodStreaming.stream("exec", streams))
                        .withConnect("attach", PodStreaming.stream("attach", streams))
                        .withConnect("portforward", PodStreaming.portForward(streams)),
                ServedResource.of(info(builtIn, "replicationcontrollers"), ReplicationController.class,
                        new GenericRegistry<>(store, ReplicationControllerStrategy.RESOURCE, new ReplicationControllerStrategy(), clock, random),
                        clock),
                ServedResource.of(info(builtIn, "nodes"), Node.class, nodes, clock),
                ServedResource.of(info(builtIn, "events"), Event.class,
                        new GenericRegistry<>(store, EventStrategy.RESOURCE, new EventStrategy(), clock, random), clock),
                ServedResource.of(info(builtIn, "services"), Service.class, services, clock),
                ServedResource.of(info(builtIn, "endpoints"), Endpoints.class, endpoints, clock),
                ServedResource.of(info(builtIn, "podtemplates"), PodTemplate.class,
                        new GenericRegistry<>(store, PodTemplateStrategy.RESOURCE, new PodTemplateStrategy(), clock, random), clock),
                ServedResource.of(info(builtIn, "persistentvolumes"), PersistentVolume.class,
                        new GenericRegistry<>(store, PersistentVolumeStrategy.RESOURCE, new PersistentVolumeStrategy(clock), clock, random), clock),
                ServedResource.of(info(builtIn, "persistentvolumeclaims"), PersistentVolumeClaim.class,
                        new GenericRegistry<>(store, PersistentVolumeClaimStrategy.RESOURCE, new PersistentVolumeClaimStrategy(), clock, random),
                        clock),
                ServedResource.of(info(builtIn, "resourcequotas"), ResourceQuota.class, quotas, clock),
                ServedResource.of(info(builtIn, "limitranges"), LimitRange.class, limitRanges, clock)));
        GenericRegistry<io.fabric8.kubernetes.api.model.APIService> apiServices = new GenericRegistry<>(store,
                dev.skiff.registry.apiregistration.apiservice.APIServiceStrategy.RESOURCE,
                new dev.skiff.registry.apiregistration.apiservice.APIServiceStrategy(), clock, random);
        served.add(ServedResource.of(builtIn.find("apiregistration.k8s.io", "v1", "apiservices").orElseThrow(),
                io.fabric8.kubernetes.api.model.APIService.class, apiServices, clock));
        served.addAll(GroupResources.serve(store, builtIn, clock, random, priorityClasses::set, podDisruptionBudgets));
        SystemNamespaces.ensure(namespaces);
        var authenticator = new java.util.concurrent.atomic.AtomicReference<dev.skiff.apiserver.authn.RequestAuthenticator>();
        var metrics = new MetricsStorage();
        var nodeMetrics = new NodeMetricsRest(nodes, metrics, clock);
        var podMetrics = new PodMetricsRest(pods, metrics, clock);
        var handler = new ResourceHandler(served, GroupResources.reviews(builtIn, authenticator::get), List.of(
                ReadOnlyResource.of(builtIn.find("metrics.k8s.io", "v1beta1", "nodes").orElseThrow(), new ReadOnlyResource.Reader() {
                    @Override
                    public io.fabric8.kubernetes.api.model.HasMetadata get(String namespace, String name) {
                        return nodeMetrics.get(name);
                    }

                    @Override
                    public List<? extends io.fabric8.kubernetes.api.model.HasMetadata> list(String namespace, LabelSelector selector) {
                        return nodeMetrics.list(selector);
                    }
                }, clock),
                ReadOnlyResource.of(builtIn.find("metrics.k8s.io", "v1beta1", "pods").orElseThrow(), new ReadOnlyResource.Reader() {
                    @Override
                    public io.fabric8.kubernetes.api.model.HasMetadata get(String namespace, String name) {
                        return podMetrics.get(namespace, name);
                    }

                    @Override
                    public List<? extends io.fabric8.kubernetes.api.model.HasMetadata> list(String namespace, LabelSelector selector) {
                        return podMetrics.list(namespace, selector);
                    }
                }, clock)), builtIn.groupVersions());
        var openApiV2 = new OpenApiV2(served, "v1.33.0+skiff");
        var openApiV3 = new OpenApiV3(served, "v1.33.0+skiff", clock);
        var aggregator = new java.util.concurrent.atomic.AtomicReference<dev.skiff.apiserver.aggregator.Aggregator>();
        return new Resources(Routes.builder().prefix("/api", handler)
                .prefix("/apis", new dev.skiff.apiserver.aggregator.ProxyHandler(aggregator::get, handler))
                .prefix("/openapi/v2", openApiV2).prefix("/openapi/v3", openApiV3).build(), namespaces, services, endpoints,
                chain(admission, Map.of(
                        NamespaceLifecycle.NAME, () -> new NamespaceLifecycle(name -> ((ServiceAccountObjects.Getter<Namespace>) namespaces::get).find(null, name)),
                        LimitRanger.NAME, () -> new LimitRanger(ns -> limitRanges.list(ns, ListOptions.latest()).items()),
                        ServiceAccountAdmission.NAME, () -> new ServiceAccountAdmission(serviceAccounts::get),
                        PodSecurity.NAME, () -> new PodSecurity(name -> ((ServiceAccountObjects.Getter<Namespace>) namespaces::get).find(null, name),
                                ns -> pods.list(ns, ListOptions.latest()).items(), clock, admission.configuration().podSecurity()),
                        ResourceQuotaAdmission.NAME, () -> new ResourceQuotaAdmission(quotas, clock))),
                authenticator, tokens, nodes, metrics, apiServices, configMaps, aggregator, handler.discovery(), openApiV2, openApiV3);
    }

    /**
     * The enabled plugins of the chain, in upstream's order whatever the flags' order; Priority and
     * DefaultTolerationSeconds run in the pod strategy instead (PodAdmissionPlugins).
     */
    private static List<AdmissionPlugin> chain(AdmissionOptions admission, Map<String, Supplier<AdmissionPlugin>> plugins) {
        return admission.enabledPluginNames().stream().filter(plugins::containsKey).map(name -> plugins.get(name).get()).toList();
    }

    private static ResourceInfo info(ResourceRegistry registry, String coreResource) {
        return registry.find("", "v1", coreResource).orElseThrow();
    }
}
