package dev.skiff.store.embedded;

import static dev.skiff.store.embedded.Fixtures.await;
import static dev.skiff.store.embedded.Fixtures.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.store.InvalidArgumentException;
import dev.skiff.store.Lease;
import dev.skiff.store.LeaseNotFoundException;
import dev.skiff.store.PutRequest;
import dev.skiff.store.RangeRequest;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreLeaseTest {
    @TempDir
    Path dir;
    final Fixtures.ManualClock clock = new Fixtures.ManualClock();
    EmbeddedStore store;

    @BeforeEach
    void open() {
        store = Fixtures.open(dir, clock);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private boolean exists(String key) {
        return !store.range(RangeRequest.key(bs(key))).kvs().isEmpty();
    }

    @Test
    void grantWithZeroIdChoosesOneAndDuplicateIdIsRejected() {
        Lease chosen = store.leaseGrant(0, 30);
        assertThat(chosen.id()).isPositive();
        assertThat(chosen.ttl()).isEqualTo(30);
        assertThat(store.leaseGrant(42, 10).id()).isEqualTo(42);
        assertThatThrownBy(() -> store.leaseGrant(42, 10))
                .isInstanceOf(InvalidArgumentException.class).hasMessage("etcdserver: lease already exists");
        assertThat(store.leases()).containsExactlyInAnyOrder(chosen.id(), 42L);
        assertThat(store.status().revision()).isEqualTo(1); // granting does not change the keyspace
    }

    @Test
    void keepAliveOfAnExpiredLeaseIsRefusedEvenBeforeItsRevokeIsApplied() {
        long id = store.leaseGrant(0, 10).id();
        store.put(PutRequest.of(bs("leased"), bs("v")).withLease(id));
        clock.advance(Duration.ofSeconds(11));
        assertThatThrownBy(() -> store.leaseKeepAlive(id)).isInstanceOf(LeaseNotFoundException.class);
        await("expiry deletes the key", () -> !exists("leased"));
    }

    @Test
    void tooLargeTtlIsRejectedAsEtcdDoes() {
        assertThatThrownBy(() -> store.leaseGrant(0, 9_000_000_001L))
                .isInstanceOf(InvalidArgumentException.class).hasMessage("etcdserver: too large lease TTL");
        assertThat(store.leases()).isEmpty();
    }

    @Test
    void keepAliveRenewsToGrantedTtl() {
        long id = store.leaseGrant(0, 10).id();
        clock.advance(Duration.ofSeconds(6));
        assertThat(store.leaseTimeToLive(id, false).ttl()).isEqualTo(4);
        assertThat(store.leaseKeepAlive(id)).isEqualTo(10);
        assertThat(store.leaseTimeToLive(id, false).ttl()).isEqualTo(10);
        assertThatThrownBy(() -> store.leaseKeepAlive(777)).isInstanceOf(LeaseNotFoundException.class);
    }

    @Test
    void timeToLiveListsAttachedKeys() {
        long id = store.leaseGrant(0, 10).id();
        store.put(PutRequest.of(bs("a"), bs("1")).withLease(id));
        store.put(PutRequest.of(bs("b"), bs("1")).withLease(id));
        store.put(PutRequest.of(bs("b"), bs("2"))); // re-put without lease detaches
        Lease l = store.leaseTimeToLive(id, true);
        assertThat(l.keys()).containsExactly(bs("a"));
        assertThat(l.grantedTtl()).isEqualTo(10);
        assertThatThrownBy(() -> store.leaseTimeToLive(999, false)).isInstanceOf(LeaseNotFoundException.class);
    }

    @Test
    void revokeDeletesAttachedKeysAtOneRevision() {
        long id = store.leaseGrant(0, 10).id();
        store.put(PutRequest.of(bs("a"), bs("1")).withLease(id)); // 2
        store.put(PutRequest.of(bs("b"), bs("1")).withLease(id)); // 3
        store.put(PutRequest.of(bs("c"), bs("1"))); // 4
        store.leaseRevoke(id);
        assertThat(store.status().revision()).isEqualTo(5);
        assertThat(exists("a")).isFalse();
        assertThat(exists("b")).isFalse();
        assertThat(exists("c")).isTrue();
        assertThat(store.leases()).isEmpty();
        assertThatThrownBy(() -> store.leaseRevoke(id)).isInstanceOf(LeaseNotFoundException.class);
    }

    @Test
    void revokingLeaseWithoutKeysDoesNotBumpRevision() {
        long id = store.leaseGrant(0, 10).id();
        store.leaseRevoke(id);
        assertThat(store.status().revision()).isEqualTo(1);
    }

    @Test
    void expiredLeaseDeletesItsKeys() {
        long id = store.leaseGrant(0, 5).id();
        store.put(PutRequest.of(bs("a"), bs("1")).withLease(id));
        clock.advance(Duration.ofSeconds(4));
        store.leaseKeepAlive(id);
        clock.advance(Duration.ofSeconds(4));
        // renewed: still alive after 8 s in total
        assertThat(store.leases()).contains(id);
        clock.advance(Duration.ofSeconds(2));
        await("expiry", () -> !exists("a"));
        assertThat(store.leases()).doesNotContain(id);
    }
}
