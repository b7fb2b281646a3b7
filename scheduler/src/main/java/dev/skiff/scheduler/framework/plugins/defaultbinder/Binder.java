package dev.skiff.scheduler.framework.plugins.defaultbinder;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * Where a binding goes: the API server's pods/binding subresource in a cluster (that
 * implementation arrives once the API server serves it), a recording sink in tests and benchmarks.
 */
public interface Binder {
    /** Binds the pod to the node; throws when the binding was not accepted. */
    void bind(Pod pod, String nodeName) throws Exception;
}
