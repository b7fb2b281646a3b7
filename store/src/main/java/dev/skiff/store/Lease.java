package dev.skiff.store;

import com.google.protobuf.ByteString;
import java.util.List;

/** A lease: {@code ttl} is the remaining seconds, {@code grantedTtl} what it was granted with. */
public record Lease(long id, long ttl, long grantedTtl, List<ByteString> keys) {
}
