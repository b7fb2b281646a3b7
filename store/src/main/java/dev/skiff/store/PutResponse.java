package dev.skiff.store;

/** {@code prevKv} is null unless asked for and the key existed. */
public record PutResponse(long revision, KeyValue prevKv) implements OpResponse {
}
