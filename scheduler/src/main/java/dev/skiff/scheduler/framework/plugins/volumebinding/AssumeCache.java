package dev.skiff.scheduler.framework.plugins.volumebinding;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Objects the scheduler has decided to change but not yet written, laid over the informer's copies
 * (upstream's AssumeCache): an assumed object is what readers see until the informer delivers a
 * version other than the one it was assumed on (the write arrived, or someone else changed it), or
 * until it is restored.
 */
final class AssumeCache<T extends HasMetadata> {
    private record Assumed<T>(String baseVersion, T object) {
    }

    private final ConcurrentHashMap<String, Assumed<T>> assumed = new ConcurrentHashMap<>();

    /** What readers see for the key, given the informer's copy (null when the informer has none). */
    T get(String key, T latest) {
        Assumed<T> a = assumed.get(key);
        if (a == null) {
            return latest;
        }
        if (latest == null || !Objects.equals(a.baseVersion(), latest.getMetadata().getResourceVersion())) {
            assumed.remove(key, a); // the informer moved on: its copy is the truth now
            return latest;
        }
        return a.object();
    }

    /** Assumes {@code updated} in place of {@code base}, the version it was computed from. */
    void assume(String key, T base, T updated) {
        assumed.put(key, new Assumed<>(base.getMetadata().getResourceVersion(), updated));
    }

    /** Drops the assumption: readers see the informer's copy again. */
    void restore(String key) {
        assumed.remove(key);
    }
}
