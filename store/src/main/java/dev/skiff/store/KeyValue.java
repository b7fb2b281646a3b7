package dev.skiff.store;

import com.google.protobuf.ByteString;

/** One version of a key, as etcd's mvccpb.KeyValue. {@code lease} is 0 when none is attached. */
public record KeyValue(ByteString key, ByteString value, long createRevision, long modRevision,
                       long version, long lease) {
}
