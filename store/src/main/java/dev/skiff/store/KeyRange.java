package dev.skiff.store;

import com.google.protobuf.ByteString;

/**
 * How etcd names a set of keys: {@code rangeEnd} empty means the single key; {@code "\0"} means
 * every key at or after {@code key}; otherwise the half-open interval [key, rangeEnd).
 */
public final class KeyRange {
    public static final ByteString ALL = ByteString.copyFrom(new byte[] {0});

    private KeyRange() {
    }

    /** The range end that selects every key starting with {@code prefix}, as etcd's clientv3.GetPrefixRangeEnd. */
    public static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ALL; // a prefix of only 0xff bytes: everything from it on
    }

    public static boolean isSingleKey(ByteString rangeEnd) {
        return rangeEnd.isEmpty();
    }

    /** True when {@code candidate} falls within the range named by key and rangeEnd. */
    public static boolean contains(ByteString key, ByteString rangeEnd, ByteString candidate) {
        if (rangeEnd.isEmpty()) {
            return key.equals(candidate);
        }
        var cmp = ByteString.unsignedLexicographicalComparator();
        if (cmp.compare(candidate, key) < 0) {
            return false;
        }
        return rangeEnd.equals(ALL) || cmp.compare(candidate, rangeEnd) < 0;
    }

    /** True when rangeEnd names a non-empty interval that ends at or before key (etcd returns nothing). */
    public static boolean isInverted(ByteString key, ByteString rangeEnd) {
        return !rangeEnd.isEmpty() && !rangeEnd.equals(ALL)
                && ByteString.unsignedLexicographicalComparator().compare(rangeEnd, key) <= 0;
    }
}
