package dev.skiff.scheduler;

import dev.skiff.api.meta.ShallowCopy;
import dev.skiff.api.selector.LabelSelector;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration;
import dev.skiff.scheduler.framework.ClusterEvent;
import dev.skiff.scheduler.framework.ClusterEvent.ActionType;
import dev.skiff.scheduler.framework.ClusterEventWithHint;
import dev.skiff.scheduler.framework.Code;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.FitError;
import dev.skiff.scheduler.framework.Framework;
import dev.skiff.scheduler.framework.Handle;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.Parallelizer;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins.Outcome;
import dev.skiff.scheduler.framework.Plugins.PreFilterResult;
import dev.skiff.scheduler.framework.QueuedPod;
import dev.skiff.scheduler.framework.Snapshot;
import dev.skiff.scheduler.framework.Status;
import dev.skiff.scheduler.framework.StorageAccess;
import dev.skiff.scheduler.framework.plugins.defaultbinder.Binder;
import dev.skiff.scheduler.internal.cache.Cache;
import dev.skiff.scheduler.internal.queue.SchedulingQueue;
import dev.skiff.scheduler.profile.InTreePlugins;
import dev.skiff.scheduler.profile.Profiles;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduling loop, as upstream's Scheduler.ScheduleOne: pop a pod, pick the profile by
 * schedulerName, find the feasible nodes (PreFilter, Filter in parallel, stopping once
 * percentageOfNodesToScore worth were found), score them, pick the best (random among ties),
 * assume it in the cache, Reserve and Permit, then bind on the binding executor. A pod no node
 * fits goes through PostFilter (preemption) and back to the queue with upstream's FitError
 * message. Cluster changes arrive through the on* handlers (the informers' side).
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
    /** Below this many nodes every node is evaluated (upstream minFeasibleNodesToFind). */
    static final int MIN_FEASIBLE_NODES_TO_FIND = 100;
    /** The adaptive percentage never goes below this (upstream minFeasibleNodesPercentageToFind). */
    static final int MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

    private final Clock clock;
    private final RandomGenerator random;
    private final int percentageOfNodesToScore;
    private final Cache cache;
    private final SchedulingQueue queue;
    private final Map<String, Framework> profiles = new LinkedHashMap<>();
    private final Map<String, Handle> handles = new HashMap<>();
    private final Snapshot snapshot = new Snapshot();
    private final Parallelizer parallelizer;
    private final Executor bindingExecutor;
    private final PodWriter podWriter;
    private final Map<String, Map<String, String>> namespaceLabels = new ConcurrentHashMap<>();
    private volatile Function<Pod, LabelSelector> defaultSpreadSelector = p -> LabelSelector.nothing();
    private volatile StorageAccess storage = StorageAccess.NONE;
    private int nextStartNodeIndex;

    /**
     * @param bindingExecutor where binding cycles run (a virtual-thread executor in a cluster;
     *                        {@code Runnable::run} binds inline)
     */
    public Scheduler(KubeSchedulerConfiguration config, Clock clock, RandomGenerator random, Binder binder, PodWriter podWriter,
                     Executor bindingExecutor) {
        this.clock = clock;
        this.random = random;
        this.percentageOfNodesToScore = config.percentageOfNodesToScore();
        this.podWriter = podWriter;
        this.bindingExecutor = bindingExecutor;
        this.parallelizer = new Parallelizer(Math.min(config.parallelism(), Runtime.getRuntime().availableProcessors()));
        this.cache = new Cache(clock, Duration.ZERO);
        Map<String, InTreePlugins.Factory> registry = InTreePlugins.registry();
        Map<String, List<ClusterEventWithHint>> events = new HashMap<>();
        for (KubeSchedulerConfiguration.Profile p : config.profiles()) {
            ProfileHandle handle = new ProfileHandle();
            Framework fwk = Profiles.newFramework(p, registry, new InTreePlugins.Context(handle, binder, random), parallelizer);
            handle.framework = fwk;
            handles.put(p.schedulerName(), handle);
            profiles.put(p.schedulerName(), fwk);
            fwk.eventsToRegister().forEach((k, v) -> events.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
        }
        Framework first = profiles.values().iterator().next();
        this.queue = new SchedulingQueue(clock, first.queueSortLess(), this::preEnqueue, events,
                Duration.ofSeconds(config.podInitialBackoffSeconds()), Duration.ofSeconds(config.podMaxBackoffSeconds()),
                Duration.ofMinutes(5));
    }

    private final class ProfileHandle implements Handle {
        Framework framework;

        @Override
        public Snapshot snapshot() {
            return snapshot;
        }

        @Override
        public Map<String, String> namespaceLabels(String namespace) {
            return namespaceLabels.getOrDefault(namespace, Map.of());
        }

        @Override
        public List<PodInfo> nominatedPodsForNode(String nodeName) {
            return queue.nominatedPodsForNode(nodeName);
        }

        @Override
        public Framework framework() {
            return framework;
        }

        @Override
        public Parallelizer parallelizer() {
            return parallelizer;
        }

        @Override
        public void deleteVictim(Pod victim, Pod preemptor) {
            LOG.info("preempting pod={} node={} preemptor={}", PodInfo.key(victim), victim.getSpec().getNodeName(), PodInfo.key(preemptor));
            podWriter.deleteVictim(victim, preemptor);
        }

        @Override
        public void clearNomination(Pod pod) {
            queue.nominate(PodInfo.of(pod), "");
            podWriter.recordFailure(pod, "Unschedulable", "preempted by a higher priority pod's nomination", "");
        }

        @Override
        public LabelSelector defaultSpreadSelector(Pod pod) {
            return defaultSpreadSelector.apply(pod);
        }

        @Override
        public StorageAccess storage() {
            return storage;
        }
    }

    private Status preEnqueue(Pod pod) {
        Framework fwk = profiles.get(schedulerName(pod));
        return fwk == null ? Status.success() : fwk.runPreEnqueuePlugins(pod);
    }

    private static String schedulerName(Pod pod) {
        String n = pod.getSpec().getSchedulerName();
        return n == null || n.isEmpty() ? KubeSchedulerConfiguration.DEFAULT_SCHEDULER_NAME : n;
    }

    public SchedulingQueue queue() {
        return queue;
    }

    public Cache cache() {
        return cache;
    }

    /** Where the default spread constraints get their selector (services, RCs, RSs, StatefulSets selecting the pod). */
    public void setDefaultSpreadSelector(Function<Pod, LabelSelector> f) {
        this.defaultSpreadSelector = f;
    }

    /** Where volume plugins read claims, volumes and classes and write bindings (the informers' listers and the API). */
    public void setStorage(StorageAccess storage) {
        this.storage = storage;
    }

    // --- cluster events (the informers' side) ---

    /** A PersistentVolume, PersistentVolumeClaim or StorageClass was added or updated: pods a volume plugin rejected may fit now. */
    public void onStorageEvent(ClusterEvent event, Object oldObj, Object newObj) {
        queue.moveAllToActiveOrBackoffQueue(event, oldObj, newObj);
    }

    public void onNamespace(String name, Map<String, String> labels) {
        namespaceLabels.put(name, labels == null ? Map.of() : Map.copyOf(labels));
    }

    public void onNodeAdd(Node node) {
        cache.addNode(node);
        queue.moveAllToActiveOrBackoffQueue(ClusterEvent.NODE_ADD, null, node);
    }

    public void onNodeUpdate(Node oldNode, Node newNode) {
        cache.updateNode(newNode);
        Set<ActionType> actions = nodeChanges(oldNode, newNode);
        if (!actions.isEmpty()) {
            queue.moveAllToActiveOrBackoffQueue(new ClusterEvent(ClusterEvent.Resource.NODE, actions, "NodeUpdate"), oldNode, newNode);
        }
    }

    public void onNodeDelete(Node node) {
        cache.removeNode(node);
    }

    /** A pod was added: bound ones go to the cache (confirming an assumption), pending ones to the queue. */
    public void onPodAdd(Pod pod) {
        if (isAssigned(pod)) {
            cache.addPod(pod);
            queue.moveAllToActiveOrBackoffQueue(ClusterEvent.ASSIGNED_POD_ADD, null, pod);
        } else if (profiles.containsKey(schedulerName(pod))) {
            queue.add(pod);
        }
    }

    public void onPodUpdate(Pod oldPod, Pod newPod) {
        if (isAssigned(newPod)) {
            if (oldPod != null && !isAssigned(oldPod)) {
                queue.delete(oldPod);
                cache.addPod(newPod);
            } else {
                cache.updatePod(oldPod, newPod);
            }
            if (oldPod != null && !Objects.equals(oldPod.getMetadata().getLabels(), newPod.getMetadata().getLabels())) {
                queue.moveAllToActiveOrBackoffQueue(ClusterEvent.of(ClusterEvent.Resource.POD, ActionType.UPDATE_POD_LABEL), oldPod, newPod);
            }
        } else if (profiles.containsKey(schedulerName(newPod))) {
            queue.update(oldPod, newPod);
        }
    }

    public void onPodDelete(Pod pod) {
        if (isAssigned(pod)) {
            cache.removePod(pod);
            queue.moveAllToActiveOrBackoffQueue(ClusterEvent.ASSIGNED_POD_DELETE, pod, null);
        } else {
            queue.delete(pod);
        }
    }

    private static boolean isAssigned(Pod pod) {
        return pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty();
    }

    /** Which scheduling-relevant parts of a node changed, as upstream's nodeSchedulingPropertiesChange. */
    static Set<ActionType> nodeChanges(Node o, Node n) {
        Set<ActionType> s = new HashSet<>();
        if (!Objects.equals(o.getSpec().getUnschedulable(), n.getSpec().getUnschedulable())
                || !Objects.equals(o.getSpec().getTaints(), n.getSpec().getTaints())) {
            s.add(ActionType.UPDATE_NODE_TAINT);
        }
        if (!Objects.equals(o.getStatus() == null ? null : o.getStatus().getAllocatable(), n.getStatus() == null ? null : n.getStatus().getAllocatable())) {
            s.add(ActionType.UPDATE_NODE_ALLOCATABLE);
        }
        if (!Objects.equals(o.getMetadata().getLabels(), n.getMetadata().getLabels())) {
            s.add(ActionType.UPDATE_NODE_LABEL);
        }
        if (!Objects.equals(o.getMetadata().getAnnotations(), n.getMetadata().getAnnotations())) {
            s.add(ActionType.UPDATE_NODE_ANNOTATION);
        }
        if (!Objects.equals(o.getStatus() == null ? null : o.getStatus().getConditions(), n.getStatus() == null ? null : n.getStatus().getConditions())) {
            s.add(ActionType.UPDATE_NODE_CONDITION);
        }
        return s;
    }

    /** The periodic work upstream runs in goroutines: back-off flush (1 s), leftover flush (30 s), assumed pod expiry. */
    public void tick() {
        queue.flushBackoffQCompleted();
        queue.flushUnschedulablePodsLeftover();
        for (Pod expired : cache.cleanupExpiredAssumedPods()) {
            LOG.warn("assumed pod expired pod={} node={}", PodInfo.key(expired), expired.getSpec().getNodeName());
        }
    }

    // --- the cycle ---

    /** Result of one scheduling attempt. */
    public record ScheduleResult(String suggestedHost, int evaluatedNodes, int feasibleNodes) {
    }

    /** Schedules the next pod, waiting up to the timeout for one; false when none came. */
    public boolean scheduleNext(long timeout, TimeUnit unit) throws InterruptedException {
        QueuedPod qp = queue.pop(timeout, unit);
        if (qp == null) {
            return false;
        }
        scheduleOne(qp);
        return true;
    }

    void scheduleOne(QueuedPod qp) {
        Pod pod = qp.podInfo().pod();
        Framework fwk = profiles.get(schedulerName(pod));
        if (fwk == null) {
            LOG.error("no profile for pod={} schedulerName={}", qp.podInfo().key(), schedulerName(pod));
            return;
        }
        long cycle = queue.schedulingCycle();
        CycleState state = new CycleState();
        ScheduleResult result;
        try {
            result = schedulePod(fwk, state, qp);
        } catch (FitErrorException fe) {
            String nominated = null;
            String message = fe.fitError.message();
            // PostFilter runs whether PreFilter or Filter rejected the pod, as upstream
            Outcome<String> pf = fwk.runPostFilterPlugins(state, qp.podInfo(), fe.fitError.nodeToStatus());
            nominated = pf.value();
            if (!pf.status().isSuccess() && !pf.status().reasons().isEmpty()) {
                message = new FitError(fe.fitError.numAllNodes(), fe.fitError.nodeToStatus(), fe.fitError.preFilterMsg(),
                        pf.status().message()).message();
            }
            qp.unschedulablePlugins.clear();
            qp.unschedulablePlugins.addAll(fe.unschedulablePlugins);
            qp.failedWithError = false;
            handleFailure(qp, "Unschedulable", message, nominated, cycle);
            return;
        } catch (SchedulingErrorException e) {
            qp.failedWithError = true;
            handleFailure(qp, "SchedulerError", e.getMessage(), null, cycle);
            return;
        }
        // assume: the cache counts the pod on the node before the binding round trip
        Pod assumed = assumedOn(pod, result.suggestedHost());
        PodInfo assumedInfo = PodInfo.of(assumed);
        cache.assumePod(assumed);
        String host = result.suggestedHost();
        Status s = fwk.runReservePluginsReserve(state, assumedInfo, host);
        if (s.isSuccess()) {
            s = fwk.runPermitPlugins(state, assumedInfo, host);
        }
        if (!s.isSuccess()) {
            fwk.runReservePluginsUnreserve(state, assumedInfo, host);
            cache.forgetPod(assumed);
            qp.failedWithError = !s.isRejected();
            qp.unschedulablePlugins.clear();
            if (s.plugin() != null) {
                qp.unschedulablePlugins.add(s.plugin());
            }
            handleFailure(qp, s.isRejected() ? "Unschedulable" : "SchedulerError", s.message(), null, cycle);
            return;
        }
        queue.nominate(qp.podInfo(), "");
        bindingExecutor.execute(() -> bindingCycle(fwk, state, qp, assumed, assumedInfo, host, cycle));
    }

    /**
     * The pod as the cache assumes it on {@code host}. Upstream deep-copies the pod and sets spec.nodeName;
     * nothing in the scheduler changes a pod it holds, so only the Pod and its PodSpec are new here and the
     * rest is shared with the informer's object (fabric8's builders copied it all, at 1.6% of the
     * SchedulingBasic benchmark's samples plus seconds of C2 compiling their generated methods).
     */
    static Pod assumedOn(Pod pod, String host) {
        PodSpec spec = ShallowCopy.of(pod.getSpec());
        spec.setNodeName(host);
        Pod assumed = ShallowCopy.of(pod);
        assumed.setSpec(spec);
        return assumed;
    }

    private void bindingCycle(Framework fwk, CycleState state, QueuedPod qp, Pod assumed, PodInfo assumedInfo, String host, long cycle) {
        Status s = fwk.runPreBindPlugins(state, assumedInfo, host);
        if (s.isSuccess()) {
            s = fwk.runBindPlugins(state, assumedInfo, host);
        }
        if (s.isSuccess()) {
            cache.finishBinding(assumed);
            LOG.debug("bound pod={} node={}", assumedInfo.key(), host);
            return;
        }
        fwk.runReservePluginsUnreserve(state, assumedInfo, host);
        cache.forgetPod(assumed);
        // the node's resources were freed, which may help other pods
        queue.moveAllToActiveOrBackoffQueue(ClusterEvent.ASSIGNED_POD_DELETE, assumed, null);
        qp.failedWithError = true;
        handleFailure(qp, "SchedulerError", "binding rejected: " + s.message(), null, cycle);
    }

    private void handleFailure(QueuedPod qp, String reason, String message, String nominatedNode, long cycle) {
        LOG.info("unable to schedule pod={} reason={} message=\"{}\"", qp.podInfo().key(), reason, message);
        queue.addUnschedulableIfNotPresent(qp, cycle);
        // after the requeue, as upstream's handleSchedulingFailure: requeueing takes the nomination from
        // the pod's status, which does not carry this one until the status update comes back
        if (nominatedNode != null) {
            queue.nominate(qp.podInfo(), nominatedNode);
        }
        podWriter.recordFailure(qp.podInfo().pod(), reason, message, nominatedNode);
    }

    private static final class FitErrorException extends Exception {
        final FitError fitError;
        final Set<String> unschedulablePlugins;

        FitErrorException(FitError fitError, Set<String> unschedulablePlugins) {
            super(null, null, false, false);
            this.fitError = fitError;
            this.unschedulablePlugins = unschedulablePlugins;
        }
    }

    private static final class SchedulingErrorException extends Exception {
        SchedulingErrorException(String message) {
            super(message, null, false, false);
        }
    }

    ScheduleResult schedulePod(Framework fwk, CycleState state, QueuedPod qp) throws FitErrorException, SchedulingErrorException {
        cache.updateSnapshot(snapshot);
        if (snapshot.numNodes() == 0) {
            throw new SchedulingErrorException("no nodes available to schedule pods");
        }
        PodInfo pi = qp.podInfo();
        List<NodeInfo> all = snapshot.nodeInfoList;
        Map<String, Status> statuses = new ConcurrentHashMap<>();
        Set<String> unschedulablePlugins = ConcurrentHashMap.newKeySet();

        Outcome<PreFilterResult> pre = fwk.runPreFilterPlugins(state, pi, all);
        if (!pre.status().isSuccess()) {
            if (!pre.status().isRejected()) {
                throw new SchedulingErrorException("running PreFilter plugin \"" + pre.status().plugin() + "\": " + pre.status().message());
            }
            for (NodeInfo n : all) {
                statuses.put(n.name(), pre.status());
            }
            unschedulablePlugins.add(pre.status().plugin());
            throw new FitErrorException(new FitError(all.size(), statuses, pre.status().message(), null), unschedulablePlugins);
        }
        // a pod preemption nominated a node for tries that node alone first
        String nominated = pi.pod().getStatus() == null ? null : pi.pod().getStatus().getNominatedNodeName();
        if (nominated != null && !nominated.isEmpty() && snapshot.get(nominated) != null) {
            NodeInfo n = snapshot.get(nominated);
            if (fwk.runFilterPluginsWithNominatedPods(state, pi, n, handleFor(fwk)).isSuccess()) {
                return new ScheduleResult(nominated, 1, 1);
            }
        }
        List<NodeInfo> nodes = all;
        Set<String> narrowed = pre.value().nodeNames();
        if (narrowed != null) {
            nodes = new ArrayList<>();
            Status absent = Status.unresolvable("node(s) didn't satisfy plugin(s) " + state.preFilterNarrowedBy().toString().replace(",", ""));
            for (NodeInfo n : all) {
                if (narrowed.contains(n.name())) {
                    nodes.add(n);
                } else {
                    statuses.put(n.name(), absent);
                }
            }
        }
        List<NodeInfo> feasible = findNodesThatPassFilters(fwk, state, pi, nodes, statuses, unschedulablePlugins);
        if (feasible.isEmpty()) {
            throw new FitErrorException(new FitError(all.size(), statuses, null, null), unschedulablePlugins);
        }
        if (feasible.size() == 1) {
            return new ScheduleResult(feasible.getFirst().name(), statuses.size() + 1, 1);
        }
        long[] scores = prioritize(fwk, state, pi, feasible);
        return new ScheduleResult(selectHost(feasible, scores), statuses.size() + feasible.size(), feasible.size());
    }

    private List<NodeInfo> findNodesThatPassFilters(Framework fwk, CycleState state, PodInfo pi, List<NodeInfo> nodes,
                                                   Map<String, Status> statuses, Set<String> unschedulablePlugins)
            throws SchedulingErrorException {
        int n = nodes.size();
        if (n == 0) {
            return List.of();
        }
        int toFind = numFeasibleNodesToFind(fwk.percentageOfNodesToScore(), n);
        NodeInfo[] feasible = new NodeInfo[toFind];
        AtomicInteger found = new AtomicInteger();
        String[] error = {null};
        int start = nextStartNodeIndex % n;
        if (!fwk.hasFilterPlugins()) {
            for (int i = 0; i < toFind; i++) {
                feasible[i] = nodes.get((start + i) % n);
            }
            nextStartNodeIndex = (start + toFind) % n;
            return List.of(feasible);
        }
        Handle handle = handleFor(fwk);
        fwk.parallelizer().until(n, i -> {
            if (found.get() >= toFind) {
                return;
            }
            NodeInfo node = nodes.get((start + i) % n);
            Status s = fwk.runFilterPluginsWithNominatedPods(state, pi, node, handle);
            if (s.isSuccess()) {
                int idx = found.getAndIncrement();
                if (idx < toFind) {
                    feasible[idx] = node;
                }
            } else if (s.isRejected()) {
                statuses.put(node.name(), s);
                if (s.plugin() != null) {
                    unschedulablePlugins.add(s.plugin());
                }
            } else {
                synchronized (error) {
                    error[0] = s.message();
                }
            }
        });
        if (error[0] != null) {
            throw new SchedulingErrorException(error[0]);
        }
        int count = Math.min(found.get(), toFind);
        nextStartNodeIndex = (start + count + statuses.size()) % n;
        List<NodeInfo> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(feasible[i]);
        }
        return out;
    }

    private Handle handleFor(Framework fwk) {
        return handles.get(fwk.profileName());
    }

    /** Upstream's numFeasibleNodesToFind: all below 100 nodes, else the percentage (adaptive 50 - nodes/125, at least 5%), at least 100. */
    int numFeasibleNodesToFind(Integer profilePercentage, int numAllNodes) {
        if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) {
            return numAllNodes;
        }
        int percentage = profilePercentage != null ? profilePercentage : percentageOfNodesToScore;
        if (percentage == 0) {
            percentage = 50 - numAllNodes / 125;
            if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) {
                percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
            }
        }
        int num = (int) ((long) numAllNodes * percentage / 100);
        return Math.max(num, MIN_FEASIBLE_NODES_TO_FIND);
    }

    private long[] prioritize(Framework fwk, CycleState state, PodInfo pi, List<NodeInfo> feasible) throws SchedulingErrorException {
        if (!fwk.hasScorePlugins()) {
            long[] ones = new long[feasible.size()];
            java.util.Arrays.fill(ones, 1);
            return ones;
        }
        Status s = fwk.runPreScorePlugins(state, pi, feasible);
        if (!s.isSuccess()) {
            throw new SchedulingErrorException("running PreScore plugin \"" + s.plugin() + "\": " + s.message());
        }
        return fwk.runScorePlugins(state, pi, feasible);
    }

    /** The highest total score; ties broken uniformly at random (reservoir sampling, as upstream). */
    String selectHost(List<NodeInfo> nodes, long[] scores) {
        int selected = 0;
        long max = scores[0];
        int ties = 1;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > max) {
                max = scores[i];
                selected = i;
                ties = 1;
            } else if (scores[i] == max) {
                ties++;
                if (random.nextInt(ties) == 0) {
                    selected = i;
                }
            }
        }
        return nodes.get(selected).name();
    }

    @Override
    public void close() {
        queue.close();
        parallelizer.close();
    }
}
