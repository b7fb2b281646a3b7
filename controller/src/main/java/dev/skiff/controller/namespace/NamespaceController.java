package dev.skiff.controller.namespace;

import dev.skiff.client.controller.Controller;
import dev.skiff.client.rest.RawRequests;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceCondition;
import io.fabric8.kubernetes.api.model.NamespaceConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's namespace controller (pkg/controller/namespace): a namespace being deleted still carries
 * the {@code kubernetes} spec finalizer; the controller deletes every namespaced object in it (each
 * resource discovery lists with list and delete verbs; deletecollection where served, with background
 * propagation), reports progress in the namespace's deletion conditions, and once nothing is left it
 * removes its finalizer through {@code namespaces/<name>/finalize}, after which the API server removes
 * the namespace.
 */
public final class NamespaceController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NamespaceController.class);
    public static final String NAME = "namespace";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, NamespaceController::start);
    static final String FINALIZER = "kubernetes";
    /** How soon a namespace whose content is still going away is looked at again. */
    static final Duration REMAINING_RECHECK = Duration.ofSeconds(1);

    private final KubernetesClient client;
    private final Clock clock;
    private final Lister<Namespace> namespaces;
    private final SharedIndexInformer<Namespace> informer;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;

    private NamespaceController(ControllerContext context) {
        this.client = context.client();
        this.clock = context.clock();
        this.queue = RateLimitingQueue.withDefaultRateLimiter(clock);
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.informer = context.informers().sharedIndexInformerFor(Namespace.class, 0);
        this.namespaces = new Lister<>(informer.getIndexer());
        informer.addEventHandler(controller.enqueueingHandler());
    }

    static AutoCloseable start(ControllerContext context) {
        var namespaceController = new NamespaceController(context);
        context.runWhenSynced(namespaceController.controller, List.of(namespaceController.informer));
        return namespaceController;
    }

    void sync(String name) {
        Namespace cached = namespaces.get(name);
        if (cached == null || cached.getMetadata().getDeletionTimestamp() == null || !hasFinalizer(cached)) {
            return;
        }
        // the latest state decides (upstream re-reads too): a stale cache must not finalize twice
        Namespace namespace = client.namespaces().withName(name).get();
        if (namespace == null || namespace.getMetadata().getDeletionTimestamp() == null || !hasFinalizer(namespace)) {
            return;
        }
        var conditions = new DeletionConditions();
        Remaining remaining = deleteAllContent(name, conditions);
        writeConditions(namespace, conditions);
        if (!remaining.isEmpty()) {
            LOG.info("namespace={} content remaining: {}", name, remaining.counts);
            queue.addAfter(name, REMAINING_RECHECK);
            return;
        }
        finalizeNamespace(namespace);
    }

    private static boolean hasFinalizer(Namespace namespace) {
        return namespace.getSpec() != null && namespace.getSpec().getFinalizers() != null
                && namespace.getSpec().getFinalizers().contains(FINALIZER);
    }

    /** What is still in the namespace: instances per resource ("pods.", "deployments.apps"), and finalizers seen on them. */
    private static final class Remaining {
        final Map<String, Integer> counts = new TreeMap<>();
        final Map<String, Integer> finalizers = new TreeMap<>();

        boolean isEmpty() {
            return counts.isEmpty();
        }
    }

    /** A namespaced resource the controller empties: its list/delete path and whether deletecollection is served. */
    record DeletableResource(String group, String groupVersion, String resource, boolean deleteCollection) {
        String path(String namespace) {
            String prefix = group.isEmpty() ? "/api/" : "/apis/";
            return prefix + groupVersion + "/namespaces/" + RawRequests.segment(namespace) + "/" + resource;
        }

        String qualifiedName() {
            return resource + "." + group;
        }
    }

    /** Every namespaced resource discovery lists (preferred version per group) with list and delete verbs, as upstream. */
    List<DeletableResource> discover() {
        List<DeletableResource> found = new ArrayList<>();
        addResources(found, "", "v1", "/api/v1");
        APIGroupList groups = Serialization.unmarshal(RawRequests.send(client, "GET", "/apis", null), APIGroupList.class);
        for (APIGroup group : groups.getGroups()) {
            String preferred = group.getPreferredVersion() != null ? group.getPreferredVersion().getGroupVersion()
                    : group.getVersions().getFirst().getGroupVersion();
            addResources(found, group.getName(), preferred, "/apis/" + preferred);
        }
        return found;
    }

    private void addResources(List<DeletableResource> found, String group, String groupVersion, String path) {
        APIResourceList list = Serialization.unmarshal(RawRequests.send(client, "GET", path, null), APIResourceList.class);
        for (APIResource r : list.getResources()) {
            if (r.getName().contains("/") || !Boolean.TRUE.equals(r.getNamespaced())) {
                continue; // subresources and cluster-scoped resources are not content
            }
            List<String> verbs = r.getVerbs() == null ? List.of() : r.getVerbs();
            if (verbs.contains("list") && verbs.contains("delete")) {
                found.add(new DeletableResource(group, groupVersion, r.getName(), verbs.contains("deletecollection")));
            }
        }
    }

    private Remaining deleteAllContent(String namespace, DeletionConditions conditions) {
        var remaining = new Remaining();
        List<DeletableResource> resources;
        try {
            resources = discover();
            conditions.discovered(null);
        } catch (KubernetesClientException e) {
            conditions.discovered(e.getMessage());
            // nothing known to be deleted: keep the namespace and try again
            remaining.counts.put("(discovery failed)", 1);
            return remaining;
        }
        List<String> deleteErrors = new ArrayList<>();
        for (DeletableResource resource : resources) {
            try {
                deleteResource(namespace, resource, remaining);
            } catch (KubernetesClientException e) {
                deleteErrors.add(resource.qualifiedName() + ": " + e.getMessage());
                remaining.counts.merge(resource.qualifiedName(), 1, Integer::sum);
            }
        }
        conditions.contentDeleted(deleteErrors);
        conditions.remaining(remaining);
        return remaining;
    }

    /** Deletes the resource's objects in the namespace, then counts what is left (objects finishing their finalizers or grace). */
    private void deleteResource(String namespace, DeletableResource resource, Remaining remaining) {
        var background = new DeleteOptionsBuilder().withApiVersion("v1").withKind("DeleteOptions").withPropagationPolicy("Background").build();
        String path = resource.path(namespace);
        if (resource.deleteCollection()) {
            RawRequests.send(client, "DELETE", path, background);
        } else {
            for (GenericKubernetesResource item : list(path)) {
                if (item.getMetadata().getDeletionTimestamp() == null) {
                    try {
                        RawRequests.send(client, "DELETE", path + "/" + RawRequests.segment(item.getMetadata().getName()), background);
                    } catch (KubernetesClientException e) {
                        if (e.getCode() != 404) {
                            throw e;
                        }
                    }
                }
            }
        }
        List<GenericKubernetesResource> left = list(path);
        if (!left.isEmpty()) {
            remaining.counts.put(resource.qualifiedName(), left.size());
            for (GenericKubernetesResource item : left) {
                for (String finalizer : Objects.requireNonNullElse(item.getMetadata().getFinalizers(), List.<String>of())) {
                    remaining.finalizers.merge(finalizer, 1, Integer::sum);
                }
            }
        }
    }

    private List<GenericKubernetesResource> list(String path) {
        var list = Serialization.unmarshal(RawRequests.send(client, "GET", path, null),
                io.fabric8.kubernetes.api.model.GenericKubernetesResourceList.class);
        return list.getItems() == null ? List.of() : list.getItems();
    }

    private void finalizeNamespace(Namespace namespace) {
        List<String> rest = namespace.getSpec().getFinalizers().stream().filter(f -> !f.equals(FINALIZER)).toList();
        Namespace finalized = new NamespaceBuilder(namespace).editSpec().withFinalizers(rest).endSpec().build();
        try {
            RawRequests.send(client, "PUT", "/api/v1/namespaces/" + RawRequests.segment(namespace.getMetadata().getName()) + "/finalize",
                    finalized);
            LOG.info("namespace={} emptied and finalized", namespace.getMetadata().getName());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return;
            }
            if (e.getCode() == 409) {
                queue.addRateLimited(namespace.getMetadata().getName());
                return;
            }
            throw e;
        }
    }

    private void writeConditions(Namespace namespace, DeletionConditions conditions) {
        List<NamespaceCondition> current = namespace.getStatus() == null || namespace.getStatus().getConditions() == null ? List.of()
                : namespace.getStatus().getConditions();
        List<NamespaceCondition> merged = conditions.mergeInto(current, DateTimeFormatter.ISO_INSTANT.format(clock.instant()
                .truncatedTo(ChronoUnit.SECONDS)));
        if (merged.equals(current)) {
            return;
        }
        Namespace updated = new NamespaceBuilder(namespace).editOrNewStatus().withConditions(merged).endStatus().build();
        try {
            client.namespaces().resource(updated).updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404 && e.getCode() != 409) {
                throw e;
            }
        }
    }

    /** The five deletion conditions upstream keeps on a terminating namespace, with its reasons and messages. */
    static final class DeletionConditions {
        private final Map<String, String[]> byType = new LinkedHashMap<>(); // type -> {status, reason, message}

        void discovered(String error) {
            byType.put("NamespaceDeletionDiscoveryFailure", error == null
                    ? new String[] {"False", "ResourcesDiscovered", "All resources successfully discovered"}
                    : new String[] {"True", "DiscoveryFailed", "Discovery failed for some groups: " + error});
            byType.put("NamespaceDeletionGroupVersionParsingFailure",
                    new String[] {"False", "ParsedGroupVersions", "All legacy kube types successfully parsed"});
        }

        void contentDeleted(List<String> errors) {
            byType.put("NamespaceDeletionContentFailure", errors.isEmpty()
                    ? new String[] {"False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"}
                    : new String[] {"True", "ContentDeletionFailed", "Failed to delete all resource types, " + errors.size()
                            + " remaining: " + String.join(", ", errors)});
        }

        void remaining(Remaining remaining) {
            if (remaining.counts.isEmpty()) {
                byType.put("NamespaceContentRemaining", new String[] {"False", "ContentRemoved", "All content successfully removed"});
            } else {
                List<String> parts = new ArrayList<>();
                remaining.counts.forEach((resource, n) -> parts.add(resource + " has " + n + " resource instances"));
                byType.put("NamespaceContentRemaining", new String[] {"True", "SomeResourcesRemain",
                        "Some resources are remaining: " + String.join(", ", parts)});
            }
            if (remaining.finalizers.isEmpty()) {
                byType.put("NamespaceFinalizersRemaining",
                        new String[] {"False", "ContentHasNoFinalizers", "All content-preserving finalizers finished"});
            } else {
                List<String> parts = new ArrayList<>();
                remaining.finalizers.forEach((finalizer, n) -> parts.add(finalizer + " in " + n + " resource instances"));
                byType.put("NamespaceFinalizersRemaining", new String[] {"True", "SomeFinalizersRemain",
                        "Some content in the namespace has finalizers remaining: " + String.join(", ", parts)});
            }
        }

        /** {@code current} with these conditions set; a condition whose status, reason and message are unchanged keeps its time. */
        List<NamespaceCondition> mergeInto(List<NamespaceCondition> current, String now) {
            Map<String, NamespaceCondition> out = new LinkedHashMap<>();
            for (NamespaceCondition c : current) {
                out.put(c.getType(), c);
            }
            byType.forEach((type, v) -> {
                NamespaceCondition old = out.get(type);
                if (old != null && v[0].equals(old.getStatus()) && v[1].equals(old.getReason()) && v[2].equals(old.getMessage())) {
                    return;
                }
                out.put(type, new NamespaceConditionBuilder().withType(type).withStatus(v[0]).withReason(v[1]).withMessage(v[2])
                        .withLastTransitionTime(now).build());
            });
            return new ArrayList<>(out.values());
        }
    }

    @Override
    public void close() throws Exception {
        controller.close();
    }
}
