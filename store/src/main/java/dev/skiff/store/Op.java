package dev.skiff.store;

/** A request that may appear inside a transaction. */
public sealed interface Op permits RangeRequest, PutRequest, DeleteRangeRequest, TxnRequest {
}
