package dev.skiff.agent.kubelet.prober;

import dev.skiff.agent.kubelet.prober.results.ResultsManager;
import dev.skiff.agent.kubelet.prober.results.ResultsManager.Result;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes one container with one of its probes every periodSeconds (upstream: prober's worker), on
 * its own virtual thread until the pod goes or the container exits for good. Each run
 * ({@link #doProbe}) follows upstream's rules: a new container ID starts from the type's initial
 * result (readiness Failure, liveness Success, startup Unknown) and ends a hold; a container not
 * running is a Failure; liveness and startup stop quietly (Success) once the pod is being deleted;
 * nothing is probed before initialDelaySeconds since the container started; startup runs only until
 * the container has started, liveness and readiness only after; a result is cached only after
 * successThreshold / failureThreshold equal results in a row; after a liveness or startup failure the
 * worker holds until the container is replaced.
 */
final class Worker {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

    private final ProbeManager manager;
    private final ProbeType type;
    private final Pod pod;
    private final Container container;
    private final ProbeSpec spec;
    private final ResultsManager results;
    private final Result initialValue;
    private final Semaphore wakeUp = new Semaphore(0);
    private volatile boolean stopped;

    private String containerId;
    private Result lastResult;
    private int resultRun;
    private boolean onHold;

    Worker(ProbeManager manager, ProbeType type, Pod pod, Container container) {
        this.manager = manager;
        this.type = type;
        this.pod = pod;
        this.container = container;
        this.spec = ProbeSpec.of(type.of(container));
        this.results = manager.results(type);
        this.initialValue = switch (type) {
            case READINESS -> Result.FAILURE;
            case LIVENESS -> Result.SUCCESS;
            case STARTUP -> Result.UNKNOWN;
        };
    }

    ProbeType type() {
        return type;
    }

    /** Probes now, then every period (or sooner when triggered) until told to stop or the container is done. */
    void run() {
        try {
            while (!stopped && doProbe()) {
                wakeUp.tryAcquire(spec.period().toMillis(), TimeUnit.MILLISECONDS);
                wakeUp.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("probe worker failed pod={}/{} container={} probe={}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                    container.getName(), type, e);
        } finally {
            if (containerId != null) {
                results.remove(containerId);
            }
            manager.removeWorker(pod.getMetadata().getUid(), container.getName(), type, this);
        }
    }

    /** Runs the probe at once instead of at the next period (upstream's manual trigger). */
    void trigger() {
        wakeUp.release();
    }

    void stop() {
        stopped = true;
        wakeUp.release();
    }

    /** One run; returns whether the worker should go on. */
    boolean doProbe() {
        ProbeManager.PodProbeStatus status = manager.status(pod.getMetadata().getUid());
        if (status == null) {
            return true; // not synced yet, or gone
        }
        if ("Failed".equals(status.phase()) || "Succeeded".equals(status.phase())) {
            return false;
        }
        ContainerStatus c = status.container(container.getName());
        if (c == null || c.getContainerID() == null || c.getContainerID().isEmpty()) {
            return true; // not created yet
        }
        if (!c.getContainerID().equals(containerId)) {
            if (containerId != null) {
                results.remove(containerId);
            }
            containerId = c.getContainerID();
            results.set(containerId, initialValue, pod);
            onHold = false;
        }
        if (onHold) {
            return true;
        }
        if (c.getState() == null || c.getState().getRunning() == null) {
            results.set(containerId, Result.FAILURE, pod);
            // a container that will not be restarted is done with
            return c.getState() == null || c.getState().getTerminated() == null || !"Never".equals(pod.getSpec().getRestartPolicy());
        }
        if (pod.getMetadata().getDeletionTimestamp() != null && (type == ProbeType.LIVENESS || type == ProbeType.STARTUP)) {
            results.set(containerId, Result.SUCCESS, pod);
            return false;
        }
        String startedAt = c.getState().getRunning().getStartedAt();
        if (startedAt != null && Duration.between(Instant.parse(startedAt), manager.clock().instant()).toSeconds() < spec.initialDelaySeconds()) {
            return true;
        }
        if (Boolean.TRUE.equals(c.getStarted())) {
            if (type == ProbeType.STARTUP) {
                return true; // started: startup is done with this container (kept for a restarted one)
            }
        } else if (type != ProbeType.STARTUP) {
            return true; // liveness and readiness wait for startup
        }
        Result result = manager.prober().probe(type, pod, status.podIp(), container, containerId);
        if (result == null) {
            return true; // the probe errored: its result is thrown away
        }
        if (result == lastResult) {
            resultRun++;
        } else {
            lastResult = result;
            resultRun = 1;
        }
        if (result == Result.FAILURE && resultRun < spec.failureThreshold() || result == Result.SUCCESS && resultRun < spec.successThreshold()) {
            return true; // below the threshold: the cached state stays
        }
        results.set(containerId, result, pod);
        if ((type == ProbeType.LIVENESS || type == ProbeType.STARTUP) && result == Result.FAILURE) {
            // the container will be restarted: hold until a new container ID shows up
            onHold = true;
            resultRun = 0;
        }
        return true;
    }
}
