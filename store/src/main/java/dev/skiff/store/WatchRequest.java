package dev.skiff.store;

import com.google.protobuf.ByteString;

/**
 * etcd's WatchCreateRequest. {@code startRevision} 0 means "changes after now". With
 * {@code progressNotify} the store sends periodic progress notifications to an idle watch.
 */
public record WatchRequest(ByteString key, ByteString rangeEnd, long startRevision, boolean prevKv,
                           boolean progressNotify, boolean filterPut, boolean filterDelete) {

    public static WatchRequest key(ByteString key, long startRevision) {
        return new WatchRequest(key, ByteString.EMPTY, startRevision, false, false, false, false);
    }

    public static WatchRequest prefix(ByteString prefix, long startRevision) {
        return new WatchRequest(prefix, KeyRange.prefixEnd(prefix), startRevision, false, false, false, false);
    }

    public WatchRequest withPrevKv() {
        return new WatchRequest(key, rangeEnd, startRevision, true, progressNotify, filterPut, filterDelete);
    }

    public WatchRequest withProgressNotify() {
        return new WatchRequest(key, rangeEnd, startRevision, prevKv, true, filterPut, filterDelete);
    }
}
