package dev.skiff.store;

import com.google.protobuf.ByteString;

/**
 * etcd's RangeRequest. {@code revision} 0 reads the latest; {@code limit} 0 means no limit.
 * The min/max revision filters are 0 when unset.
 */
public record RangeRequest(ByteString key, ByteString rangeEnd, long limit, long revision,
                           SortOrder sortOrder, SortTarget sortTarget, boolean keysOnly, boolean countOnly,
                           long minModRevision, long maxModRevision,
                           long minCreateRevision, long maxCreateRevision) implements Op {

    public enum SortOrder { NONE, ASCEND, DESCEND }

    public enum SortTarget { KEY, VERSION, CREATE, MOD, VALUE }

    public static RangeRequest key(ByteString key) {
        return new RangeRequest(key, ByteString.EMPTY, 0, 0, SortOrder.NONE, SortTarget.KEY,
                false, false, 0, 0, 0, 0);
    }

    public static RangeRequest prefix(ByteString prefix) {
        return key(prefix).withRangeEnd(KeyRange.prefixEnd(prefix));
    }

    public RangeRequest withRangeEnd(ByteString end) {
        return new RangeRequest(key, end, limit, revision, sortOrder, sortTarget, keysOnly, countOnly,
                minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
    }

    public RangeRequest withLimit(long newLimit) {
        return new RangeRequest(key, rangeEnd, newLimit, revision, sortOrder, sortTarget, keysOnly, countOnly,
                minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
    }

    public RangeRequest atRevision(long rev) {
        return new RangeRequest(key, rangeEnd, limit, rev, sortOrder, sortTarget, keysOnly, countOnly,
                minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
    }

    public RangeRequest sorted(SortOrder order, SortTarget target) {
        return new RangeRequest(key, rangeEnd, limit, revision, order, target, keysOnly, countOnly,
                minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
    }

    public RangeRequest withKeysOnly() {
        return new RangeRequest(key, rangeEnd, limit, revision, sortOrder, sortTarget, true, countOnly,
                minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
    }

    public RangeRequest withCountOnly() {
        return new RangeRequest(key, rangeEnd, limit, revision, sortOrder, sortTarget, keysOnly, true,
                minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
    }
}
