package dev.skiff.controller.deployment;

import static dev.skiff.controller.deployment.DeploymentUtil.available;
import static dev.skiff.controller.deployment.DeploymentUtil.ready;
import static dev.skiff.controller.deployment.DeploymentUtil.replicas;
import static dev.skiff.controller.deployment.DeploymentUtil.revision;
import static dev.skiff.controller.deployment.DeploymentUtil.statusReplicas;

import dev.skiff.api.selector.LabelSelector;
import dev.skiff.client.controller.Controller;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import dev.skiff.controller.ControllerRefManager;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Upstream's Deployment controller (pkg/controller/deployment): owns ReplicaSets named
 * {@code <deployment>-<pod-template-hash>}, one per template revision; rolls out a changed template
 * with RollingUpdate (maxSurge/maxUnavailable) or Recreate, scales, pauses, keeps
 * revisionHistoryLimit old sets, and reports replicas and the Available/Progressing conditions so
 * that {@code kubectl rollout status|history|undo|restart|pause} work.
 */
public final class DeploymentController implements AutoCloseable {
    public static final String NAME = "deployment";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, DeploymentController::start);

    private final KubernetesClient client;
    private final Clock clock;
    private final Lister<Deployment> deployments;
    private final SharedIndexInformer<Deployment> deploymentInformer;
    private final SharedIndexInformer<ReplicaSet> setInformer;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;
    private final EventRecorder events;

    private DeploymentController(ControllerContext context) {
        this.client = context.client();
        this.clock = context.clock();
        this.queue = RateLimitingQueue.withDefaultRateLimiter(clock);
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.events = context.eventRecorder("deployment-controller");
        this.deploymentInformer = context.informers().sharedIndexInformerFor(Deployment.class, 0);
        this.deployments = new Lister<>(deploymentInformer.getIndexer());
        this.setInformer = context.informers().sharedIndexInformerFor(ReplicaSet.class, 0);
        deploymentInformer.addEventHandler(controller.enqueueingHandler());
        setInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ReplicaSet rs) {
                enqueueOwner(rs);
            }

            @Override
            public void onUpdate(ReplicaSet oldRs, ReplicaSet newRs) {
                enqueueOwner(oldRs);
                enqueueOwner(newRs);
            }

            @Override
            public void onDelete(ReplicaSet rs, boolean finalStateUnknown) {
                enqueueOwner(rs);
            }
        });
    }

    static AutoCloseable start(ControllerContext context) {
        var dc = new DeploymentController(context);
        context.runWhenSynced(dc.controller, List.of(dc.deploymentInformer, dc.setInformer));
        return dc;
    }

    private void enqueueOwner(ReplicaSet rs) {
        OwnerReference ref = ControllerRefManager.controllerRef(rs);
        if (ref != null && "Deployment".equals(ref.getKind())) {
            queue.add(rs.getMetadata().getNamespace() + "/" + ref.getName());
            return;
        }
        Map<String, String> labels = rs.getMetadata().getLabels() == null ? Map.of() : rs.getMetadata().getLabels();
        for (Deployment d : deployments.namespace(rs.getMetadata().getNamespace()).list()) {
            if (LabelSelector.from(d.getSpec().getSelector()).matches(labels)) {
                queue.add(Cache.metaNamespaceKeyFunc(d));
            }
        }
    }

    // --- sync

    void sync(String key) throws Exception {
        var k = Controller.ObjectKey.parse(key);
        Deployment d = deployments.namespace(k.namespace()).get(k.name());
        if (d == null) {
            return;
        }
        LabelSelector selector = LabelSelector.from(d.getSpec().getSelector());
        if (selector.isEmpty()) {
            events.event(d, EventRecorder.WARNING, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            return;
        }
        List<ReplicaSet> sets = claimReplicaSets(d, selector);
        if (d.getMetadata().getDeletionTimestamp() != null) {
            updateStatus(d, sets, newReplicaSet(d, sets), null);
            return;
        }
        boolean paused = Boolean.TRUE.equals(d.getSpec().getPaused());
        if (paused || isScalingEvent(d, sets)) {
            ReplicaSet newRs = paused ? newReplicaSet(d, sets) : syncRevision(d, sets, false);
            scale(d, newRs, sets);
            updateStatus(d, refreshed(d, selector), newRs, paused ? pausedCondition(d) : null);
            return;
        }
        if ("Recreate".equals(strategyType(d))) {
            rolloutRecreate(d, sets, selector);
        } else {
            rolloutRolling(d, sets, selector);
        }
    }

    /** The sets this deployment controls, adopting matching orphans and releasing sets that stopped matching. */
    private List<ReplicaSet> claimReplicaSets(Deployment d, LabelSelector selector) {
        return new ControllerRefManager<ReplicaSet>(client, d, selector)
                .claim(setInformer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, d.getMetadata().getNamespace()));
    }

    private List<ReplicaSet> refreshed(Deployment d, LabelSelector selector) {
        // the sets as just written: read through the API rather than wait for the informer
        return client.apps().replicaSets().inNamespace(d.getMetadata().getNamespace()).list().getItems().stream()
                .filter(rs -> ControllerRefManager.controllerRef(rs) != null && d.getMetadata().getUid().equals(ControllerRefManager.controllerRef(rs).getUid())).toList();
    }

    private void rolloutRolling(Deployment d, List<ReplicaSet> sets, LabelSelector selector) {
        ReplicaSet newRs = syncRevision(d, sets, true);
        DeploymentCondition created = createdCondition(d, sets, newRs);
        List<ReplicaSet> old = sets.stream().filter(rs -> !rs.getMetadata().getUid().equals(newRs.getMetadata().getUid())).toList();
        List<ReplicaSet> all = new ArrayList<>(old);
        all.add(newRs); // as just written (it may have been created or updated this sync)
        sets = all;
        if (reconcileNewReplicaSet(d, newRs, sets)) {
            updateStatus(d, refreshed(d, selector), newRs, created);
            return;
        }
        if (reconcileOldReplicaSets(d, newRs, old, sets)) {
            updateStatus(d, refreshed(d, selector), newRs, created);
            return;
        }
        List<ReplicaSet> now = refreshed(d, selector);
        if (complete(d, now, newRs)) {
            cleanup(d, now, newRs);
        }
        updateStatus(d, now, newRs, created);
    }

    private void rolloutRecreate(Deployment d, List<ReplicaSet> sets, LabelSelector selector) {
        ReplicaSet newRs = syncRevision(d, sets, false);
        List<ReplicaSet> old = sets.stream().filter(rs -> newRs == null || !rs.getMetadata().getUid().equals(newRs.getMetadata().getUid())).toList();
        boolean scaledDown = false;
        for (ReplicaSet rs : old) {
            if (replicas(rs) != 0) {
                scaleReplicaSet(d, rs, 0);
                scaledDown = true;
            }
        }
        if (scaledDown || old.stream().anyMatch(rs -> statusReplicas(rs) > 0)) {
            // old pods must be gone before new ones start
            updateStatus(d, refreshed(d, selector), newRs, null);
            return;
        }
        ReplicaSet current = newRs != null ? newRs : syncRevision(d, sets, true);
        DeploymentCondition created = createdCondition(d, sets, current);
        if (replicas(current) != replicas(d)) {
            scaleReplicaSet(d, current, replicas(d));
        }
        List<ReplicaSet> now = refreshed(d, selector);
        if (complete(d, now, current)) {
            cleanup(d, now, current);
        }
        updateStatus(d, now, current, created);
    }

    /** Upstream's NewRSNewReplicas and reconcileNewReplicaSet: grow the new set within maxSurge, or shrink it to the desired count. */
    private boolean reconcileNewReplicaSet(Deployment d, ReplicaSet newRs, List<ReplicaSet> all) {
        int want = replicas(d);
        int current = replicas(newRs);
        if (current == want) {
            return false;
        }
        if (current > want) {
            scaleReplicaSet(d, newRs, want);
            return true;
        }
        int surge = DeploymentUtil.surgeAndUnavailable(d)[0];
        int total = all.stream().mapToInt(DeploymentUtil::replicas).sum();
        int maxTotal = want + surge;
        if (total >= maxTotal) {
            return false;
        }
        int scaleUp = Math.min(maxTotal - total, want - current);
        scaleReplicaSet(d, newRs, current + scaleUp);
        return true;
    }

    /** Upstream's reconcileOldReplicaSets: shrink old sets without going under minAvailable, unhealthy pods first. */
    private boolean reconcileOldReplicaSets(Deployment d, ReplicaSet newRs, List<ReplicaSet> old, List<ReplicaSet> all) {
        int oldCount = old.stream().mapToInt(DeploymentUtil::replicas).sum();
        if (oldCount == 0) {
            return false;
        }
        int allCount = all.stream().mapToInt(DeploymentUtil::replicas).sum();
        int minAvailable = replicas(d) - DeploymentUtil.surgeAndUnavailable(d)[1];
        int newUnavailable = replicas(newRs) - available(newRs);
        int maxScaledDown = allCount - minAvailable - newUnavailable;
        if (maxScaledDown <= 0) {
            return false;
        }
        List<ReplicaSet> oldestFirst = new ArrayList<>(old);
        oldestFirst.sort(Comparator.comparing((ReplicaSet rs) -> rs.getMetadata().getCreationTimestamp()).thenComparing(rs -> rs.getMetadata().getName()));
        int scaledDown = 0;
        Map<String, Integer> sizes = new HashMap<>();
        // unhealthy replicas first: they cost no availability
        for (ReplicaSet rs : oldestFirst) {
            if (scaledDown >= maxScaledDown) {
                break;
            }
            int unhealthy = replicas(rs) - available(rs);
            if (replicas(rs) == 0 || unhealthy <= 0) {
                continue;
            }
            int down = Math.min(unhealthy, maxScaledDown - scaledDown);
            sizes.put(rs.getMetadata().getName(), replicas(rs) - down);
            scaledDown += down;
        }
        // then healthy ones, down to minAvailable across all sets
        int availableNow = all.stream().mapToInt(DeploymentUtil::available).sum();
        int canRemove = Math.min(availableNow - minAvailable, maxScaledDown - scaledDown);
        for (ReplicaSet rs : oldestFirst) {
            if (canRemove <= 0) {
                break;
            }
            int size = sizes.getOrDefault(rs.getMetadata().getName(), replicas(rs));
            int down = Math.min(size, canRemove);
            if (down > 0) {
                sizes.put(rs.getMetadata().getName(), size - down);
                canRemove -= down;
                scaledDown += down;
            }
        }
        for (ReplicaSet rs : oldestFirst) {
            Integer size = sizes.get(rs.getMetadata().getName());
            if (size != null && size != replicas(rs)) {
                scaleReplicaSet(d, rs, size);
            }
        }
        return scaledDown > 0;
    }

    /**
     * Upstream's scale (sync.go), on a scaling event or while paused: one active set (or none: the
     * newest) takes the whole count; a saturated new set sends the old ones to 0; otherwise a rolling
     * deployment's active sets share the change in proportion to their sizes, so that scaling mid-rollout
     * neither hastens nor reverses it.
     */
    private void scale(Deployment d, ReplicaSet newRs, List<ReplicaSet> sets) {
        List<ReplicaSet> old = sets.stream().filter(rs -> newRs == null || !rs.getMetadata().getUid().equals(newRs.getMetadata().getUid())).toList();
        List<ReplicaSet> all = new ArrayList<>(old);
        if (newRs != null) {
            all.add(newRs); // as syncRevision just wrote it
        }
        List<ReplicaSet> active = all.stream().filter(rs -> replicas(rs) > 0).toList();
        if (active.size() <= 1) {
            ReplicaSet target = !active.isEmpty() ? active.getFirst() : newRs != null ? newRs : old.stream()
                    .max(Comparator.comparing((ReplicaSet rs) -> rs.getMetadata().getCreationTimestamp())).orElse(null);
            // the annotations too when the size already matches, or every sync would count as a scaling event
            if (target != null) {
                scaleReplicaSet(d, target, replicas(d));
            }
            return;
        }
        if (saturated(d, newRs)) {
            for (ReplicaSet rs : old) {
                if (replicas(rs) > 0) {
                    scaleReplicaSet(d, rs, 0);
                }
            }
            return;
        }
        if (DeploymentUtil.isRollingUpdate(d)) {
            for (var resize : DeploymentUtil.proportionalSizes(d, active)) {
                scaleReplicaSet(d, resize.set(), resize.replicas());
            }
        }
    }

    /** Upstream's IsSaturated: the new set has all the replicas, was scaled for them, and all are available. */
    private static boolean saturated(Deployment d, ReplicaSet newRs) {
        return newRs != null && replicas(newRs) == replicas(d) && DeploymentUtil.intAnnotation(newRs, DeploymentUtil.DESIRED_REPLICAS) == replicas(d)
                && available(newRs) == replicas(d);
    }

    /** Upstream's isScalingEvent: an active set was last scaled for another replica count than the deployment's. */
    private boolean isScalingEvent(Deployment d, List<ReplicaSet> sets) {
        return sets.stream().filter(rs -> replicas(rs) > 0).mapToInt(rs -> DeploymentUtil.intAnnotation(rs, DeploymentUtil.DESIRED_REPLICAS))
                .anyMatch(desired -> desired >= 0 && desired != replicas(d));
    }

    private static boolean annotationsCurrent(Deployment d, ReplicaSet rs) {
        return DeploymentUtil.intAnnotation(rs, DeploymentUtil.DESIRED_REPLICAS) == replicas(d)
                && DeploymentUtil.intAnnotation(rs, DeploymentUtil.MAX_REPLICAS) == DeploymentUtil.maxReplicas(d);
    }

    /** Upstream's scaleReplicaSet: the new size and the desired-replicas/max-replicas annotations, written when either changes. */
    private ReplicaSet scaleReplicaSet(Deployment d, ReplicaSet rs, int size) {
        int from = replicas(rs);
        if (from == size && annotationsCurrent(d, rs)) {
            return rs;
        }
        Map<String, String> annotations = new HashMap<>(rs.getMetadata().getAnnotations() == null ? Map.of() : rs.getMetadata().getAnnotations());
        annotations.put(DeploymentUtil.DESIRED_REPLICAS, Integer.toString(replicas(d)));
        annotations.put(DeploymentUtil.MAX_REPLICAS, Integer.toString(DeploymentUtil.maxReplicas(d)));
        ReplicaSet updated = client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(new ReplicaSetBuilder(rs)
                .editMetadata().withAnnotations(annotations).endMetadata().editSpec().withReplicas(size).endSpec().build()).update();
        if (from != size) {
            events.eventf(d, EventRecorder.NORMAL, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d",
                    size > from ? "up" : "down", rs.getMetadata().getName(), from, size);
        }
        return updated;
    }

    /** The set whose template equals the deployment's (the oldest, if several), or null. */
    private static ReplicaSet newReplicaSet(Deployment d, List<ReplicaSet> sets) {
        return sets.stream().filter(rs -> DeploymentUtil.equalIgnoreHash(rs.getSpec().getTemplate(), d.getSpec().getTemplate()))
                .min(Comparator.comparing((ReplicaSet rs) -> rs.getMetadata().getCreationTimestamp())).orElse(null);
    }

    /**
     * Upstream's getAllReplicaSetsAndSyncRevision: the new set gets revision max(old)+1 (created when
     * {@code create} and missing, with replicas per the strategy), and the deployment carries the same revision.
     */
    private ReplicaSet syncRevision(Deployment d, List<ReplicaSet> sets, boolean create) {
        ReplicaSet existing = newReplicaSet(d, sets);
        long maxOld = sets.stream().filter(rs -> rs != existing).mapToLong(DeploymentUtil::revision).max().orElse(0);
        long newRevision = maxOld + 1;
        ReplicaSet result = existing;
        if (existing != null) {
            if (revision(existing) < newRevision || !Objects.equals(existing.getSpec().getMinReadySeconds(), d.getSpec().getMinReadySeconds())) {
                Map<String, String> annotations = new HashMap<>(existing.getMetadata().getAnnotations() == null ? Map.of()
                        : existing.getMetadata().getAnnotations());
                annotations.put(DeploymentUtil.REVISION, Long.toString(Math.max(newRevision, revision(existing))));
                result = client.apps().replicaSets().inNamespace(existing.getMetadata().getNamespace()).resource(new ReplicaSetBuilder(existing)
                        .editMetadata().withAnnotations(annotations).endMetadata()
                        .editSpec().withMinReadySeconds(d.getSpec().getMinReadySeconds()).endSpec().build()).update();
            }
        } else if (create) {
            result = createReplicaSet(d, sets, newRevision);
        } else {
            return null;
        }
        setDeploymentRevision(d, Long.toString(revision(result)));
        return result;
    }

    private ReplicaSet createReplicaSet(Deployment d, List<ReplicaSet> sets, long revision) {
        Integer collisions = d.getStatus() == null ? null : d.getStatus().getCollisionCount();
        String hash = DeploymentUtil.podTemplateHash(d.getSpec().getTemplate(), collisions);
        var template = new PodTemplateSpecBuilder(d.getSpec().getTemplate()).editOrNewMetadata().addToLabels(DeploymentUtil.POD_TEMPLATE_HASH, hash)
                .endMetadata().build();
        int size;
        if ("Recreate".equals(strategyType(d))) {
            size = replicas(d);
        } else {
            int total = sets.stream().mapToInt(DeploymentUtil::replicas).sum();
            int maxTotal = DeploymentUtil.maxReplicas(d);
            size = Math.max(0, Math.min(maxTotal - total, replicas(d)));
        }
        Map<String, String> annotations = new HashMap<>(d.getMetadata().getAnnotations() == null ? Map.of() : d.getMetadata().getAnnotations());
        annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        annotations.put(DeploymentUtil.REVISION, Long.toString(revision));
        annotations.put(DeploymentUtil.DESIRED_REPLICAS, Integer.toString(replicas(d)));
        annotations.put(DeploymentUtil.MAX_REPLICAS, Integer.toString(DeploymentUtil.maxReplicas(d)));
        ReplicaSet rs = new ReplicaSetBuilder().withNewMetadata().withName(d.getMetadata().getName() + "-" + hash)
                .withNamespace(d.getMetadata().getNamespace()).withLabels(template.getMetadata().getLabels()).withAnnotations(annotations)
                .withOwnerReferences(ControllerRefManager.newControllerRef(d)).endMetadata()
                .withNewSpec().withReplicas(size).withMinReadySeconds(d.getSpec().getMinReadySeconds())
                .withNewSelectorLike(d.getSpec().getSelector()).addToMatchLabels(DeploymentUtil.POD_TEMPLATE_HASH, hash).endSelector()
                .withTemplate(template).endSpec().build();
        try {
            ReplicaSet created = client.apps().replicaSets().inNamespace(d.getMetadata().getNamespace()).resource(rs).create();
            if (size > 0) {
                events.eventf(d, EventRecorder.NORMAL, "ScalingReplicaSet", "Scaled up replica set %s from 0 to %d", created.getMetadata().getName(), size);
            }
            return created;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                // a set of that name exists with another template: count the collision, as upstream, and retry
                int next = collisions == null ? 1 : collisions + 1;
                client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(new DeploymentBuilder(d)
                        .editOrNewStatus().withCollisionCount(next).endStatus().build()).updateStatus();
            }
            throw e;
        }
    }

    private void setDeploymentRevision(Deployment d, String revision) {
        String current = d.getMetadata().getAnnotations() == null ? null : d.getMetadata().getAnnotations().get(DeploymentUtil.REVISION);
        if (revision.equals(current)) {
            return;
        }
        client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).withName(d.getMetadata().getName())
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"" + DeploymentUtil.REVISION + "\":\"" + revision + "\"}}}");
    }

    /** Old sets scaled to zero beyond revisionHistoryLimit (default 10) are deleted, oldest first. */
    private void cleanup(Deployment d, List<ReplicaSet> sets, ReplicaSet newRs) {
        int limit = d.getSpec().getRevisionHistoryLimit() == null ? 10 : d.getSpec().getRevisionHistoryLimit();
        List<ReplicaSet> idle = sets.stream().filter(rs -> !rs.getMetadata().getUid().equals(newRs.getMetadata().getUid()))
                .filter(rs -> replicas(rs) == 0 && statusReplicas(rs) == 0 && rs.getMetadata().getDeletionTimestamp() == null)
                .sorted(Comparator.comparingLong(DeploymentUtil::revision)).toList();
        for (int i = 0; i < idle.size() - limit; i++) {
            client.apps().replicaSets().inNamespace(d.getMetadata().getNamespace()).withName(idle.get(i).getMetadata().getName()).delete();
        }
    }

    // --- status

    private boolean complete(Deployment d, List<ReplicaSet> sets, ReplicaSet newRs) {
        int want = replicas(d);
        int total = sets.stream().mapToInt(DeploymentUtil::statusReplicas).sum();
        int availableAll = sets.stream().mapToInt(DeploymentUtil::available).sum();
        return newRs != null && statusReplicas(current(sets, newRs)) == want && total == want && availableAll == want;
    }

    private static ReplicaSet current(List<ReplicaSet> sets, ReplicaSet rs) {
        return sets.stream().filter(s -> s.getMetadata().getUid().equals(rs.getMetadata().getUid())).findFirst().orElse(rs);
    }

    /**
     * A new set made by this sync: upstream's getNewReplicaSet sets Progressing=True NewReplicaSetCreated, from which the
     * progress deadline counts until the rollout makes progress.
     */
    private DeploymentCondition createdCondition(Deployment d, List<ReplicaSet> before, ReplicaSet newRs) {
        if (newRs == null || d.getSpec().getProgressDeadlineSeconds() == null
                || before.stream().anyMatch(rs -> rs.getMetadata().getUid().equals(newRs.getMetadata().getUid()))) {
            return null;
        }
        DeploymentCondition created = condition("Progressing", "True", "NewReplicaSetCreated",
                "Created new replica set \"" + newRs.getMetadata().getName() + "\"");
        // written at once, as upstream: the status update at the end of this sync may meet a conflict (the revision
        // annotation just changed the deployment), and the retry no longer sees the set as new
        Map<String, DeploymentCondition> conditions = new java.util.LinkedHashMap<>();
        if (d.getStatus() != null && d.getStatus().getConditions() != null) {
            d.getStatus().getConditions().forEach(c -> conditions.put(c.getType(), c));
        }
        setCondition(conditions, created);
        client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(new DeploymentBuilder(d)
                .editMetadata().withResourceVersion(null).endMetadata()
                .editOrNewStatus().withConditions(new ArrayList<>(conditions.values())).endStatus().build()).patchStatus();
        return created;
    }

    private void updateStatus(Deployment d, List<ReplicaSet> sets, ReplicaSet newRs, DeploymentCondition progressOverride) {
        updateStatus(d, sets, newRs, progressOverride, null);
    }

    /**
     * @param progressOverride the Progressing condition to report regardless (paused)
     * @param created          the condition of a set created this sync, taken as the starting point before progress is judged
     */
    private void updateStatus(Deployment d, List<ReplicaSet> sets, ReplicaSet newRs, DeploymentCondition progressOverride,
                              DeploymentCondition created) {
        int want = replicas(d);
        int total = sets.stream().mapToInt(DeploymentUtil::statusReplicas).sum();
        int updated = newRs == null ? 0 : statusReplicas(current(sets, newRs));
        int readyAll = sets.stream().mapToInt(DeploymentUtil::ready).sum();
        int availableAll = sets.stream().mapToInt(DeploymentUtil::available).sum();
        int minAvailable = want - DeploymentUtil.surgeAndUnavailable(d)[1];
        DeploymentStatus old = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
        Map<String, DeploymentCondition> conditions = new java.util.LinkedHashMap<>();
        if (old.getConditions() != null) {
            old.getConditions().forEach(c -> conditions.put(c.getType(), c));
        }
        if (created != null) {
            setCondition(conditions, created);
        }
        setCondition(conditions, availableAll >= minAvailable
                ? condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
                : condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."));
        String rsName = newRs == null ? "" : newRs.getMetadata().getName();
        boolean done = newRs != null && updated == want && total == want && availableAll == want;
        DeploymentCondition progressing;
        if (progressOverride != null) {
            progressing = progressOverride;
        } else if (total == updated && conditions.get("Progressing") != null
                && "NewReplicaSetAvailable".equals(conditions.get("Progressing").getReason())) {
            progressing = conditions.get("Progressing"); // a complete rollout being scaled: no progress to judge (upstream's isCompleteDeployment)
        } else if (done) {
            progressing = condition("Progressing", "True", "NewReplicaSetAvailable", "ReplicaSet \"" + rsName + "\" has successfully progressed.");
        } else if (newRs != null && (updated > zero(old.getUpdatedReplicas()) || readyAll > zero(old.getReadyReplicas())
                || availableAll > zero(old.getAvailableReplicas()) || total - updated < zero(old.getReplicas()) - zero(old.getUpdatedReplicas()))) {
            progressing = condition("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"" + rsName + "\" is progressing.");
        } else if (timedOut(d, conditions.get("Progressing"))) {
            progressing = condition("Progressing", "False", "ProgressDeadlineExceeded", "ReplicaSet \"" + rsName + "\" has timed out progressing.");
        } else {
            progressing = conditions.get("Progressing");
        }
        if (progressing != null) {
            setCondition(conditions, progressing);
        }
        DeploymentStatus status = new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(total).withUpdatedReplicas(updated).withReadyReplicas(readyAll).withAvailableReplicas(availableAll)
                .withUnavailableReplicas(Math.max(0, want - availableAll)).withCollisionCount(old.getCollisionCount())
                .withConditions(new ArrayList<>(conditions.values())).build();
        if (!sameStatus(old, status)) {
            try {
                client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(new DeploymentBuilder(d).withStatus(status)
                        .build()).updateStatus();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404 && e.getCode() != 409) {
                    throw e;
                }
                queue.add(Cache.metaNamespaceKeyFunc(d));
            }
        }
        if (!done && d.getSpec().getProgressDeadlineSeconds() != null && !Boolean.TRUE.equals(d.getSpec().getPaused())) {
            queue.addAfter(Cache.metaNamespaceKeyFunc(d), Duration.ofSeconds(d.getSpec().getProgressDeadlineSeconds() + 1L));
        }
    }

    private boolean timedOut(Deployment d, DeploymentCondition progressing) {
        if (d.getSpec().getProgressDeadlineSeconds() == null || progressing == null || progressing.getLastUpdateTime() == null
                || "NewReplicaSetAvailable".equals(progressing.getReason())) {
            return false;
        }
        return Instant.parse(progressing.getLastUpdateTime()).plusSeconds(d.getSpec().getProgressDeadlineSeconds()).isBefore(clock.instant());
    }

    private DeploymentCondition pausedCondition(Deployment d) {
        return condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused");
    }

    private DeploymentCondition condition(String type, String status, String reason, String message) {
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        return new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastUpdateTime(now).withLastTransitionTime(now).build();
    }

    /** Keeps the transition time when the status does not change, and the update time when nothing changes (upstream's SetDeploymentCondition). */
    private static void setCondition(Map<String, DeploymentCondition> conditions, DeploymentCondition c) {
        DeploymentCondition existing = conditions.get(c.getType());
        if (existing != null && Objects.equals(existing.getStatus(), c.getStatus()) && Objects.equals(existing.getReason(), c.getReason())
                && Objects.equals(existing.getMessage(), c.getMessage())) {
            return;
        }
        if (existing != null && Objects.equals(existing.getStatus(), c.getStatus())) {
            c.setLastTransitionTime(existing.getLastTransitionTime());
        }
        conditions.put(c.getType(), c);
    }

    private static boolean sameStatus(DeploymentStatus a, DeploymentStatus b) {
        return Objects.equals(a.getObservedGeneration(), b.getObservedGeneration()) && zero(a.getReplicas()) == zero(b.getReplicas())
                && zero(a.getUpdatedReplicas()) == zero(b.getUpdatedReplicas()) && zero(a.getReadyReplicas()) == zero(b.getReadyReplicas())
                && zero(a.getAvailableReplicas()) == zero(b.getAvailableReplicas())
                && zero(a.getUnavailableReplicas()) == zero(b.getUnavailableReplicas())
                && Objects.equals(a.getConditions(), b.getConditions());
    }

    private static int zero(Integer v) {
        return v == null ? 0 : v;
    }

    private static String strategyType(Deployment d) {
        return d.getSpec().getStrategy() == null || d.getSpec().getStrategy().getType() == null ? "RollingUpdate" : d.getSpec().getStrategy().getType();
    }

    @Override
    public void close() throws Exception {
        controller.close();
        events.close();
    }
}
