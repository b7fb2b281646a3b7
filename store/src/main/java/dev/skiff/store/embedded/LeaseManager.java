package dev.skiff.store.embedded;

import com.google.protobuf.ByteString;
import dev.skiff.store.LeaseNotFoundException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Lease bookkeeping in two views. The writer's view ({@code granted}, {@code attached}) changes
 * as the writer applies requests, so a txn can attach a lease granted earlier in the same batch.
 * The published view ({@code live}) changes only once that batch is durable, and is what
 * callers see; it also carries the expiry deadlines, which are never persisted (on reopen every
 * lease gets its full granted TTL again, as etcd does).
 */
final class LeaseManager {

    /** A published lease; the deadline moves with keep-alives. */
    static final class Live {
        final long grantedTtl;
        volatile long expiresAtMillis;

        Live(long grantedTtl, long expiresAtMillis) {
            this.grantedTtl = grantedTtl;
            this.expiresAtMillis = expiresAtMillis;
        }
    }

    private final Clock clock;
    // writer thread only
    private final Map<Long, Long> granted = new HashMap<>();
    private final Map<Long, Set<ByteString>> attached = new HashMap<>();
    // any thread
    private final ConcurrentHashMap<Long, Live> live = new ConcurrentHashMap<>();

    LeaseManager(Clock clock) {
        this.clock = clock;
    }

    // ---- writer view -------------------------------------------------------------------

    boolean exists(long id) {
        return granted.containsKey(id);
    }

    /** A fresh positive id, as etcd picks one when the client passes 0. */
    long chooseId() {
        long id;
        do {
            id = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        } while (granted.containsKey(id));
        return id;
    }

    void grant(long id, long ttl) {
        granted.put(id, ttl);
    }

    /** Forgets the lease and returns the keys attached to it, in key order. */
    Set<ByteString> revoke(long id) {
        granted.remove(id);
        Set<ByteString> keys = attached.remove(id);
        return keys == null ? Set.of() : keys;
    }

    void attach(ByteString key, long id) {
        if (id != 0) {
            attached.computeIfAbsent(id, k -> new TreeSet<>(ByteString.unsignedLexicographicalComparator())).add(key);
        }
    }

    void detach(ByteString key, long id) {
        if (id != 0) {
            Set<ByteString> keys = attached.get(id);
            if (keys != null) {
                keys.remove(key);
            }
        }
    }

    // ---- published view ----------------------------------------------------------------

    void publishGrant(long id, long ttl) {
        live.put(id, new Live(ttl, clock.millis() + ttl * 1000));
    }

    void publishRevoke(long id) {
        live.remove(id);
    }

    /** Renews a live lease; an expired one is gone even before its revoke is applied (as etcd's Renew). */
    long keepAlive(long id) {
        Live l = live.get(id);
        if (l == null) {
            throw new LeaseNotFoundException();
        }
        synchronized (l) {
            long now = clock.millis();
            if (l.expiresAtMillis <= now) {
                throw new LeaseNotFoundException();
            }
            l.expiresAtMillis = now + l.grantedTtl * 1000;
        }
        return l.grantedTtl;
    }

    /** Whether a published lease is past its deadline (checked again when its expiry is applied). */
    boolean isExpired(long id) {
        Live l = live.get(id);
        if (l == null) {
            return false;
        }
        synchronized (l) {
            return l.expiresAtMillis <= clock.millis();
        }
    }

    /** Remaining whole seconds, rounded up so a live lease never reports 0. */
    long remainingTtl(Live l) {
        long ms = l.expiresAtMillis - clock.millis();
        return ms <= 0 ? 0 : (ms + 999) / 1000;
    }

    Live get(long id) {
        Live l = live.get(id);
        if (l == null) {
            throw new LeaseNotFoundException();
        }
        return l;
    }

    List<Long> ids() {
        return new ArrayList<>(live.keySet());
    }

    List<Long> expired() {
        long now = clock.millis();
        List<Long> out = new ArrayList<>();
        live.forEach((id, l) -> {
            if (l.expiresAtMillis <= now) {
                out.add(id);
            }
        });
        return out;
    }
}
