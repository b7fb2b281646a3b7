package dev.skiff.registry.watch;

/** A running Kubernetes watch; closing it stops delivery. */
public interface WatchStream extends AutoCloseable {

    /** Asks for a BOOKMARK at the current revision (delivered only when bookmarks were allowed). */
    void requestBookmark();

    @Override
    void close();
}
