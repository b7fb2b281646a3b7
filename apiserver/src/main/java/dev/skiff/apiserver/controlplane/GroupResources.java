package dev.skiff.apiserver.controlplane;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.api.resource.ResourceRegistry;
import dev.skiff.apiserver.authn.RequestAuthenticator;
import dev.skiff.apiserver.authz.AlwaysAllowAuthorizer;
import dev.skiff.apiserver.handlers.CreateOnlyResource;
import dev.skiff.apiserver.handlers.ServedResource;
import dev.skiff.apiserver.registry.authentication.SelfSubjectReviews;
import dev.skiff.apiserver.registry.authentication.TokenReviews;
import dev.skiff.apiserver.registry.authorization.SubjectAccessReviews;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import java.util.function.Supplier;
import dev.skiff.registry.apps.controllerrevision.ControllerRevisionStrategy;
import dev.skiff.registry.apps.daemonset.DaemonSetStrategy;
import dev.skiff.registry.apps.deployment.DeploymentStrategy;
import dev.skiff.registry.apps.replicaset.ReplicaSetStrategy;
import dev.skiff.registry.apps.statefulset.StatefulSetStrategy;
import dev.skiff.registry.autoscaling.horizontalpodautoscaler.HorizontalPodAutoscalerStrategy;
import dev.skiff.registry.autoscaling.horizontalpodautoscaler.HorizontalPodAutoscalerV1Conversion;
import dev.skiff.registry.batch.cronjob.CronJobStrategy;
import dev.skiff.registry.batch.job.JobStrategy;
import dev.skiff.registry.discovery.endpointslice.EndpointSliceStrategy;
import dev.skiff.registry.core.event.EventStrategy;
import dev.skiff.registry.events.event.EventV1Conversion;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.networking.ingress.IngressStrategy;
import dev.skiff.registry.networking.ingressclass.IngressClassStrategy;
import dev.skiff.registry.networking.networkpolicy.NetworkPolicyStrategy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import dev.skiff.registry.rbac.clusterrole.ClusterRoleStrategy;
import dev.skiff.registry.rbac.clusterrolebinding.ClusterRoleBindingStrategy;
import dev.skiff.registry.rbac.role.RoleStrategy;
import dev.skiff.registry.rbac.rolebinding.RoleBindingStrategy;
import dev.skiff.registry.scheduling.priorityclass.PriorityClassStrategy;
import dev.skiff.registry.storage.ListOptions;
import dev.skiff.registry.storage.Resource;
import dev.skiff.registry.storage.csidriver.CSIDriverStrategy;
import dev.skiff.registry.storage.csinode.CSINodeStrategy;
import dev.skiff.registry.storage.storageclass.StorageClassStrategy;
import dev.skiff.registry.storage.volumeattachment.VolumeAttachmentStrategy;
import dev.skiff.store.Store;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The non-core API groups `skiff server` serves (apps, batch, autoscaling, networking, policy,
 * storage, scheduling, rbac, discovery), one GenericRegistry per resource over the one Store, and
 * their bootstrap objects (the system priority classes).
 */
final class GroupResources {
    private final Store store;
    private final ResourceRegistry builtIn;
    private final Clock clock;
    private final RandomGenerator random;
    private final List<ServedResource<?>> served = new ArrayList<>();

    private GroupResources(Store store, ResourceRegistry builtIn, Clock clock, RandomGenerator random) {
        this.store = store;
        this.builtIn = builtIn;
        this.clock = clock;
        this.random = random;
    }

