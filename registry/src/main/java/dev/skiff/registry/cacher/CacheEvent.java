package dev.skiff.registry.cacher;

import dev.skiff.registry.storage.ObjectCodec;
import dev.skiff.registry.watch.Encodings;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * One change in the cache's window, as upstream's watchCacheEvent: the object now ({@code null}
 * after a delete) and before ({@code null} on creation). The previous state, stamped with this
 * event's revision as watchers receive it, is made once and shared.
 */
final class CacheEvent<T extends HasMetadata> {
    private final long revision;
    private final String key;
    private final T current;
    private final T previous;
    private final ObjectCodec codec;
    private T previousAtRevision;
    /** The encodings of {@link #current} and of {@link #previousAtRevision}, shared by every watcher of the event. */
    final Encodings currentEncodings = new Encodings();
    final Encodings previousEncodings = new Encodings();

    CacheEvent(long revision, String key, T current, T previous, ObjectCodec codec) {
        this.revision = revision;
        this.key = key;
        this.current = current;
        this.previous = previous;
        this.codec = codec;
    }

    long revision() {
        return revision;
    }

    String key() {
        return key;
    }

    T current() {
        return current;
    }

    T previous() {
        return previous;
    }

    /** The previous state with resourceVersion = this event's revision (a DELETED event's object). */
    synchronized T previousAtRevision() {
        if (previousAtRevision == null) {
            T copy = codec.copy(previous);
            copy.getMetadata().setResourceVersion(Long.toString(revision));
            previousAtRevision = copy;
        }
        return previousAtRevision;
    }
}
