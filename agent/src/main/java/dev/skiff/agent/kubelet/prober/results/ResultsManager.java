package dev.skiff.agent.kubelet.prober.results;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The cached results of one kind of probe, by container ID (upstream: pkg/kubelet/prober/results):
 * the workers set them, the sync loop reads them. A change of a container's result is passed to the
 * listeners (upstream's Updates channel).
 */
public final class ResultsManager {
    /** A container's probe state (upstream's results.Result). */
    public enum Result {
        UNKNOWN, SUCCESS, FAILURE
    }

    /** A changed result, with the pod it belongs to. */
    public record Update(String containerId, Result result, String podUid) {
    }

    private final Map<String, Result> cache = new ConcurrentHashMap<>();
    private final List<Consumer<Update>> listeners = new CopyOnWriteArrayList<>();

    public Optional<Result> get(String containerId) {
        return Optional.ofNullable(cache.get(containerId));
    }

    /** Caches {@code result}; listeners hear of it only when it differs from what was cached. */
    public void set(String containerId, Result result, Pod pod) {
        Result previous = cache.put(containerId, result);
        if (previous != result) {
            var update = new Update(containerId, result, pod.getMetadata().getUid());
            listeners.forEach(l -> l.accept(update));
        }
    }

    public void remove(String containerId) {
        cache.remove(containerId);
    }

    public void addListener(Consumer<Update> listener) {
        listeners.add(listener);
    }
}