    static List<ServedResource<?>> serve(Store store, ResourceRegistry builtIn, Clock clock, RandomGenerator random,
                                         java.util.function.Consumer<GenericRegistry<PriorityClass>> priorityClassesServed,
                                         GenericRegistry<PodDisruptionBudget> podDisruptionBudgets) {
        var g = new GroupResources(store, builtIn, clock, random);
        g.add("apps", "v1", "deployments", DeploymentStrategy.RESOURCE, new DeploymentStrategy());
        g.add("apps", "v1", "replicasets", ReplicaSetStrategy.RESOURCE, new ReplicaSetStrategy());
        g.add("apps", "v1", "statefulsets", StatefulSetStrategy.RESOURCE, new StatefulSetStrategy());
        g.add("apps", "v1", "daemonsets", DaemonSetStrategy.RESOURCE, new DaemonSetStrategy());
        g.add("apps", "v1", "controllerrevisions", ControllerRevisionStrategy.RESOURCE, new ControllerRevisionStrategy());
        g.add("batch", "v1", "jobs", JobStrategy.RESOURCE, new JobStrategy());
        g.add("batch", "v1", "cronjobs", CronJobStrategy.RESOURCE, new CronJobStrategy());
        GenericRegistry<HorizontalPodAutoscaler> hpa = g.add("autoscaling", "v2", "horizontalpodautoscalers",
                HorizontalPodAutoscalerStrategy.RESOURCE, new HorizontalPodAutoscalerStrategy());
        g.served.add(ServedResource.of(g.info("autoscaling", "v1", "horizontalpodautoscalers"), HorizontalPodAutoscaler.class, hpa,
                clock, new HorizontalPodAutoscalerV1Conversion()));
        g.add("networking.k8s.io", "v1", "ingresses", IngressStrategy.RESOURCE, new IngressStrategy());
        g.add("networking.k8s.io", "v1", "ingressclasses", IngressClassStrategy.RESOURCE, new IngressClassStrategy());
        g.add("networking.k8s.io", "v1", "networkpolicies", NetworkPolicyStrategy.RESOURCE, new NetworkPolicyStrategy());
        // made by the caller: pods/eviction spends the budgets through the same registry
        g.served.add(ServedResource.of(g.info("policy", "v1", "poddisruptionbudgets"), PodDisruptionBudget.class, podDisruptionBudgets, clock));
        g.add("storage.k8s.io", "v1", "storageclasses", StorageClassStrategy.RESOURCE, new StorageClassStrategy());
        g.add("storage.k8s.io", "v1", "csidrivers", CSIDriverStrategy.RESOURCE, new CSIDriverStrategy());
        g.add("storage.k8s.io", "v1", "csinodes", CSINodeStrategy.RESOURCE, new CSINodeStrategy());
        g.add("storage.k8s.io", "v1", "volumeattachments", VolumeAttachmentStrategy.RESOURCE, new VolumeAttachmentStrategy());
        var priorityClassRegistry = new java.util.concurrent.atomic.AtomicReference<GenericRegistry<PriorityClass>>();
        GenericRegistry<PriorityClass> priorityClasses = g.add("scheduling.k8s.io", "v1", "priorityclasses", PriorityClassStrategy.RESOURCE,
                new PriorityClassStrategy(() -> priorityClassRegistry.get().list(null, ListOptions.latest()).items()));
        priorityClassRegistry.set(priorityClasses);
        priorityClassesServed.accept(priorityClasses);
        g.add("rbac.authorization.k8s.io", "v1", "roles", RoleStrategy.RESOURCE, new RoleStrategy());
        g.add("rbac.authorization.k8s.io", "v1", "rolebindings", RoleBindingStrategy.RESOURCE, new RoleBindingStrategy());
        g.add("rbac.authorization.k8s.io", "v1", "clusterroles", ClusterRoleStrategy.RESOURCE, new ClusterRoleStrategy());
        g.add("rbac.authorization.k8s.io", "v1", "clusterrolebindings", ClusterRoleBindingStrategy.RESOURCE,
                new ClusterRoleBindingStrategy());
        g.add("discovery.k8s.io", "v1", "endpointslices", EndpointSliceStrategy.RESOURCE, new EndpointSliceStrategy());
        // events.k8s.io/v1 over the core/v1 events' storage (/registry/events), as upstream
        var events = new GenericRegistry<>(store, EventStrategy.RESOURCE, new EventStrategy(), clock, random);
        g.served.add(ServedResource.of(g.info("events.k8s.io", "v1", "events"), Event.class, events, clock, new EventV1Conversion()));
        ensureSystemPriorityClasses(priorityClasses);
        return List.copyOf(g.served);
    }

    /**
     * The never-stored reviews. The access reviews ask an AlwaysAllow authorizer, the mode the
     * server runs in; {@code authenticator} is the server's, set once it listens.
     */
    static List<CreateOnlyResource<?>> reviews(ResourceRegistry builtIn, Supplier<RequestAuthenticator> authenticator) {
        var access = new SubjectAccessReviews(new AlwaysAllowAuthorizer());
        var tokens = new TokenReviews(() -> {
            RequestAuthenticator a = authenticator.get();
            if (a == null) {
                throw ApiException.serviceUnavailable("the server is starting");
            }
            return a;
        });
        return List.of(
                new CreateOnlyResource<>(find(builtIn, "authentication.k8s.io", "v1", "selfsubjectreviews"), SelfSubjectReview.class,
                        SelfSubjectReviews::create),
                new CreateOnlyResource<>(find(builtIn, "authentication.k8s.io", "v1beta1", "selfsubjectreviews"), SelfSubjectReview.class,
                        SelfSubjectReviews::create),
                new CreateOnlyResource<>(find(builtIn, "authentication.k8s.io", "v1", "tokenreviews"), TokenReview.class, tokens::create),
                new CreateOnlyResource<>(find(builtIn, "authorization.k8s.io", "v1", "selfsubjectaccessreviews"),
                        SelfSubjectAccessReview.class, access::createSelf),
                new CreateOnlyResource<>(find(builtIn, "authorization.k8s.io", "v1", "subjectaccessreviews"), SubjectAccessReview.class,
                        access::create));
    }

    private static ResourceInfo find(ResourceRegistry builtIn, String group, String version, String resource) {
        return builtIn.find(group, version, resource).orElseThrow();
    }

    private <T extends HasMetadata> GenericRegistry<T> add(String group, String version, String resource, Resource<T> storage,
                                                          Strategy<T> strategy) {
        var registry = new GenericRegistry<>(store, storage, strategy, clock, random);
        served.add(ServedResource.of(info(group, version, resource), storage.type(), registry, clock));
        return registry;
    }

    private ResourceInfo info(String group, String version, String resource) {
        return builtIn.find(group, version, resource).orElseThrow();
    }

    /** Upstream's scheduling post-start hook: the system classes exist, created when missing (idempotent). */
    static void ensureSystemPriorityClasses(GenericRegistry<PriorityClass> priorityClasses) {
        for (PriorityClass pc : PriorityClassStrategy.systemPriorityClasses()) {
            try {
                priorityClasses.create(null, pc, false);
            } catch (ApiException e) {
                if (!"AlreadyExists".equals(e.reason())) {
                    throw e;
                }
            }
        }
    }
}
