package dev.skiff.store;

/** The result of one {@link Op}; {@code revision()} is the store revision after it. */
public sealed interface OpResponse permits RangeResponse, PutResponse, DeleteRangeResponse, TxnResponse {
    long revision();
}
