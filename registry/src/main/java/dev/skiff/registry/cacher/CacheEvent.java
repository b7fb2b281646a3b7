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
    /**
     * The encodings of {@link #current} and of {@link #previousAtRevision}, shared by the watchers
     * the event is dispatched to as it happens and dropped after that dispatch, as upstream's
     * cachingObject (the window would otherwise keep every event's bytes); a watcher replaying the
     * window gets its own. Read and written with the cache locked.
     */
    private Encodings currentEncodings;
    private Encodings previousEncodings;

    CacheEvent(long revision, String key, T current, T previous, ObjectCodec codec) {
        this.revision = revision;
        this.key = key;
        this.current = current;
        this.previous = previous;
        this.codec = codec;
    }

    /** Starts the dispatch to the cache's watchers: from now until {@link #endDispatch} they share encodings. */
    void beginDispatch() {
        currentEncodings = new Encodings();
        previousEncodings = new Encodings();
    }

    void endDispatch() {
        currentEncodings = null;
        previousEncodings = null;
    }

    Encodings currentEncodings() {
        return currentEncodings == null ? new Encodings() : currentEncodings;
    }

    Encodings previousEncodings() {
        return previousEncodings == null ? new Encodings() : previousEncodings;
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
