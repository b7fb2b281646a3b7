package dev.skiff.store.embedded;

import com.google.protobuf.ByteString;
import dev.skiff.store.Compare;
import dev.skiff.store.DeleteRangeRequest;
import dev.skiff.store.InvalidArgumentException;
import dev.skiff.store.KeyRange;
import dev.skiff.store.Op;
import dev.skiff.store.PutRequest;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.RequestTooLargeException;
import dev.skiff.store.Store;
import dev.skiff.store.TxnRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Stateless request checks done on the caller's thread before anything is queued, with etcd's
 * error strings, so a malformed request never reaches the writer.
 */
final class RequestValidator {
    static final String KEY_NOT_PROVIDED = "etcdserver: key is not provided";
    static final String VALUE_PROVIDED = "etcdserver: value is provided";
    static final String LEASE_PROVIDED = "etcdserver: lease is provided";
    static final String TOO_MANY_OPS = "etcdserver: too many operations in txn request";
    static final String DUPLICATE_KEY = "etcdserver: duplicate key given in txn request";

    private final int maxRequestBytes;

    RequestValidator(int maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
    }

    void check(Op op) {
        checkShape(op);
        if (size(op) > maxRequestBytes) {
            throw new RequestTooLargeException();
        }
    }

    private static void checkShape(Op op) {
        switch (op) {
            case RangeRequest r -> requireKey(r.key());
            case DeleteRangeRequest d -> requireKey(d.key());
            case PutRequest p -> {
                requireKey(p.key());
                if (p.ignoreValue() && !p.value().isEmpty()) {
                    throw new InvalidArgumentException(VALUE_PROVIDED);
                }
                if (p.ignoreLease() && p.lease() != 0) {
                    throw new InvalidArgumentException(LEASE_PROVIDED);
                }
            }
            case TxnRequest t -> {
                if (t.compare().size() > Store.MAX_TXN_OPS || t.success().size() > Store.MAX_TXN_OPS
                        || t.failure().size() > Store.MAX_TXN_OPS) {
                    throw new InvalidArgumentException(TOO_MANY_OPS);
                }
                for (Compare c : t.compare()) {
                    requireKey(c.key());
                }
                t.success().forEach(RequestValidator::checkShape);
                t.failure().forEach(RequestValidator::checkShape);
                writtenKeys(t.success());
                writtenKeys(t.failure());
            }
        }
    }

    private static void requireKey(ByteString key) {
        if (key.isEmpty()) {
            throw new InvalidArgumentException(KEY_NOT_PROVIDED);
        }
    }

    /** Keys put and ranges deleted by one branch, used to reject a key written twice. */
    private record Writes(Set<ByteString> puts, List<DeleteRangeRequest> deletes) {
        boolean deletes(ByteString key) {
            return deletes.stream().anyMatch(d -> KeyRange.contains(d.key(), d.rangeEnd(), key));
        }
    }

    /**
     * etcd's rule: within one branch a key may be put at most once and not also be deleted; the
     * two branches of a nested txn exclude each other, so the same key in both is fine.
     */
    private static Writes writtenKeys(List<Op> ops) {
        List<DeleteRangeRequest> deletes = new ArrayList<>();
        for (Op op : ops) {
            if (op instanceof DeleteRangeRequest d) {
                deletes.add(d);
            }
        }
        Writes level = new Writes(new HashSet<>(), deletes);
        for (Op op : ops) {
            if (op instanceof TxnRequest nested) {
                Writes then = writtenKeys(nested.success());
                Writes otherwise = writtenKeys(nested.failure());
                for (ByteString k : then.puts()) {
                    claim(level, k);
                }
                for (ByteString k : otherwise.puts()) {
                    if (!then.puts().contains(k)) {
                        claim(level, k);
                    } else if (level.deletes(k)) {
                        throw new InvalidArgumentException(DUPLICATE_KEY);
                    }
                }
                deletes.addAll(then.deletes());
                deletes.addAll(otherwise.deletes());
            }
        }
        for (Op op : ops) {
            if (op instanceof PutRequest p) {
                claim(level, p.key());
            }
        }
        return level;
    }

    private static void claim(Writes level, ByteString key) {
        if (!level.puts().add(key) || level.deletes(key)) {
            throw new InvalidArgumentException(DUPLICATE_KEY);
        }
    }

    /** Keys, range ends and values of the request, the part that dominates its wire size. */
    static long size(Op op) {
        return switch (op) {
            case RangeRequest r -> r.key().size() + r.rangeEnd().size();
            case DeleteRangeRequest d -> d.key().size() + d.rangeEnd().size();
            case PutRequest p -> p.key().size() + p.value().size();
            case TxnRequest t -> t.compare().stream()
                    .mapToLong(c -> c.key().size() + c.rangeEnd().size() + c.value().size()).sum()
                    + t.success().stream().mapToLong(RequestValidator::size).sum()
                    + t.failure().stream().mapToLong(RequestValidator::size).sum();
        };
    }
}
