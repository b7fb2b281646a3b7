package dev.skiff.registry.generic;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * How a resource maps onto an autoscaling/v1 Scale, as upstream's ScaleREST for each scalable
 * resource: spec.replicas read and written, status.replicas read, and the selector rendered as a
 * label selector string (status.selector).
 */
public record ScaleSubresource<T extends HasMetadata>(Function<T, Integer> specReplicas,
                                                      BiConsumer<T, Integer> setSpecReplicas,
                                                      Function<T, Integer> statusReplicas,
                                                      Function<T, String> selector) {
}
