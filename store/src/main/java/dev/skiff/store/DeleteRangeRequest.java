package dev.skiff.store;

import com.google.protobuf.ByteString;

public record DeleteRangeRequest(ByteString key, ByteString rangeEnd, boolean prevKv) implements Op {

    public static DeleteRangeRequest key(ByteString key) {
        return new DeleteRangeRequest(key, ByteString.EMPTY, false);
    }

    public static DeleteRangeRequest prefix(ByteString prefix) {
        return new DeleteRangeRequest(prefix, KeyRange.prefixEnd(prefix), false);
    }

    public DeleteRangeRequest withPrevKv() {
        return new DeleteRangeRequest(key, rangeEnd, true);
    }
}
