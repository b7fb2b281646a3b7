package dev.skiff.store;

import com.google.protobuf.ByteString;

/** etcd's PutRequest; {@code lease} 0 attaches none. */
public record PutRequest(ByteString key, ByteString value, long lease, boolean prevKv,
                         boolean ignoreValue, boolean ignoreLease) implements Op {

    public static PutRequest of(ByteString key, ByteString value) {
        return new PutRequest(key, value, 0, false, false, false);
    }

    public PutRequest withLease(long id) {
        return new PutRequest(key, value, id, prevKv, ignoreValue, ignoreLease);
    }

    public PutRequest withPrevKv() {
        return new PutRequest(key, value, lease, true, ignoreValue, ignoreLease);
    }
}
