package dev.skiff.scheduler.internal.queue;

import dev.skiff.scheduler.framework.ClusterEvent;
import dev.skiff.scheduler.framework.ClusterEventWithHint;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.QueuedPod;
import dev.skiff.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Pending pods, as upstream's PriorityQueue: activeQ (ordered by the QueueSort plugin: priority,
 * then time queued), backoffQ (pods waiting out an exponential back-off after a failed attempt:
 * initial * 2^(attempts-1), capped) and unschedulablePods (pods a plugin rejected, parked until a
 * cluster event that plugin registered - and whose hint agrees - may help, or until they have
 * waited {@code podMaxInUnschedulablePodsDuration}). Gated pods (PreEnqueue failed) wait in
 * unschedulablePods until an update lifts the gate.
 *
 * <p>A move request during a pod's own scheduling cycle sends that pod to backoffQ instead of
 * parking it, so an event that raced its failure is not lost. Time comes from the clock; the
 * owner calls {@link #flushBackoffQCompleted} every second and
 * {@link #flushUnschedulablePodsLeftover} every 30 s, as upstream's goroutines do.
 */
public final class SchedulingQueue implements AutoCloseable {
    private final Clock clock;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration podMaxInUnschedulablePodsDuration;
    private final Function<Pod, Status> preEnqueue;
    private final Map<String, List<ClusterEventWithHint>> eventsByPlugin;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final PriorityQueue<QueuedPod> activeQ;
    private final Map<String, QueuedPod> active = new HashMap<>();
    private final PriorityQueue<QueuedPod> backoffQ;
    private final Map<String, QueuedPod> backoff = new HashMap<>();
    private final Map<String, QueuedPod> unschedulable = new HashMap<>();
    private final Map<String, String> nominatedNodeByPod = new HashMap<>();
    private final Map<String, List<PodInfo>> nominatedPodsByNode = new HashMap<>();
    /** Read without the lock by the parallel Filter calls: most cycles have no nominated pods at all. */
    private volatile int nominatedCount;
    private long schedulingCycle;
    private long moveRequestCycle = -1;
    private boolean closed;

    public SchedulingQueue(Clock clock, Comparator<QueuedPod> less, Function<Pod, Status> preEnqueue,
                           Map<String, List<ClusterEventWithHint>> eventsByPlugin, Duration initialBackoff, Duration maxBackoff,
                           Duration podMaxInUnschedulablePodsDuration) {
        this.clock = clock;
        this.preEnqueue = preEnqueue;
        this.eventsByPlugin = Map.copyOf(eventsByPlugin);
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.podMaxInUnschedulablePodsDuration = podMaxInUnschedulablePodsDuration;
        this.activeQ = new PriorityQueue<>(less);
        this.backoffQ = new PriorityQueue<>(Comparator.comparing(this::backoffExpiry));
    }

    /** A new pending pod. */
    public void add(Pod pod) {
        lock.lock();
        try {
            QueuedPod qp = new QueuedPod(PodInfo.of(pod), clock.instant());
            String key = qp.podInfo().key();
            if (active.containsKey(key) || backoff.containsKey(key) || unschedulable.containsKey(key)) {
                return;
            }
            moveToActiveQ(qp);
            addNominated(qp.podInfo());
        } finally {
            lock.unlock();
        }
    }

    /** Puts a pod into activeQ unless PreEnqueue gates it (then it waits in unschedulablePods). */
    private void moveToActiveQ(QueuedPod qp) {
        Status s = preEnqueue.apply(qp.podInfo().pod());
        String key = qp.podInfo().key();
        if (!s.isSuccess()) {
            qp.gated = true;
            unschedulable.put(key, qp);
            return;
        }
        qp.gated = false;
        unschedulable.remove(key);
        active.put(key, qp);
        activeQ.add(qp);
        notEmpty.signal();
    }

    /** The next pod to schedule, waiting up to the timeout; null on timeout or once closed. */
    public QueuedPod pop(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (activeQ.isEmpty()) {
                if (closed || nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            QueuedPod qp = activeQ.poll();
            active.remove(qp.podInfo().key());
            qp.attempts++;
            schedulingCycle++;
            return qp;
        } finally {
            lock.unlock();
        }
    }

    /** The cycle number of the last pop; recorded by the scheduler with each attempt. */
    public long schedulingCycle() {
        lock.lock();
        try {
            return schedulingCycle;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A pod whose attempt failed: back to backoffQ when it erred or a move request came during its
     * cycle, else parked in unschedulablePods, as upstream's AddUnschedulableIfNotPresent.
     */
    public void addUnschedulableIfNotPresent(QueuedPod qp, long podSchedulingCycle) {
        lock.lock();
        try {
            String key = qp.podInfo().key();
            if (active.containsKey(key) || backoff.containsKey(key) || unschedulable.containsKey(key)) {
                return;
            }
            qp.timestamp = clock.instant();
            if (qp.failedWithError || moveRequestCycle >= podSchedulingCycle) {
                backoff.put(key, qp);
                backoffQ.add(qp);
            } else {
                unschedulable.put(key, qp);
            }
            addNominated(qp.podInfo());
        } finally {
            lock.unlock();
        }
    }

    /** A pending pod changed: updated in place, or moved out of unschedulablePods (the change may help). */
    public void update(Pod oldPod, Pod newPod) {
        lock.lock();
        try {
            String key = PodInfo.key(newPod);
            PodInfo pi = PodInfo.of(newPod);
            QueuedPod qp = active.get(key);
            if (qp != null) {
                activeQ.remove(qp);
                qp.setPodInfo(pi);
                activeQ.add(qp);
                updateNominated(pi);
                return;
            }
            qp = backoff.get(key);
            if (qp != null) {
                backoffQ.remove(qp);
                qp.setPodInfo(pi);
                backoffQ.add(qp);
                updateNominated(pi);
                return;
            }
            qp = unschedulable.get(key);
            if (qp != null) {
                qp.setPodInfo(pi);
                updateNominated(pi);
                if (oldPod == null || !Objects.equals(oldPod.getSpec(), newPod.getSpec())
                        || !Objects.equals(oldPod.getMetadata().getLabels(), newPod.getMetadata().getLabels())) {
                    unschedulable.remove(key);
                    requeue(qp);
                }
                return;
            }
            add(newPod);
        } finally {
            lock.unlock();
        }
    }

    public void delete(Pod pod) {
        lock.lock();
        try {
            String key = PodInfo.key(pod);
            QueuedPod qp = active.remove(key);
            if (qp != null) {
                activeQ.remove(qp);
            }
            qp = backoff.remove(key);
            if (qp != null) {
                backoffQ.remove(qp);
            }
            unschedulable.remove(key);
            deleteNominated(key);
        } finally {
            lock.unlock();
        }
    }

    /** Moves pods whose back-off is over to activeQ. */
    public void flushBackoffQCompleted() {
        lock.lock();
        try {
            Instant now = clock.instant();
            while (!backoffQ.isEmpty() && !backoffExpiry(backoffQ.peek()).isAfter(now)) {
                QueuedPod qp = backoffQ.poll();
                backoff.remove(qp.podInfo().key());
                moveToActiveQ(qp);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Moves pods parked longer than podMaxInUnschedulablePodsDuration (5 min by default) back. */
    public void flushUnschedulablePodsLeftover() {
        lock.lock();
        try {
            Instant now = clock.instant();
            List<QueuedPod> move = new ArrayList<>();
            for (QueuedPod qp : unschedulable.values()) {
                if (!qp.gated && !now.isBefore(qp.timestamp.plus(podMaxInUnschedulablePodsDuration))) {
                    move.add(qp);
                }
            }
            moveAll(move, ClusterEvent.UNSCHEDULABLE_TIMEOUT, null, null, false);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A cluster event: every parked pod that a plugin registered for it rejected, and whose hint
     * says the change may help, goes to activeQ (or backoffQ while backing off).
     */
    public void moveAllToActiveOrBackoffQueue(ClusterEvent event, Object oldObj, Object newObj) {
        lock.lock();
        try {
            moveAll(List.copyOf(unschedulable.values()), event, oldObj, newObj, true);
        } finally {
            lock.unlock();
        }
    }

    private void moveAll(List<QueuedPod> pods, ClusterEvent event, Object oldObj, Object newObj, boolean checkHints) {
        for (QueuedPod qp : pods) {
            if (qp.gated || (checkHints && !mayHelp(qp, event, oldObj, newObj))) {
                continue;
            }
            unschedulable.remove(qp.podInfo().key());
            requeue(qp);
        }
        moveRequestCycle = schedulingCycle;
    }

    private void requeue(QueuedPod qp) {
        if (backoffExpiry(qp).isAfter(clock.instant())) {
            backoff.put(qp.podInfo().key(), qp);
            backoffQ.add(qp);
        } else {
            moveToActiveQ(qp);
        }
    }

    private boolean mayHelp(QueuedPod qp, ClusterEvent event, Object oldObj, Object newObj) {
        if (qp.failedWithError || qp.unschedulablePlugins.isEmpty()) {
            return true;
        }
        for (String plugin : qp.unschedulablePlugins) {
            for (ClusterEventWithHint h : eventsByPlugin.getOrDefault(plugin, List.of())) {
                if (h.event().covers(event) && (newObj == null && oldObj == null
                        || h.hint().shouldQueue(qp.podInfo().pod(), oldObj, newObj))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** When a pod's back-off ends: its last failure + initial * 2^(attempts-1), at most max. */
    Instant backoffExpiry(QueuedPod qp) {
        if (qp.attempts == 0) {
            return qp.timestamp; // never tried (e.g. it was gated): nothing to back off from
        }
        return qp.timestamp.plus(backoffDuration(qp.attempts));
    }

    Duration backoffDuration(int attempts) {
        Duration d = initialBackoff;
        for (int i = 1; i < attempts; i++) {
            d = d.multipliedBy(2);
            if (d.compareTo(maxBackoff) > 0) {
                return maxBackoff;
            }
        }
        return d;
    }

    // --- nominated pods (upstream's PodNominator) ---

    private void addNominated(PodInfo pi) {
        String node = pi.pod().getStatus() == null ? null : pi.pod().getStatus().getNominatedNodeName();
        deleteNominated(pi.key());
        if (node == null || node.isEmpty()) {
            return;
        }
        nominatedNodeByPod.put(pi.key(), node);
        nominatedPodsByNode.computeIfAbsent(node, k -> new ArrayList<>()).add(pi);
        nominatedCount = nominatedNodeByPod.size();
    }

    private void updateNominated(PodInfo pi) {
        addNominated(pi);
    }

    private void deleteNominated(String key) {
        String node = nominatedNodeByPod.remove(key);
        if (node != null) {
            List<PodInfo> l = nominatedPodsByNode.get(node);
            l.removeIf(p -> p.key().equals(key));
            if (l.isEmpty()) {
                nominatedPodsByNode.remove(node);
            }
        }
        nominatedCount = nominatedNodeByPod.size();
    }

    /** Records that preemption nominated the pod to the node (an empty node clears it). */
    public void nominate(PodInfo pi, String nodeName) {
        lock.lock();
        try {
            deleteNominated(pi.key());
            if (nodeName != null && !nodeName.isEmpty()) {
                nominatedNodeByPod.put(pi.key(), nodeName);
                nominatedPodsByNode.computeIfAbsent(nodeName, k -> new ArrayList<>()).add(pi);
            }
            nominatedCount = nominatedNodeByPod.size();
        } finally {
            lock.unlock();
        }
    }

    public List<PodInfo> nominatedPodsForNode(String nodeName) {
        if (nominatedCount == 0) {
            return List.of();
        }
        lock.lock();
        try {
            List<PodInfo> l = nominatedPodsByNode.get(nodeName);
            return l == null ? List.of() : List.copyOf(l);
        } finally {
            lock.unlock();
        }
    }

    // --- for tests and metrics ---

    public int activeCount() {
        lock.lock();
        try {
            return active.size();
        } finally {
            lock.unlock();
        }
    }

    public int backoffCount() {
        lock.lock();
        try {
            return backoff.size();
        } finally {
            lock.unlock();
        }
    }

    public int unschedulableCount() {
        lock.lock();
        try {
            return unschedulable.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
