package dev.skiff.registry.watch;

import dev.skiff.api.errors.ApiException;

/**
 * One event of a Kubernetes watch. ERROR carries the failure (e.g. 410 Expired for a compacted
 * resourceVersion) and is the last event; BOOKMARK carries an object of the watched kind with only
 * its resourceVersion (and, for the end of initial events, one annotation) set.
 */
public record WatchEvent<T>(Type type, T object, ApiException error) {

    public enum Type { ADDED, MODIFIED, DELETED, BOOKMARK, ERROR }

    public static <T> WatchEvent<T> of(Type type, T object) {
        return new WatchEvent<>(type, object, null);
    }

    public static <T> WatchEvent<T> error(ApiException error) {
        return new WatchEvent<>(Type.ERROR, null, error);
    }
}
