package dev.skiff.store;

import java.util.List;

/** {@code prevKvs} is empty unless asked for. */
public record DeleteRangeResponse(long revision, long deleted, List<KeyValue> prevKvs) implements OpResponse {
}
