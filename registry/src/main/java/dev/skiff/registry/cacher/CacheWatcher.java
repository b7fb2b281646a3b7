package dev.skiff.registry.cacher;

import dev.skiff.registry.watch.WatchEvent;
import dev.skiff.registry.watch.WatchOptions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One watch served by the cache, as upstream's cacheWatcher: the namespace scope and predicate,
 * with the selector transition rule (an object that stops matching is sent as DELETED with its
 * previous state, one that starts matching as ADDED).
 */
final class CacheWatcher<T extends HasMetadata> {
    private final String keyPrefix;
    private final Predicate<? super HasMetadata> predicate;
    final boolean bookmarks;
    final Consumer<WatchEvent<T>> sink;
    /** A bookmark was asked for; guarded by the cacher's lock. */
    boolean bookmarkRequested;

    CacheWatcher(String keyPrefix, WatchOptions options, Consumer<WatchEvent<T>> sink) {
        this.keyPrefix = keyPrefix;
        this.predicate = options.predicate();
        this.bookmarks = options.allowBookmarks();
        this.sink = sink;
    }

    void deliver(CacheEvent<T> event) {
        if (!event.key().startsWith(keyPrefix)) {
            return;
        }
        boolean previousMatched = event.previous() != null && predicate.test(event.previous());
        boolean currentMatches = event.current() != null && predicate.test(event.current());
        if (currentMatches) {
            sink.accept(WatchEvent.of(previousMatched ? WatchEvent.Type.MODIFIED : WatchEvent.Type.ADDED, event.current(),
                    event.currentEncodings()));
        } else if (previousMatched) {
            sink.accept(WatchEvent.of(WatchEvent.Type.DELETED, event.previousAtRevision(), event.previousEncodings()));
        }
    }
}
