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
 * One etcd watch on its own gRPC Watch stream. etcd may pack several revisions into one
 * WatchResponse (while catching up) but never splits one revision across responses, so each
 * response is cut into per-revision groups by the events' mod revisions.
 */
final class EtcdWatch implements Watch, ClientResponseObserver<io.etcd.jetcd.api.WatchRequest, WatchResponse> {

    private final EtcdStore store;
    private final WatchRequest request;
    private final WatchListener listener;
    private final CompletableFuture<Void> created = new CompletableFuture<>();
    private final Object sendLock = new Object();
    private ClientCallStreamObserver<io.etcd.jetcd.api.WatchRequest> requests;
    private volatile boolean closed;
    private boolean ended; // only touched from the (serialized) response callbacks

    EtcdWatch(EtcdStore store, WatchRequest request, WatchListener listener) {
        this.store = store;
        this.request = request;
        this.listener = listener;
    }

    void start() {
        store.watchStub().watch(this);
        WatchCreateRequest.Builder create = WatchCreateRequest.newBuilder()
                .setKey(request.key())
                .setRangeEnd(request.rangeEnd())
                .setStartRevision(request.startRevision())
                .setPrevKv(request.prevKv())
                .setProgressNotify(request.progressNotify());
        if (request.filterPut()) {
            create.addFilters(WatchCreateRequest.FilterType.NOPUT);
        }
        if (request.filterDelete()) {
            create.addFilters(WatchCreateRequest.FilterType.NODELETE);
        }
        send(io.etcd.jetcd.api.WatchRequest.newBuilder().setCreateRequest(create).build());
        // wait until etcd has registered the watch, so that a watch from "now" (start revision 0)
        // sees every change made after this method returns
        try {
            created.get(store.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            close();
            if (e.getCause() instanceof StoreException s) {
                throw s;
            }
            if (e.getCause() instanceof StatusRuntimeException s) {
                throw store.translate(s);
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

    @Override
    public void beforeStart(ClientCallStreamObserver<io.etcd.jetcd.api.WatchRequest> requestStream) {
        this.requests = requestStream;
    }

    @Override
    public void requestProgress() {
        send(io.etcd.jetcd.api.WatchRequest.newBuilder()
                .setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
    }

    private void send(io.etcd.jetcd.api.WatchRequest message) {
        synchronized (sendLock) {
            if (!closed) {
                requests.onNext(message);
            }
        }
    }

    @Override
    public void onNext(WatchResponse r) {
        if (closed || ended) {
            return;
        }
        if (r.getCreated()) {
            if (r.getCanceled()) {
                ended = true;
                created.completeExceptionally(new StoreException(
                        r.getCancelReason().isEmpty() ? "watch canceled by etcd" : r.getCancelReason()));
                return;
            }
            created.complete(null);
            // a create response carries no events
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
            if (rev != groupRevision && !group.isEmpty()) {
                listener.onEvents(groupRevision, List.copyOf(group));
                group.clear();
            }
            groupRevision = rev;
            group.add(EtcdStore.fromProto(e, request.prevKv()));
        }
        listener.onEvents(groupRevision, List.copyOf(group));
    }

    private void end(StoreException error) {
        ended = true;
        closeStream();
        listener.onError(error);
    }

    @Override
    public void onError(Throwable t) {
        StoreException error = t instanceof StatusRuntimeException s ? store.translate(s)
                : new UnavailableException(String.valueOf(t.getMessage()), t);
        if (!created.isDone()) {
            created.completeExceptionally(error);
            return;
        }
        if (closed || ended) {
            return;
        }
        ended = true;
        listener.onError(error);
    }

    @Override
    public void onCompleted() {
        if (closed || ended) {
            return;
        }
        ended = true;
        if (!created.isDone()) {
            created.completeExceptionally(new UnavailableException("watch stream ended before creation"));
            return;
        }
        listener.onError(new UnavailableException("watch stream ended by the server"));
    }

    private void closeStream() {
        synchronized (sendLock) {
            if (!closed) {
                closed = true;
                requests.cancel("watch closed", null);
            }
        }
    }

    @Override
    public void close() {
        closeStream();
    }
}
