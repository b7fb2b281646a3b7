package dev.skiff.registry.watch;

import dev.skiff.api.errors.ApiException;

/**
 * One event of a Kubernetes watch. ERROR carries the failure (e.g. 410 Expired for a compacted
 * resourceVersion) and is the last event; BOOKMARK carries an object of the watched kind with only
 * its resourceVersion (and, for the end of initial events, one annotation) set. {@code encodings}, when not null,
 * holds the object's encodings shared by every watch of the event.
 */
public record WatchEvent<T>(Type type, T object, ApiException error, Encodings encodings) {

    public enum Type { ADDED, MODIFIED, DELETED, BOOKMARK, ERROR }

    public static <T> WatchEvent<T> of(Type type, T object) {
        return new WatchEvent<>(type, object, null, null);
    }

    /** An event whose object's encodings are shared with the other watches it goes to ({@link Encodings}). */
    public static <T> WatchEvent<T> of(Type type, T object, Encodings encodings) {
        return new WatchEvent<>(type, object, null, encodings);
    }

    public static <T> WatchEvent<T> error(ApiException error) {
        return new WatchEvent<>(Type.ERROR, null, error, null);
    }
}
