package dev.skiff.agent.kubelet.pleg;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod lifecycle event generator (upstream: pkg/kubelet/pleg, the generic PLEG): every relist
 * period it lists the runtime's sandboxes and containers at once, compares each one's state with the
 * previous listing and tells the kubelet which pods changed (a container started, died, was removed),
 * so the kubelet syncs a pod when something happened to it instead of polling every pod's containers.
 * Sandboxes count as containers, as upstream's.
 */
public final class GenericPleg implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GenericPleg.class);

    /** A container's (or sandbox's) state as the PLEG compares it (upstream's plegContainerState). */
    public enum State {
        RUNNING, EXITED, UNKNOWN, NON_EXISTENT
    }

    /** What happened to a pod's container (upstream's PodLifeCycleEventType). */
    public enum EventType {
        CONTAINER_STARTED, CONTAINER_DIED, CONTAINER_REMOVED, CONTAINER_CHANGED
    }

    /** One sandbox or container as the runtime lists it. */
    public record RuntimeContainer(String podUid, String id, State state) {
    }

    /** A change of one of a pod's containers (upstream's PodLifecycleEvent; data: the container ID). */
    public record PodLifecycleEvent(String podUid, EventType type, String containerId) {
    }

    private final Callable<List<RuntimeContainer>> runtime;
    private final Consumer<PodLifecycleEvent> events;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("pleg").factory());
    private Map<String, RuntimeContainer> previous = Map.of();

    private GenericPleg(Callable<List<RuntimeContainer>> runtime, Consumer<PodLifecycleEvent> events) {
        this.runtime = runtime;
        this.events = events;
    }

    /**
     * Relists {@code runtime} every {@code relistPeriod} (upstream: 1 s), passing each event to {@code events} on the
     * PLEG's thread. The first listing reports every container found, as upstream's first relist does.
     */
    public static GenericPleg start(Callable<List<RuntimeContainer>> runtime, Duration relistPeriod, Consumer<PodLifecycleEvent> events) {
        var pleg = new GenericPleg(runtime, events);
        long period = relistPeriod.toMillis();
        pleg.timer.scheduleWithFixedDelay(pleg::relist, 0, period, TimeUnit.MILLISECONDS);
        return pleg;
    }

    private void relist() {
        List<RuntimeContainer> now;
        try {
            now = runtime.call();
        } catch (Exception e) {
            LOG.warn("relist failed: {}", e.toString()); // the next relist compares against the last good listing
            return;
        }
        Map<String, RuntimeContainer> current = new HashMap<>();
        now.forEach(c -> current.put(c.id(), c));
        for (PodLifecycleEvent event : events(previous, current)) {
            try {
                events.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("pod lifecycle event {} not handled: {}", event, e.toString());
            }
        }
        previous = current;
    }

    /**
     * The events between two listings (by container ID), as upstream's generateEvents: a container whose state
     * changed to running started, to exited died, to unknown changed; one gone died (unless it had exited) and was
     * removed.
     */
    public static List<PodLifecycleEvent> events(Map<String, RuntimeContainer> before, Map<String, RuntimeContainer> after) {
        Set<String> ids = new LinkedHashSet<>(before.keySet());
        ids.addAll(after.keySet());
        List<PodLifecycleEvent> out = new ArrayList<>();
        for (String id : ids) {
            RuntimeContainer old = before.get(id);
            RuntimeContainer now = after.get(id);
            State oldState = old == null ? State.NON_EXISTENT : old.state();
            State newState = now == null ? State.NON_EXISTENT : now.state();
            if (oldState == newState) {
                continue;
            }
            String uid = now != null ? now.podUid() : old.podUid();
            switch (newState) {
                case RUNNING -> out.add(new PodLifecycleEvent(uid, EventType.CONTAINER_STARTED, id));
                case EXITED -> out.add(new PodLifecycleEvent(uid, EventType.CONTAINER_DIED, id));
                case UNKNOWN -> out.add(new PodLifecycleEvent(uid, EventType.CONTAINER_CHANGED, id));
                case NON_EXISTENT -> {
                    if (oldState != State.EXITED) {
                        out.add(new PodLifecycleEvent(uid, EventType.CONTAINER_DIED, id));
                    }
                    out.add(new PodLifecycleEvent(uid, EventType.CONTAINER_REMOVED, id));
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
