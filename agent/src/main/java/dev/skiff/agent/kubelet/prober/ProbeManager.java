package dev.skiff.agent.kubelet.prober;

import dev.skiff.agent.kubelet.prober.results.ResultsManager;
import dev.skiff.agent.kubelet.prober.results.ResultsManager.Result;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kubelet's probe manager (upstream: pkg/kubelet/prober's manager): one {@link Worker} per
 * container and probe type, started when the pod is synced and stopped when it goes; the results
 * cached per container ID in three {@link ResultsManager}s. The sync loop hands it each status it
 * computes ({@link #updatePodStatus}), which is what the workers probe from and where it sets each
 * container's {@code started} (the startup probe succeeded, or there is none) and {@code ready} (the
 * readiness probe succeeded, or there is none; never before started), and asks it which containers
 * failed liveness or startup and must be killed ({@link #unhealthy}).
 */
public final class ProbeManager implements AutoCloseable {
    /** What the workers read of a pod's last synced status. */
    record PodProbeStatus(String phase, String podIp, List<ContainerStatus> containerStatuses) {
        ContainerStatus container(String name) {
            return containerStatuses.stream().filter(s -> name.equals(s.getName())).findFirst().orElse(null);
        }
    }

    private record WorkerKey(String podUid, String container, ProbeType type) {
    }

    /** A container to kill because a probe failed: the Killing event's message and the grace period. */
    public record Unhealthy(ProbeType type, String message, Duration gracePeriod) {
    }

    private final Prober prober;
    private final Clock clock;
    private final ResultsManager liveness = new ResultsManager();
    private final ResultsManager readiness = new ResultsManager();
    private final ResultsManager startup = new ResultsManager();
    private final Map<WorkerKey, Worker> workers = new ConcurrentHashMap<>();
    private final Map<String, PodProbeStatus> statuses = new ConcurrentHashMap<>();

    public ProbeManager(Prober prober, Clock clock) {
        this.prober = prober;
        this.clock = clock;
    }

    /** Tells {@code podUid} the uid of a pod whose container's liveness, readiness or startup result changed (upstream: the results managers' update channels the sync loop reads). */
    public void addListener(java.util.function.Consumer<String> podUid) {
        for (ResultsManager results : List.of(liveness, readiness, startup)) {
            results.addListener(update -> podUid.accept(update.podUid()));
        }
    }

    /** Starts a worker for each probe of the pod's containers that has none yet. Idempotent. */
    public void addPod(Pod pod) {
        for (Container c : pod.getSpec().getContainers()) {
            for (ProbeType type : ProbeType.values()) {
                if (type.of(c) != null) {
                    workers.computeIfAbsent(new WorkerKey(pod.getMetadata().getUid(), c.getName(), type), k -> {
                        Worker w = new Worker(this, type, pod, c);
                        Thread.ofVirtual().name("probe-" + type + "-" + pod.getMetadata().getName() + "-" + c.getName()).start(w::run);
                        return w;
                    });
                }
            }
        }
    }

    /** Stops the pod's workers (their results go with them) and forgets its status. */
    public void removePod(Pod pod) {
        String uid = pod.getMetadata().getUid();
        statuses.remove(uid);
        workers.forEach((key, worker) -> {
            if (key.podUid().equals(uid)) {
                worker.stop();
            }
        });
    }

    void removeWorker(String podUid, String container, ProbeType type, Worker worker) {
        workers.remove(new WorkerKey(podUid, container, type), worker);
    }

    /**
     * The container statuses with {@code started} and {@code ready} as the probes say; remembered,
     * with phase and pod IP, as what the workers probe. A started container whose readiness probe has
     * no result yet gets probed at once.
     */
    public List<ContainerStatus> updatePodStatus(Pod pod, String phase, String podIp, List<ContainerStatus> containerStatuses) {
        String uid = pod.getMetadata().getUid();
        List<ContainerStatus> out = new ArrayList<>();
        for (ContainerStatus s : containerStatuses) {
            boolean running = s.getState() != null && s.getState().getRunning() != null;
            boolean started = running && isStarted(uid, s);
            boolean ready = false;
            if (started) {
                Optional<Result> result = readiness.get(s.getContainerID());
                Worker worker = workers.get(new WorkerKey(uid, s.getName(), ProbeType.READINESS));
                ready = result.map(r -> r == Result.SUCCESS).orElse(worker == null);
                if (!ready && worker != null && result.isEmpty()) {
                    worker.trigger();
                }
            }
            out.add(new ContainerStatusBuilder(s).withStarted(started).withReady(ready).build());
        }
        recordStatus(uid, new PodProbeStatus(phase, podIp, List.copyOf(out)));
        return out;
    }

    void recordStatus(String podUid, PodProbeStatus status) {
        statuses.put(podUid, status);
    }

    private boolean isStarted(String uid, ContainerStatus s) {
        Optional<Result> result = startup.get(s.getContainerID());
        if (result.isPresent()) {
            return result.get() == Result.SUCCESS;
        }
        return !workers.containsKey(new WorkerKey(uid, s.getName(), ProbeType.STARTUP));
    }

    /**
     * Whether the running container {@code status} of {@code container} failed its liveness or startup
     * probe and must be killed (upstream's computePodActions): the message "Container c failed liveness
     * probe, will be restarted" (no restart with restartPolicy Never), killed within the probe's
     * terminationGracePeriodSeconds if set, else the pod's (default 30 s).
     */
    public Optional<Unhealthy> unhealthy(Pod pod, Container container, ContainerStatus status) {
        if (status.getContainerID() == null || status.getState() == null || status.getState().getRunning() == null) {
            return Optional.empty();
        }
        ProbeType failed = liveness.get(status.getContainerID()).orElse(null) == Result.FAILURE ? ProbeType.LIVENESS
                : startup.get(status.getContainerID()).orElse(null) == Result.FAILURE ? ProbeType.STARTUP : null;
        if (failed == null) {
            return Optional.empty();
        }
        String message = "Container " + container.getName() + " failed " + failed.toString().toLowerCase(java.util.Locale.ROOT) + " probe"
                + ("Never".equals(pod.getSpec().getRestartPolicy()) ? "" : ", will be restarted");
        return Optional.of(new Unhealthy(failed, message, killGracePeriod(pod, failed.of(container))));
    }

    /** The grace period of a kill for a failed probe: the probe's terminationGracePeriodSeconds over the pod's. */
    static Duration killGracePeriod(Pod pod, Probe probe) {
        if (probe != null && probe.getTerminationGracePeriodSeconds() != null) {
            return Duration.ofSeconds(probe.getTerminationGracePeriodSeconds());
        }
        Long podSeconds = pod.getSpec().getTerminationGracePeriodSeconds();
        return Duration.ofSeconds(podSeconds == null ? 30 : podSeconds);
    }

    ResultsManager results(ProbeType type) {
        return switch (type) {
            case LIVENESS -> liveness;
            case READINESS -> readiness;
            case STARTUP -> startup;
        };
    }

    PodProbeStatus status(String podUid) {
        return statuses.get(podUid);
    }

    Prober prober() {
        return prober;
    }

    Clock clock() {
        return clock;
    }

    /** How many workers run (for tests and logs). */
    public int workerCount() {
        return workers.size();
    }

    @Override
    public void close() {
        workers.values().forEach(Worker::stop);
    }
}
