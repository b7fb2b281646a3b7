package dev.skiff.scheduler.testing;

import dev.skiff.scheduler.PodWriter;
import dev.skiff.scheduler.framework.plugins.defaultbinder.Binder;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** The scheduler's output sink in tests: records bindings, failures and preemption victims. */
public final class Recorder implements Binder, PodWriter {
    public final Map<String, String> bindings = new ConcurrentHashMap<>();
    public final Map<String, String> failures = new ConcurrentHashMap<>();
    public final Map<String, String> nominations = new ConcurrentHashMap<>();
    public final List<String> victims = new CopyOnWriteArrayList<>();

    @Override
    public void bind(Pod pod, String nodeName) {
        bindings.put(pod.getMetadata().getName(), nodeName);
    }

    @Override
    public void recordFailure(Pod pod, String reason, String message, String nominatedNodeName) {
        failures.put(pod.getMetadata().getName(), message);
        if (nominatedNodeName != null) {
            nominations.put(pod.getMetadata().getName(), nominatedNodeName);
        }
    }

    @Override
    public void deleteVictim(Pod victim, Pod preemptor) {
        victims.add(victim.getMetadata().getName());
    }
}
