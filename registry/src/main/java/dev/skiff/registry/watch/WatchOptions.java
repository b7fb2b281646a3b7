package dev.skiff.registry.watch;

import dev.skiff.registry.storage.ListOptions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.function.Predicate;

/**
 * A watch request after selector parsing. {@code resourceVersion} ""/null/"0": synthetic ADDED
 * events for the current state, then changes; otherwise changes after that revision.
 * {@code sendInitialEvents} null keeps that legacy rule; true forces the initial events and, with
 * bookmarks allowed, ends them with a BOOKMARK annotated {@code k8s.io/initial-events-end}; false
 * skips them.
 */
public record WatchOptions(String resourceVersion, Predicate<? super HasMetadata> predicate, boolean allowBookmarks,
                           Boolean sendInitialEvents) {

    public WatchOptions {
        predicate = predicate == null ? ListOptions.EVERYTHING : predicate;
    }

    public static WatchOptions from(String resourceVersion) {
        return new WatchOptions(resourceVersion, ListOptions.EVERYTHING, false, null);
    }

    public WatchOptions withPredicate(Predicate<? super HasMetadata> p) {
        return new WatchOptions(resourceVersion, p, allowBookmarks, sendInitialEvents);
    }

    public WatchOptions withBookmarks() {
        return new WatchOptions(resourceVersion, predicate, true, sendInitialEvents);
    }

    public WatchOptions withSendInitialEvents(boolean send) {
        return new WatchOptions(resourceVersion, predicate, allowBookmarks, send);
    }
}
