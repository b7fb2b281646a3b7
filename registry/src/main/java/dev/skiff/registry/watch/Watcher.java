package dev.skiff.registry.watch;

import com.google.protobuf.ByteString;
import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.storage.ListOptions;
import dev.skiff.registry.storage.ListResult;
import dev.skiff.registry.storage.ObjectCodec;
import dev.skiff.registry.storage.Resource;
import dev.skiff.registry.storage.Storage;
import dev.skiff.store.CompactedException;
import dev.skiff.store.Event;
import dev.skiff.store.Store;
import dev.skiff.store.StoreException;
import dev.skiff.store.Watch;
import dev.skiff.store.WatchListener;
import dev.skiff.store.WatchRequest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes watch over store watches, as upstream's etcd3 watcher: store PUT/DELETE become
 * ADDED/MODIFIED/DELETED, filtered by the predicate with the transition rule (an object that stops
 * matching is sent as DELETED, one that starts matching as ADDED; prev values come from prevKv),
 * a DELETED event carries the last state with resourceVersion = the delete revision, and store
 * progress notifications become BOOKMARKs when asked for.
 */
public final class Watcher<T extends HasMetadata> {
    private static final Logger LOG = LoggerFactory.getLogger(Watcher.class);
    /** The annotation on the BOOKMARK that ends a watch's initial events. */
    public static final String INITIAL_EVENTS_END = "k8s.io/initial-events-end";

    private final Store store;
    private final Storage<T> storage;

    public Watcher(Store store, Storage<T> storage) {
        this.store = store;
        this.storage = storage;
    }

    /**
     * Starts a watch of one namespace (or all when null). Events reach {@code sink} one at a time
     * and in revision order; initial events (if any) are delivered before this method returns.
     */
    public WatchStream watch(String namespace, WatchOptions options, Consumer<WatchEvent<T>> sink) {
        Resource<T> resource = storage.resource();
        String rv = options.resourceVersion() == null ? "" : options.resourceVersion();
        boolean fromNow = rv.isEmpty() || rv.equals("0");
        boolean initialEvents = options.sendInitialEvents() != null ? options.sendInitialEvents() : fromNow;
        long after;
        if (initialEvents || fromNow) {
            ListResult<T> state = storage.list(namespace, ListOptions.latest().withPredicate(options.predicate())
                    .atResourceVersion(fromNow ? null : rv, null));
            after = Long.parseLong(state.resourceVersion());
            if (initialEvents) {
                state.items().forEach(o -> sink.accept(WatchEvent.of(WatchEvent.Type.ADDED, o)));
                if (Boolean.TRUE.equals(options.sendInitialEvents()) && options.allowBookmarks()) {
                    T bookmark = bookmark(after);
                    bookmark.getMetadata().setAnnotations(Map.of(INITIAL_EVENTS_END, "true"));
                    sink.accept(WatchEvent.of(WatchEvent.Type.BOOKMARK, bookmark));
                }
            }
        } else {
            after = Storage.parseResourceVersion(rv);
        }
        ByteString prefix = ByteString.copyFromUtf8(resource.listPrefix(namespace));
        WatchRequest request = WatchRequest.prefix(prefix, after + 1).withPrevKv();
        if (options.allowBookmarks()) {
            request = request.withProgressNotify();
        }
        Watch watch = store.watch(request, new Translator(after, options, sink));
        return new WatchStream() {
            @Override
            public void requestBookmark() {
                watch.requestProgress();
            }

            @Override
            public void close() {
                watch.close();
            }
        };
    }

    private T bookmark(long revision) {
        return bookmark(storage.resource(), revision);
    }

    /** A BOOKMARK's object: the watched kind with only its resourceVersion set. */
    public static <T extends HasMetadata> T bookmark(Resource<T> resource, long revision) {
        T object = resource.newObject().get();
        object.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
        object.getMetadata().setResourceVersion(Long.toString(revision));
        return object;
    }

    private final class Translator implements WatchListener {
        private final long after;
        private final Predicate<? super HasMetadata> predicate;
        private final boolean bookmarks;
        private final Consumer<WatchEvent<T>> sink;

        Translator(long after, WatchOptions options, Consumer<WatchEvent<T>> sink) {
            this.after = after;
            this.predicate = options.predicate();
            this.bookmarks = options.allowBookmarks();
            this.sink = sink;
        }

        @Override
        public void onEvents(long revision, java.util.List<Event> events) {
            for (Event event : events) {
                WatchEvent<T> translated = translate(event);
                if (translated != null) {
                    sink.accept(translated);
                }
            }
        }

        private WatchEvent<T> translate(Event event) {
            ObjectCodec codec = storage.codec();
            Class<T> type = storage.resource().type();
            long revision = event.kv().modRevision();
            // the previous state is stamped with this event's revision, as upstream sends it
            T previous = event.prevKv() == null ? null : codec.decode(event.prevKv().value(), type, revision);
            boolean previousMatched = previous != null && predicate.test(previous);
            if (event.type() == Event.Type.DELETE) {
                return previousMatched ? WatchEvent.of(WatchEvent.Type.DELETED, previous) : null;
            }
            T current = codec.decode(event.kv().value(), type, revision);
            boolean currentMatches = predicate.test(current);
            if (currentMatches) {
                return WatchEvent.of(previousMatched ? WatchEvent.Type.MODIFIED : WatchEvent.Type.ADDED, current);
            }
            return previousMatched ? WatchEvent.of(WatchEvent.Type.DELETED, previous) : null;
        }

        @Override
        public void onProgress(long revision) {
            if (bookmarks) {
                sink.accept(WatchEvent.of(WatchEvent.Type.BOOKMARK, bookmark(revision)));
            }
        }

        @Override
        public void onError(StoreException error) {
            if (error instanceof CompactedException compacted) {
                sink.accept(WatchEvent.error(ApiException.expired(
                        "too old resource version: " + after + " (" + compacted.compactRevision() + ")")));
                return;
            }
            LOG.warn("watch failed resource={} error={}", storage.resource().plural(), error.getMessage());
            sink.accept(WatchEvent.error(ApiException.internal(error.getMessage())));
        }
    }
}
