package dev.skiff.registry.generic;

/**
 * What a delete did: {@code removed} true when the object is gone (object = its last state,
 * HTTP 200), false when it was only marked for deletion and waits on finalizers (HTTP 202).
 */
public record DeleteResult<T>(T object, boolean removed) {
}
