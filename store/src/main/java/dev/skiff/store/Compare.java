package dev.skiff.store;

import com.google.protobuf.ByteString;

/**
 * One guard of a transaction, as etcd's Compare. For a key that does not exist, VERSION,
 * CREATE and MOD compare as 0 and VALUE never matches. {@code rangeEnd} empty means the single
 * key; otherwise every key in the range must satisfy the comparison. {@code number} is used for
 * VERSION/CREATE/MOD/LEASE targets, {@code value} for VALUE.
 */
public record Compare(ByteString key, ByteString rangeEnd, Target target, Result result,
                      long number, ByteString value) {

    public enum Target { VERSION, CREATE, MOD, VALUE, LEASE }

    public enum Result { EQUAL, GREATER, LESS, NOT_EQUAL }

    public static Compare modRevision(ByteString key, Result result, long revision) {
        return new Compare(key, ByteString.EMPTY, Target.MOD, result, revision, ByteString.EMPTY);
    }

    public static Compare createRevision(ByteString key, Result result, long revision) {
        return new Compare(key, ByteString.EMPTY, Target.CREATE, result, revision, ByteString.EMPTY);
    }

    public static Compare version(ByteString key, Result result, long version) {
        return new Compare(key, ByteString.EMPTY, Target.VERSION, result, version, ByteString.EMPTY);
    }

    public static Compare value(ByteString key, Result result, ByteString value) {
        return new Compare(key, ByteString.EMPTY, Target.VALUE, result, 0, value);
    }

    public static Compare lease(ByteString key, Result result, long lease) {
        return new Compare(key, ByteString.EMPTY, Target.LEASE, result, lease, ByteString.EMPTY);
    }
}
