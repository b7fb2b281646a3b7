package dev.skiff.store.etcdserver;

import dev.skiff.store.Store;
import io.etcd.jetcd.api.ResponseHeader;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The made-up single-member identity this endpoint reports (fixed for the server's life) and the
 * newest revision it has seen, for responses whose revision need not cost a store call.
 */
final class Headers {
    static final long RAFT_TERM = 1;

    final long clusterId;
    final long memberId;
    private final Store store;
    private final AtomicLong seen = new AtomicLong();

    Headers(Store store) {
        this.store = store;
        SecureRandom random = new SecureRandom();
        this.clusterId = (random.nextLong() & Long.MAX_VALUE) | 1;
        this.memberId = (random.nextLong() & Long.MAX_VALUE) | 1;
    }

    ResponseHeader header(long revision) {
        seen.accumulateAndGet(revision, Math::max);
        return ResponseHeader.newBuilder()
                .setClusterId(clusterId)
                .setMemberId(memberId)
                .setRevision(revision)
                .setRaftTerm(RAFT_TERM)
                .build();
    }

    /** The store's current revision (asks the store). */
    long currentRevision() {
        long rev = store.status().revision();
        seen.accumulateAndGet(rev, Math::max);
        return rev;
    }

    /** The current revision, or the newest seen if the store cannot answer. */
    long currentRevisionOrSeen() {
        try {
            return currentRevision();
        } catch (RuntimeException e) {
            return seen.get();
        }
    }

    ResponseHeader current() {
        return header(currentRevision());
    }
}
