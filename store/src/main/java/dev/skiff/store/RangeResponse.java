package dev.skiff.store;

import java.util.List;

/** etcd's RangeResponse: {@code count} is the number of keys in the range regardless of limit. */
public record RangeResponse(long revision, List<KeyValue> kvs, boolean more, long count) implements OpResponse {
}
