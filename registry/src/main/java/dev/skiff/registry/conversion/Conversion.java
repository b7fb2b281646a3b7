package dev.skiff.registry.conversion;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * How one served version of a resource maps onto the version it is stored in, as upstream's
 * conversion functions through the internal type (e.g. autoscaling/v1 HorizontalPodAutoscalers
 * stored as autoscaling/v2). Both directions must round-trip what the external version can say.
 *
 * @param <S> the stored type
 * @param <E> the external (served) type
 */
public interface Conversion<S extends HasMetadata, E extends HasMetadata> {

    Class<E> externalType();

    E fromStorage(S stored);

    S toStorage(E external);
}
