package dev.skiff.controller.resourcequota;

import dev.skiff.api.quota.Evaluator;
import dev.skiff.api.quota.Evaluators;
import dev.skiff.api.quota.ResourceLists;
import dev.skiff.client.controller.Controller;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.ResourceQuotaStatus;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's resource quota controller (pkg/controller/resourcequota): keeps each quota's
 * {@code status.hard} equal to {@code spec.hard} and {@code status.used} equal to what the objects
 * in its namespace use, as the {@link Evaluator}s measure it and within the quota's scopes.
 * Admission charges creates as they happen; this controller recalculates when a quota's limits
 * change, when usage is released (an object deleted, a pod turning terminal, a service or claim
 * shrinking - upstream's replenishment) and every {@link #RESYNC} (--resource-quota-sync-period).
 * Resources other than the core ones ({@code count/deployments.apps}) are listed at sync time.
 */
public final class ResourceQuotaController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResourceQuotaController.class);
    public static final String NAME = "resourcequota";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, ResourceQuotaController::start);
    /** Upstream's default --resource-quota-sync-period. */
    static final Duration RESYNC = Duration.ofMinutes(5);

    private final KubernetesClient client;
    private final Clock clock;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;
    private final SharedIndexInformer<ResourceQuota> quotaInformer;
    private final Lister<ResourceQuota> quotas;
    /** The informers of the core resources quota measures, by resource (pods, services, ...). */
    private final Map<String, SharedIndexInformer<? extends HasMetadata>> monitored = new HashMap<>();

    private ResourceQuotaController(ControllerContext context) {
        this.client = context.client();
        this.clock = context.clock();
        this.queue = RateLimitingQueue.withDefaultRateLimiter(clock);
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.quotaInformer = context.informers().sharedIndexInformerFor(ResourceQuota.class, 0);
        this.quotas = new Lister<>(quotaInformer.getIndexer());
        quotaInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ResourceQuota quota) {
                queue.add(Cache.metaNamespaceKeyFunc(quota));
            }

            @Override
            public void onUpdate(ResourceQuota old, ResourceQuota quota) {
                // admission's own status.used increments are not a reason to recount (the cache may lag them)
                if (!Objects.equals(old.getSpec(), quota.getSpec()) || !hardMatchesSpec(quota)) {
                    queue.add(Cache.metaNamespaceKeyFunc(quota));
                }
            }

            @Override
            public void onDelete(ResourceQuota quota, boolean finalStateUnknown) {
                replenish(Evaluators.forResource("", "resourcequotas"), quota.getMetadata().getNamespace());
            }
        });
        monitor(context, Pod.class, "pods");
        monitor(context, Service.class, "services");
        monitor(context, PersistentVolumeClaim.class, "persistentvolumeclaims");
        monitor(context, ConfigMap.class, "configmaps");
        monitor(context, Secret.class, "secrets");
        monitor(context, ReplicationController.class, "replicationcontrollers");
        monitored.put("resourcequotas", quotaInformer);
    }

    static AutoCloseable start(ControllerContext context) {
        var rqc = new ResourceQuotaController(context);
        List<SharedIndexInformer<?>> informers = new ArrayList<>(rqc.monitored.values());
        context.runWhenSynced(rqc.controller, informers);
        return rqc;
    }

    /** Replenishment: a deletion, or an update that lowered usage, queues the namespace's quotas that track the resource. */
    private <T extends HasMetadata> void monitor(ControllerContext context, Class<T> type, String resource) {
        SharedIndexInformer<T> informer = context.informers().sharedIndexInformerFor(type, 0);
        monitored.put(resource, informer);
        Evaluator evaluator = Evaluators.forResource("", resource);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
            }

            @Override
            public void onUpdate(T old, T obj) {
                var now = clock.instant();
                if (!ResourceLists.equal(evaluator.usage(old, now), evaluator.usage(obj, now))) {
                    replenish(evaluator, obj.getMetadata().getNamespace());
                }
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
                replenish(evaluator, obj.getMetadata().getNamespace());
            }
        });
    }

    private void replenish(Evaluator evaluator, String namespace) {
        for (ResourceQuota quota : quotas.namespace(namespace).list()) {
            if (!evaluator.matchingResources(hard(quota).keySet()).isEmpty()) {
                queue.add(Cache.metaNamespaceKeyFunc(quota));
            }
        }
    }

    // --- sync

    void sync(String key) {
        var k = Controller.ObjectKey.parse(key);
        ResourceQuota quota = quotas.namespace(k.namespace()).get(k.name());
        if (quota == null) {
            return;
        }
        Map<String, Quantity> hard = hard(quota);
        Map<String, Quantity> used = new TreeMap<>();
        for (Evaluator evaluator : evaluators(hard.keySet())) {
            Set<String> matched = evaluator.matchingResources(hard.keySet());
            Map<String, Quantity> usage = new TreeMap<>();
            matched.forEach(name -> usage.put(name, new Quantity("0")));
            var now = clock.instant();
            for (HasMetadata obj : objects(evaluator, k.namespace())) {
                if (evaluator.inScope(quota, obj)) {
                    usage.putAll(ResourceLists.add(usage, ResourceLists.mask(evaluator.usage(obj, now), matched)));
                }
            }
            used.putAll(usage);
        }
        used = ResourceLists.canonical(ResourceLists.mask(used, hard.keySet()));
        ResourceQuotaStatus current = quota.getStatus() == null ? new ResourceQuotaStatus() : quota.getStatus();
        Map<String, Quantity> currentHard = current.getHard() == null ? Map.of() : current.getHard();
        Map<String, Quantity> currentUsed = current.getUsed() == null ? Map.of() : current.getUsed();
        if (!ResourceLists.equal(currentHard, hard) || !ResourceLists.equal(currentUsed, used)) {
            var updated = new ResourceQuotaBuilder(quota).withNewStatus().withHard(ResourceLists.canonical(hard)).withUsed(used).endStatus().build();
            try {
                client.resourceQuotas().inNamespace(k.namespace()).resource(updated).updateStatus();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404 && e.getCode() != 409) {
                    throw e;
                }
                queue.add(key); // admission charged it meanwhile, or it changed: count again from the newer quota
                return;
            }
        }
        queue.addAfter(key, RESYNC);
    }

    /** The core evaluators the quota's limits concern, plus an object count for each other {@code count/} name. */
    private static List<Evaluator> evaluators(Set<String> hard) {
        List<Evaluator> evaluators = new ArrayList<>();
        Set<String> covered = new TreeSet<>();
        for (Evaluator e : Evaluators.core()) {
            Set<String> matched = e.matchingResources(hard);
            if (!matched.isEmpty()) {
                evaluators.add(e);
                covered.addAll(matched);
            }
        }
        for (String name : hard) {
            if (!covered.contains(name)) {
                Evaluators.countedResource(name).ifPresent(gr -> evaluators.add(Evaluators.forResource(gr.group(), gr.resource())));
            }
        }
        return evaluators;
    }

    /** The namespace's objects of the evaluator's resource: from the shared cache for the core ones, else listed through the API. */
    private List<? extends HasMetadata> objects(Evaluator evaluator, String namespace) {
        var informer = evaluator.group().isEmpty() ? monitored.get(evaluator.resource()) : null;
        if (informer != null) {
            return informer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace);
        }
        try {
            String version = evaluator.group().isEmpty() ? "v1" : client.getApiGroup(evaluator.group()) == null ? null
                    : client.getApiGroup(evaluator.group()).getPreferredVersion().getVersion();
            if (version == null) {
                return List.of(); // a group this server does not serve: nothing of it exists
            }
            var context = new ResourceDefinitionContext.Builder().withGroup(evaluator.group()).withVersion(version)
                    .withPlural(evaluator.resource()).withNamespaced(true).build();
            List<GenericKubernetesResource> items = client.genericKubernetesResources(context).inNamespace(namespace).list().getItems();
            return items;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                LOG.info("quota counts {}.{} which this server does not serve: nothing counted", evaluator.resource(), evaluator.group());
                return List.of();
            }
            throw e;
        }
    }

    private static Map<String, Quantity> hard(ResourceQuota quota) {
        return quota.getSpec() == null || quota.getSpec().getHard() == null ? Map.of() : quota.getSpec().getHard();
    }

    private static boolean hardMatchesSpec(ResourceQuota quota) {
        Map<String, Quantity> statusHard = quota.getStatus() == null || quota.getStatus().getHard() == null ? Map.of() : quota.getStatus().getHard();
        return ResourceLists.equal(statusHard, hard(quota));
    }

    @Override
    public void close() throws Exception {
        controller.close();
    }
}
