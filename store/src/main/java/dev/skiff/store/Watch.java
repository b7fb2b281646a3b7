package dev.skiff.store;

/** A running watch; closing it stops delivery. */
public interface Watch extends AutoCloseable {

    /** Asks for a progress notification with the current revision (etcd's WatchProgressRequest). */
    void requestProgress();

    @Override
    void close();
}
