package dev.skiff.store.etcdserver;

import com.google.protobuf.MessageLite;
import dev.skiff.store.AsyncWrites;
import dev.skiff.store.Store;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.stub.StreamObserver;

/**
 * etcdserverpb.KV over a {@link Store}. Put, DeleteRange and Txn on a store with
 * {@link AsyncWrites} run on the transport thread and are answered from the thread that completes
 * the write ({@link #nonBlocking}); everything else blocks a virtual thread.
 */
final class KvService extends KVGrpc.KVImplBase {
    private final Store store;
    /** The store's non-blocking writes, or null: then Put, DeleteRange and Txn block a virtual thread. */
    private final AsyncWrites async;
    private final Headers headers;
    private final Convert convert;
    private final int maxRequestBytes;

    KvService(Store store, Headers headers, int maxRequestBytes) {
        this.store = store;
        this.async = store instanceof AsyncWrites a ? a : null;
        this.headers = headers;
        this.convert = new Convert(headers);
        this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
        // an inverted interval answers nothing, as etcd: every Store does so (the contract suite holds them to it)
        Calls.unary(out, () -> convert.rangeResponse(store.range(Convert.range(request))));
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> out) {
        if (async != null) {
            Calls.unaryAsync(out, () -> {
                checkSize(request);
                return async.putAsync(Convert.put(request));
            }, convert::putResponse);
            return;
        }
        Calls.unary(out, () -> {
            checkSize(request);
            return convert.putResponse(store.put(Convert.put(request)));
        });
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> out) {
        if (async != null) {
            Calls.unaryAsync(out, () -> {
                checkSize(request);
                return async.deleteRangeAsync(Convert.delete(request));
            }, convert::deleteResponse);
            return;
        }
        Calls.unary(out, () -> {
            checkSize(request);
            return convert.deleteResponse(store.deleteRange(Convert.delete(request)));
        });
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
        if (async != null) {
            Calls.unaryAsync(out, () -> {
                checkSize(request);
                return async.txnAsync(Convert.txn(request));
            }, convert::txnResponse);
            return;
        }
        Calls.unary(out, () -> {
            checkSize(request);
            return convert.txnResponse(store.txn(Convert.txn(request)));
        });
    }

    @Override
    public void compact(CompactionRequest request, StreamObserver<CompactionResponse> out) {
        Calls.unary(out, () -> {
            store.compact(request.getRevision());
            return CompactionResponse.newBuilder().setHeader(headers.current()).build();
        });
    }

    /** True when the method's handler never blocks (so it may run on the transport's event loop). */
    boolean nonBlocking(String fullMethodName) {
        return async != null && (fullMethodName.equals(KVGrpc.getPutMethod().getFullMethodName())
                || fullMethodName.equals(KVGrpc.getDeleteRangeMethod().getFullMethodName())
                || fullMethodName.equals(KVGrpc.getTxnMethod().getFullMethodName()));
    }

    /** etcd refuses a write whose encoded request exceeds --max-request-bytes. */
    private void checkSize(MessageLite request) {
        if (request.getSerializedSize() > maxRequestBytes) {
            throw Errors.invalid(Errors.REQUEST_TOO_LARGE);
        }
    }
}
