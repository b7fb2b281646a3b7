package dev.skiff.controller;

import dev.skiff.client.record.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedInformerFactory;
import java.time.Clock;

/**
 * What every controller is started with (upstream's ControllerContext): the client, and the one
 * informer factory the controllers share, so each resource is listed and watched once however many
 * controllers read it. Controllers register their informers on {@code informers} when started; the
 * manager starts the factory after every controller has registered.
 *
 * @param workers how many keys each controller syncs at once (upstream's --concurrent-*-syncs)
 */
public record ControllerContext(KubernetesClient client, SharedInformerFactory informers, Clock clock, int workers) {

    /** An event recorder for {@code component} (e.g. {@code replicaset-controller}); the controller closes it. */
    public EventRecorder eventRecorder(String component) {
        return new EventRecorder(client, component, "", clock);
    }
}
