package dev.skiff.store.embedded;

import dev.skiff.store.Op;

/** Everything that changes state goes through the writer as one of these, in arrival order. */
sealed interface Mutation {

    /** A put, delete-range or txn (a read-only txn still goes here so it sees a consistent state). */
    record Write(Op op) implements Mutation {
    }

    record Compact(long revision) implements Mutation {
    }

    record Grant(long id, long ttlSeconds) implements Mutation {
    }

    record Revoke(long id) implements Mutation {
    }

    /** Revoke because the lease expired - unless a keep-alive renewed it after expiry was noticed. */
    record Expire(long id) implements Mutation {
    }
}
