package dev.skiff.controller;

import dev.skiff.client.controller.Controller;
import dev.skiff.client.record.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.SharedInformerFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * What every controller is started with (upstream's ControllerContext): the client, and the one
 * informer factory the controllers share, so each resource is listed and watched once however many
 * controllers read it. Controllers register their informers on {@code informers} when started; the
 * manager starts the factory after every controller has registered.
 *
 * @param workers how many keys each controller syncs at once (upstream's --concurrent-*-syncs)
 * @param options the manager's other settings (node IPAM's CIDRs)
 */
public record ControllerContext(KubernetesClient client, SharedInformerFactory informers, Clock clock, int workers,
                                ControllerOptions options) {

    /** A context with upstream's default {@link ControllerOptions}. */
    public ControllerContext(KubernetesClient client, SharedInformerFactory informers, Clock clock, int workers) {
        this(client, informers, clock, workers, ControllerOptions.DEFAULTS);
    }

    /** How long a controller waits for its informers' first list before giving up (it then never starts, as upstream's WaitForCacheSync). */
    public static final Duration CACHE_SYNC_TIMEOUT = Duration.ofMinutes(2);

    /**
     * Starts {@code controller}'s workers once {@code informers} have synced, without waiting for
     * that ({@link Controller#start}): the manager starts the shared informer factory only after
     * every controller registered. The one way every controller here is started.
     */
    public void runWhenSynced(Controller controller, List<? extends SharedIndexInformer<?>> informers) {
        controller.start(workers, informers, CACHE_SYNC_TIMEOUT);
    }

    /** An event recorder for {@code component} (e.g. {@code replicaset-controller}); the controller closes it. */
    public EventRecorder eventRecorder(String component) {
        return new EventRecorder(client, component, "", clock);
    }
}
