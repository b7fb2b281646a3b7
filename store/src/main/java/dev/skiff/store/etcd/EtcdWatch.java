package dev.skiff.store.etcd;

import dev.skiff.store.CompactedException;
import dev.skiff.store.Event;
import dev.skiff.store.StoreException;
import dev.skiff.store.UnavailableException;
import dev.skiff.store.Watch;
import dev.skiff.store.WatchListener;
import dev.skiff.store.WatchRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchProgressRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One etcd watch on its own gRPC Watch stream.
 *
 * <p>etcd may pack several revisions into one WatchResponse (while catching up) but never splits
 * one revision across responses, so each response is cut into per-revision groups by the events'
 * mod revisions.
 *
 * <p>When the stream breaks (the member went away, the connection dropped) the watch is re-created
 * on a new stream from the revision after the last one delivered, as etcd's own client does, so
 * the listener sees every change exactly once across a failover. Errors from etcd itself
 * (compaction, cancellation) end the watch.
 */
final class EtcdWatch implements Watch {

    private static final long MAX_BACKOFF_MILLIS = 2_000;

    private final EtcdStore store;
    private final WatchRequest request;
    private final WatchListener listener;
    private final CompletableFuture<Void> firstCreated = new CompletableFuture<>();
    private final Object lock = new Object();
    private volatile Stream current; // written under lock
    private volatile boolean closed;
    // the following are only touched from response callbacks, which never overlap: one stream's
    // callbacks are serialized by gRPC and a new stream is opened only after the old one ended
    private boolean ended;
    private long nextRevision;
    private int failures;
    private long failingSince; // System.nanoTime() of the first failure since the last creation, 0 if none

    EtcdWatch(EtcdStore store, WatchRequest request, WatchListener listener) {
        this.store = store;
        this.request = request;
        this.listener = listener;
        this.nextRevision = request.startRevision();
    }

