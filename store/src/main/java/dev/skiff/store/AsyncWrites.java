package dev.skiff.store;

import java.util.concurrent.CompletableFuture;

/**
 * An optional capability of a {@link Store}: writes that hand back a future instead of blocking
 * the caller. Same semantics as the blocking calls (validation failures are thrown at once; the
 * future completes only once the write is durable and visible, or fails with the same
 * {@link StoreException} the blocking call would throw). The future may complete on the store's
 * own writer thread, so dependent actions must be short and must not block.
 *
 * <p>Lets a server answer writes without parking a thread per request.
 */
public interface AsyncWrites {

    CompletableFuture<PutResponse> putAsync(PutRequest request);

    CompletableFuture<DeleteRangeResponse> deleteRangeAsync(DeleteRangeRequest request);

    CompletableFuture<TxnResponse> txnAsync(TxnRequest request);
}
