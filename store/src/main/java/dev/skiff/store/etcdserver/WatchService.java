package dev.skiff.store.etcdserver;

import dev.skiff.store.CompactedException;
import dev.skiff.store.Store;
import dev.skiff.store.StoreException;
import dev.skiff.store.Watch;
import dev.skiff.store.WatchListener;
import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcdserverpb.Watch: one bidirectional stream carries many watches. Responses of a stream are
 * sent under the stream's lock, so each watch's responses go out in the order the store produced
 * them; the "created" response is sent before the store watch starts, so it precedes every event.
 */
final class WatchService extends WatchGrpc.WatchImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(WatchService.class);
    private static final int WATCH_ID_FIELD = 7;
    /** etcd: a progress response that belongs to no particular watch. */
    private static final long NO_WATCH = -1;

    private final Store store;
    private final Headers headers;

    WatchService(Store store, Headers headers) {
        this.store = store;
        this.headers = headers;
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
        var out = (ServerCallStreamObserver<WatchResponse>) responses;
        var stream = new Stream(out);
        out.setOnCancelHandler(stream::closeAll);
        out.setOnReadyHandler(stream::readyChanged);
        return stream;
    }

    private static final class Entry {
        final long id;
        final boolean noPut;
        final boolean noDelete;
        Watch handle; // guarded by the stream lock
        boolean done; // guarded by the stream lock

        Entry(long id, boolean noPut, boolean noDelete) {
            this.id = id;
            this.noPut = noPut;
            this.noDelete = noDelete;
        }
    }

    private final class Stream implements StreamObserver<WatchRequest> {
        private final ServerCallStreamObserver<WatchResponse> out;
        private final Object lock = new Object();
        private final Object ready = new Object();
        private final Map<Long, Entry> watches = new HashMap<>();
        private long nextId;
        private boolean closed;

        Stream(ServerCallStreamObserver<WatchResponse> out) {
            this.out = out;
        }

        @Override
        public void onNext(WatchRequest request) {
            try {
                switch (request.getRequestUnionCase()) {
                    case CREATE_REQUEST -> create(request.getCreateRequest());
                    case CANCEL_REQUEST -> cancel(request.getCancelRequest());
                    case PROGRESS_REQUEST -> progress();
                    default -> {
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("watch stream request failed", e);
                fail(e);
            }
        }

        @Override
        public void onError(Throwable t) {
            closeAll();
        }

        @Override
        public void onCompleted() {
            closeAll();
            synchronized (lock) {
                try {
                    out.onCompleted();
                } catch (RuntimeException ignored) {
                    // already cancelled
                }
            }
        }

        private void create(WatchCreateRequest c) {
            long requested = Convert.unknownVarint(c, WATCH_ID_FIELD);
            boolean noPut = false;
            boolean noDelete = false;
            for (WatchCreateRequest.FilterType f : c.getFiltersList()) {
                noPut |= f == WatchCreateRequest.FilterType.NOPUT;
                noDelete |= f == WatchCreateRequest.FilterType.NODELETE;
            }
            long current = headers.currentRevisionOrSeen();
            Entry entry;
            synchronized (lock) {
                if (closed) {
                    return;
                }
                long id;
                if (requested != 0) {
                    if (watches.containsKey(requested)) {
                        send(WatchResponse.newBuilder().setHeader(headers.header(current)).setWatchId(requested)
                                .setCreated(true).setCanceled(true)
                                .setCancelReason("mvcc: duplicate watch ID provided on the WatchStream").build());
                        return;
                    }
                    id = requested;
                } else {
                    while (watches.containsKey(nextId)) {
                        nextId++;
                    }
                    id = nextId++;
                }
                entry = new Entry(id, noPut, noDelete);
                watches.put(id, entry);
                send(WatchResponse.newBuilder().setHeader(headers.header(current)).setWatchId(id)
                        .setCreated(true).build());
            }
            // etcd registers the watch before answering "created", so a watch without a start revision
            // sees every change after the created header's revision; the store watch starts only after
            // that answer here, so pin its start to that revision + 1 and changes in between are replayed
            long start = c.getStartRevision() != 0 || current <= 0 ? c.getStartRevision() : current + 1;
            var spi = new dev.skiff.store.WatchRequest(c.getKey(), c.getRangeEnd(), start,
                    c.getPrevKv(), c.getProgressNotify(), noPut, noDelete);
            Watch handle;
            try {
                handle = store.watch(spi, new Listener(entry));
            } catch (StoreException e) {
                end(entry, e);
                return;
            }
            boolean late;
            synchronized (lock) {
                late = entry.done || closed;
                if (!late) {
                    entry.handle = handle;
                }
            }
            if (late) {
                handle.close();
            }
        }

        private void cancel(WatchCancelRequest c) {
            long current = headers.currentRevisionOrSeen();
            Watch handle;
            synchronized (lock) {
                Entry entry = watches.remove(c.getWatchId());
                if (entry == null || entry.done) {
                    return; // etcd sends nothing for an unknown watch id
                }
                entry.done = true;
                handle = entry.handle;
                send(WatchResponse.newBuilder().setHeader(headers.header(current)).setWatchId(entry.id)
                        .setCanceled(true).build());
            }
            if (handle != null) {
                handle.close();
            }
        }

        private void progress() {
            List<Watch> handles = new ArrayList<>();
            synchronized (lock) {
                for (Entry e : watches.values()) {
                    if (e.handle != null && !e.done) {
                        handles.add(e.handle);
                    }
                }
            }
            if (handles.isEmpty()) {
                long current = headers.currentRevisionOrSeen();
                synchronized (lock) {
                    send(WatchResponse.newBuilder().setHeader(headers.header(current)).setWatchId(NO_WATCH).build());
                }
                return;
            }
            for (Watch h : handles) {
                h.requestProgress();
            }
        }

        /** The store ended a watch: tell the client it is canceled (compaction as etcd reports it). */
        private void end(Entry entry, StoreException error) {
            WatchResponse.Builder b = WatchResponse.newBuilder().setWatchId(entry.id).setCanceled(true);
            if (error instanceof CompactedException c) {
                b.setCompactRevision(c.compactRevision());
                b.setHeader(headers.header(headers.currentRevisionOrSeen()));
            } else {
                b.setCancelReason(String.valueOf(error.getMessage()));
                b.setHeader(headers.header(headers.currentRevisionOrSeen()));
            }
            Watch handle;
            synchronized (lock) {
                if (entry.done) {
                    return;
                }
                entry.done = true;
                watches.remove(entry.id, entry);
                handle = entry.handle;
                send(b.build());
            }
            if (handle != null) {
                handle.close();
            }
        }

        void closeAll() {
            List<Watch> handles = new ArrayList<>();
            synchronized (lock) {
                if (closed) {
                    return;
                }
                closed = true;
                for (Entry e : watches.values()) {
                    e.done = true;
                    if (e.handle != null) {
                        handles.add(e.handle);
                    }
                }
                watches.clear();
            }
            for (Watch h : handles) {
                try {
                    h.close();
                } catch (RuntimeException e) {
                    LOG.debug("closing watch", e);
                }
            }
        }

        private void fail(RuntimeException e) {
            closeAll();
            synchronized (lock) {
                try {
                    out.onError(Errors.toStatus(e));
                } catch (RuntimeException ignored) {
                    // already cancelled
                }
            }
        }

        void readyChanged() {
            synchronized (ready) {
                ready.notifyAll();
            }
        }

        /**
         * Blocks the calling store watch while the client is not reading (gRPC flow control says
         * not ready), so a slow or stalled client holds back its own watches' reads instead of
         * piling responses up in the server's memory. Not called with {@link #lock} held.
         */
        private void awaitReady() {
            synchronized (ready) {
                while (!out.isReady() && !out.isCancelled() && !isClosed()) {
                    try {
                        ready.wait(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        private boolean isClosed() {
            synchronized (lock) {
                return closed;
            }
        }

        /** Caller holds {@link #lock}. */
        private void send(WatchResponse response) {
            if (closed) {
                return;
            }
            try {
                out.onNext(response);
            } catch (RuntimeException e) {
                // the call was cancelled underneath us; the cancel handler cleans up
                LOG.debug("watch send failed", e);
            }
        }

        private final class Listener implements WatchListener {
            private final Entry entry;

            Listener(Entry entry) {
                this.entry = entry;
            }

            @Override
            public void onEvents(long revision, List<dev.skiff.store.Event> events) {
                WatchResponse.Builder b = WatchResponse.newBuilder().setWatchId(entry.id);
                for (dev.skiff.store.Event e : events) {
                    boolean put = e.type() == dev.skiff.store.Event.Type.PUT;
                    if ((put && entry.noPut) || (!put && entry.noDelete)) {
                        continue;
                    }
                    b.addEvents(Convert.event(e));
                }
                if (b.getEventsCount() == 0) {
                    return;
                }
                b.setHeader(headers.header(revision));
                awaitReady();
                synchronized (lock) {
                    if (!entry.done) {
                        send(b.build());
                    }
                }
            }

            @Override
            public void onProgress(long revision) {
                WatchResponse r = WatchResponse.newBuilder().setWatchId(entry.id)
                        .setHeader(headers.header(revision)).build();
                synchronized (lock) {
                    if (!entry.done) {
                        send(r);
                    }
                }
            }

            @Override
            public void onError(StoreException error) {
                end(entry, error);
            }
        }
    }
}
