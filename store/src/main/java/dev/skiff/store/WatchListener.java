package dev.skiff.store;

import java.util.List;

/** Receives a watch's changes. Calls for one watch never overlap. */
public interface WatchListener {

    /** All events of the watch's range at {@code revision}, in the order the write applied them (as etcd). */
    void onEvents(long revision, List<Event> events);

    /** Nothing in range changed up to and including {@code revision}. */
    default void onProgress(long revision) {
    }

    /**
     * The watch ended with an error (e.g. {@link CompactedException} when its start revision was
     * compacted) and delivers nothing more.
     */
    void onError(StoreException error);
}