    void start() {
        open(request.startRevision(), true);
        // wait until etcd has registered the watch, so that a watch from "now" (start revision 0)
        // sees every change made after this method returns
        try {
            firstCreated.get(store.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            close();
            if (e.getCause() instanceof StoreException s) {
                throw s;
            }
            throw new StoreException(String.valueOf(e.getCause().getMessage()), e.getCause());
        } catch (TimeoutException e) {
            close();
            throw new UnavailableException("etcdserver: request timed out (watch not created)", e);
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted", e);
        }
    }

    private void open(long startRevision, boolean waitForReady) {
        WatchCreateRequest.Builder create = WatchCreateRequest.newBuilder()
                .setKey(request.key())
                .setRangeEnd(request.rangeEnd())
                .setStartRevision(startRevision)
                .setPrevKv(request.prevKv())
                .setProgressNotify(request.progressNotify());
        if (request.filterPut()) {
            create.addFilters(WatchCreateRequest.FilterType.NOPUT);
        }
        if (request.filterDelete()) {
            create.addFilters(WatchCreateRequest.FilterType.NODELETE);
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            Stream stream = new Stream();
            current = stream;
            store.watchStub(waitForReady).watch(stream);
            stream.requests.onNext(io.etcd.jetcd.api.WatchRequest.newBuilder().setCreateRequest(create).build());
        }
    }

    @Override
    public void requestProgress() {
        synchronized (lock) {
            if (!closed && current != null) {
                current.requests.onNext(io.etcd.jetcd.api.WatchRequest.newBuilder()
                        .setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (current != null) {
                current.requests.cancel("watch closed", null);
            }
        }
    }

    private void end(StoreException error) {
        ended = true;
        close();
        listener.onError(error);
    }

    private void onResponse(WatchResponse r) {
        if (r.getCreated()) {
            if (r.getCanceled()) {
                StoreException error = new StoreException(
                        r.getCancelReason().isEmpty() ? "watch canceled by etcd" : r.getCancelReason());
                if (!firstCreated.isDone()) {
                    ended = true;
                    firstCreated.completeExceptionally(error);
                    close();
                } else {
                    end(error);
                }
                return;
            }
            failures = 0;
            failingSince = 0;
            if (nextRevision == 0) {
                // "from now": now is the revision in the create response's header
                nextRevision = r.getHeader().getRevision() + 1;
            }
            firstCreated.complete(null);
            return;
        }
        if (r.getCompactRevision() != 0) {
            end(new CompactedException(r.getCompactRevision()));
            return;
        }
        if (r.getCanceled()) {
            end(new StoreException(r.getCancelReason().isEmpty() ? "watch canceled by etcd" : r.getCancelReason()));
            return;
        }
        if (r.getEventsCount() == 0) {
            // a progress notification (requested or periodic): nothing changed up to header.revision
            listener.onProgress(r.getHeader().getRevision());
            return;
        }
        List<Event> group = new ArrayList<>();
        long groupRevision = -1;
        for (io.etcd.jetcd.api.Event e : r.getEventsList()) {
            long rev = e.getKv().getModRevision();
            if (rev < nextRevision) {
                continue; // already delivered before a re-created stream
            }
            if (rev != groupRevision && !group.isEmpty()) {
                deliver(groupRevision, group);
                group.clear();
            }
            groupRevision = rev;
            group.add(EtcdStore.fromProto(e, request.prevKv()));
        }
        if (!group.isEmpty()) {
            deliver(groupRevision, group);
        }
    }

    private void deliver(long revision, List<Event> events) {
        nextRevision = revision + 1;
        listener.onEvents(revision, List.copyOf(events));
    }

    private void onStreamError(Throwable t) {
        StoreException error = t instanceof StatusRuntimeException s ? store.translate(s)
                : new UnavailableException(String.valueOf(t.getMessage()), t);
        if (!firstCreated.isDone()) {
            ended = true;
            firstCreated.completeExceptionally(error);
            return;
        }
        Status.Code code = t instanceof StatusRuntimeException s ? s.getStatus().getCode() : Status.Code.UNKNOWN;
        if (code == Status.Code.UNAVAILABLE || code == Status.Code.INTERNAL || code == Status.Code.UNKNOWN) {
            resume();
            return;
        }
        ended = true;
        listener.onError(error);
    }

    private void onStreamCompleted() {
        if (!firstCreated.isDone()) {
            ended = true;
            firstCreated.completeExceptionally(new UnavailableException("watch stream ended before creation"));
            return;
        }
        resume(); // the server closed the stream without cancelling the watch: re-create it
    }

    /**
     * Re-creates the watch on a new stream after a backoff, from the first revision not yet
     * delivered. Re-created streams fail fast while no member is reachable; after three request
     * timeouts without success the watch ends with {@link UnavailableException}.
     */
    private void resume() {
        if (store.isClosed()) {
            end(new UnavailableException("store is closed"));
            return;
        }
        long now = System.nanoTime();
        if (failingSince == 0) {
            failingSince = now;
        } else if (now - failingSince > 3 * store.requestTimeout().toNanos()) {
            end(new UnavailableException("watch stream lost and not re-established within "
                    + store.requestTimeout().multipliedBy(3)));
            return;
        }
        long backoff = Math.min(MAX_BACKOFF_MILLIS, 50L << Math.min(failures, 6));
        failures++;
        long from = nextRevision;
        Thread.ofVirtual().name("etcd-watch-resume").start(() -> {
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            open(from, false);
        });
    }

    /** One gRPC Watch stream; callbacks of a stream that is no longer current are ignored. */
    private final class Stream implements ClientResponseObserver<io.etcd.jetcd.api.WatchRequest, WatchResponse> {
        ClientCallStreamObserver<io.etcd.jetcd.api.WatchRequest> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<io.etcd.jetcd.api.WatchRequest> requestStream) {
            this.requests = requestStream;
        }

        private boolean live() {
            return !closed && !ended && current == this;
        }

        @Override
        public void onNext(WatchResponse value) {
            if (live()) {
                onResponse(value);
            }
        }

        @Override
        public void onError(Throwable t) {
            if (live()) {
                onStreamError(t);
            }
        }

        @Override
        public void onCompleted() {
            if (live()) {
                onStreamCompleted();
            }
        }
    }
}
