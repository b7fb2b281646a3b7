package dev.skiff.store.embedded;

import static dev.skiff.store.embedded.Fixtures.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.skiff.store.CompactedException;
import dev.skiff.store.DeleteRangeRequest;
import dev.skiff.store.FutureRevisionException;
import dev.skiff.store.InvalidArgumentException;
import dev.skiff.store.KeyRange;
import dev.skiff.store.KeyValue;
import dev.skiff.store.LeaseNotFoundException;
import dev.skiff.store.PutRequest;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.RangeRequest.SortOrder;
import dev.skiff.store.RangeRequest.SortTarget;
import dev.skiff.store.RangeResponse;
import dev.skiff.store.RequestTooLargeException;
import org.junit.jupiter.api.Test;

class EmbeddedStoreKvTest extends EmbeddedStoreFixture {
    private KeyValue get(String k) {
        RangeResponse r = store.range(RangeRequest.key(bs(k)));
        return r.kvs().isEmpty() ? null : r.kvs().getFirst();
    }

    private static java.util.List<String> keys(RangeResponse r) {
        return r.kvs().stream().map(kv -> kv.key().toStringUtf8()).toList();
    }

    @Test
    void emptyStoreIsAtRevisionOneAndFirstWriteGetsTwo() {
        assertThat(store.status().revision()).isEqualTo(1);
        assertThat(store.range(RangeRequest.key(bs("a"))).revision()).isEqualTo(1);
        assertThat(store.put(PutRequest.of(bs("a"), bs("1"))).revision()).isEqualTo(2);
        assertThat(store.status().revision()).isEqualTo(2);
    }

    @Test
    void statusReportsVersionRevisionsAndDbSize() {
        put("a", "1");
        put("a", "2");
        store.compact(2);
        var status = store.status();
        assertThat(status.version()).isEqualTo("3.4.0+skiff");
        assertThat(status.revision()).isEqualTo(3);
        assertThat(status.compactRevision()).isEqualTo(2);
        assertThat(status.dbSizeBytes()).isPositive();
    }

    @Test
    void putIncrementsVersionAndKeepsCreateRevision() {
        put("a", "1");
        put("a", "2");
        KeyValue kv = get("a");
        assertThat(kv.value()).isEqualTo(bs("2"));
        assertThat(kv.createRevision()).isEqualTo(2);
        assertThat(kv.modRevision()).isEqualTo(3);
        assertThat(kv.version()).isEqualTo(2);
    }

    @Test
    void versionResetsAfterDelete() {
        put("a", "1");
        put("a", "2");
        store.deleteRange(DeleteRangeRequest.key(bs("a")));
        put("a", "3");
        KeyValue kv = get("a");
        assertThat(kv.version()).isEqualTo(1);
        assertThat(kv.createRevision()).isEqualTo(5);
    }

    @Test
    void rangeSelectsHalfOpenIntervalAndAllFromKeyWithNulEnd() {
        for (String k : new String[] {"a", "b", "c", "d"}) {
            put(k, k);
        }
        assertThat(keys(store.range(RangeRequest.key(bs("b")).withRangeEnd(bs("d"))))).containsExactly("b", "c");
        assertThat(keys(store.range(RangeRequest.key(bs("b")).withRangeEnd(KeyRange.ALL)))).containsExactly("b", "c", "d");
        assertThat(keys(store.range(RangeRequest.prefix(bs("c"))))).containsExactly("c");
    }

    @Test
    void invertedRangeReturnsNothing() {
        put("a", "1");
        put("b", "1");
        RangeResponse r = store.range(RangeRequest.key(bs("b")).withRangeEnd(bs("a")));
        assertThat(r.kvs()).isEmpty();
        assertThat(r.count()).isZero();
    }

    @Test
    void limitSetsMoreAndCountIsTotal() {
        for (String k : new String[] {"a", "b", "c"}) {
            put(k, k);
        }
        RangeResponse r = store.range(RangeRequest.key(bs("a")).withRangeEnd(KeyRange.ALL).withLimit(2));
        assertThat(keys(r)).containsExactly("a", "b");
        assertThat(r.more()).isTrue();
        assertThat(r.count()).isEqualTo(3);
        RangeResponse all = store.range(RangeRequest.key(bs("a")).withRangeEnd(KeyRange.ALL).withLimit(3));
        assertThat(all.more()).isFalse();
    }

    @Test
    void rangeAtPastRevisionSeesOldValue() {
        put("a", "1");
        put("a", "2");
        store.deleteRange(DeleteRangeRequest.key(bs("a")));
        assertThat(store.range(RangeRequest.key(bs("a")).atRevision(2)).kvs().getFirst().value()).isEqualTo(bs("1"));
        assertThat(store.range(RangeRequest.key(bs("a")).atRevision(3)).kvs().getFirst().value()).isEqualTo(bs("2"));
        assertThat(store.range(RangeRequest.key(bs("a")).atRevision(4)).kvs()).isEmpty();
        assertThat(store.range(RangeRequest.key(bs("a")).atRevision(2)).revision()).isEqualTo(4);
    }

    @Test
    void rangeAboveCurrentRevisionIsFutureRevision() {
        put("a", "1");
        assertThatThrownBy(() -> store.range(RangeRequest.key(bs("a")).atRevision(3)))
                .isInstanceOf(FutureRevisionException.class)
                .hasMessage("etcdserver: mvcc: required revision is a future revision");
    }

    @Test
    void rangeBelowCompactRevisionIsCompacted() {
        put("a", "1");
        put("a", "2");
        store.compact(3);
        assertThatThrownBy(() -> store.range(RangeRequest.key(bs("a")).atRevision(2)))
                .isInstanceOf(CompactedException.class)
                .hasMessage("etcdserver: mvcc: required revision has been compacted");
        assertThat(store.range(RangeRequest.key(bs("a")).atRevision(3)).kvs().getFirst().value()).isEqualTo(bs("2"));
    }

    @Test
    void countOnlyReturnsCountWithoutKvs() {
        put("a", "1");
        put("b", "1");
        RangeResponse r = store.range(RangeRequest.key(KeyRange.ALL).withRangeEnd(KeyRange.ALL).withCountOnly());
        assertThat(r.kvs()).isEmpty();
        assertThat(r.count()).isEqualTo(2);
    }

    @Test
    void emptyKeyIsRejected() {
        assertThatThrownBy(() -> store.range(RangeRequest.key(ByteString.EMPTY)))
                .isInstanceOf(InvalidArgumentException.class).hasMessage("etcdserver: key is not provided");
        assertThatThrownBy(() -> store.put(PutRequest.of(ByteString.EMPTY, bs("v"))))
                .isInstanceOf(InvalidArgumentException.class).hasMessage("etcdserver: key is not provided");
    }

    @Test
    void keysOnlyOmitsValues() {
        put("a", "1");
        KeyValue kv = store.range(RangeRequest.key(bs("a")).withKeysOnly()).kvs().getFirst();
        assertThat(kv.value()).isEmpty();
        assertThat(kv.modRevision()).isEqualTo(2);
    }

    @Test
    void sortByTargetAndOrder() {
        put("a", "3");
        put("b", "1");
        put("c", "2");
        put("b", "9");
        RangeRequest all = RangeRequest.key(bs("a")).withRangeEnd(KeyRange.ALL);
        assertThat(keys(store.range(all.sorted(SortOrder.DESCEND, SortTarget.KEY)))).containsExactly("c", "b", "a");
        assertThat(keys(store.range(all.sorted(SortOrder.ASCEND, SortTarget.VALUE)))).containsExactly("c", "a", "b");
        assertThat(keys(store.range(all.sorted(SortOrder.DESCEND, SortTarget.MOD)))).containsExactly("b", "c", "a");
        assertThat(keys(store.range(all.sorted(SortOrder.DESCEND, SortTarget.VERSION))).getFirst()).isEqualTo("b");
        // a target without an order sorts ascending, as etcd
        assertThat(keys(store.range(all.sorted(SortOrder.NONE, SortTarget.CREATE)))).containsExactly("a", "b", "c");
        // sort applies before the limit
        RangeResponse top = store.range(all.sorted(SortOrder.DESCEND, SortTarget.MOD).withLimit(1));
        assertThat(keys(top)).containsExactly("b");
        assertThat(top.more()).isTrue();
    }

    @Test
    void modAndCreateRevisionFiltersSelectKeys() {
        put("a", "1"); // 2
        put("b", "1"); // 3
        put("a", "2"); // 4
        RangeRequest all = RangeRequest.key(bs("a")).withRangeEnd(KeyRange.ALL);
        RangeRequest minMod = new RangeRequest(all.key(), all.rangeEnd(), 0, 0, SortOrder.NONE, SortTarget.KEY,
                false, false, 4, 0, 0, 0);
        assertThat(keys(store.range(minMod))).containsExactly("a");
        RangeRequest maxCreate = new RangeRequest(all.key(), all.rangeEnd(), 0, 0, SortOrder.NONE, SortTarget.KEY,
                false, false, 0, 0, 0, 2);
        assertThat(keys(store.range(maxCreate))).containsExactly("a");
        RangeRequest minCreateMaxMod = new RangeRequest(all.key(), all.rangeEnd(), 0, 0, SortOrder.NONE, SortTarget.KEY,
                false, false, 0, 3, 3, 0);
        assertThat(keys(store.range(minCreateMaxMod))).containsExactly("b");
    }

    @Test
    void putWithPrevKvReturnsPreviousVersion() {
        assertThat(store.put(PutRequest.of(bs("a"), bs("1")).withPrevKv()).prevKv()).isNull();
        KeyValue prev = store.put(PutRequest.of(bs("a"), bs("2")).withPrevKv()).prevKv();
        assertThat(prev.value()).isEqualTo(bs("1"));
        assertThat(prev.modRevision()).isEqualTo(2);
    }

    @Test
    void ignoreValueKeepsValueAndIgnoreLeaseKeepsLease() {
        long lease = store.leaseGrant(0, 60).id();
        store.put(PutRequest.of(bs("a"), bs("1")).withLease(lease));
        store.put(new PutRequest(bs("a"), ByteString.EMPTY, 0, false, true, true));
        KeyValue kv = get("a");
        assertThat(kv.value()).isEqualTo(bs("1"));
        assertThat(kv.lease()).isEqualTo(lease);
        assertThat(kv.version()).isEqualTo(2);
        store.put(new PutRequest(bs("a"), bs("2"), 0, false, false, true));
        assertThat(get("a").lease()).isEqualTo(lease);
        assertThat(get("a").value()).isEqualTo(bs("2"));
    }

    @Test
    void ignoreFlagsWithValueOrLeaseOrMissingKeyAreRejected() {
        assertThatThrownBy(() -> store.put(new PutRequest(bs("a"), bs("x"), 0, false, true, false)))
                .hasMessage("etcdserver: value is provided");
        assertThatThrownBy(() -> store.put(new PutRequest(bs("a"), ByteString.EMPTY, 7, false, false, true)))
                .hasMessage("etcdserver: lease is provided");
        assertThatThrownBy(() -> store.put(new PutRequest(bs("a"), ByteString.EMPTY, 0, false, true, false)))
                .isInstanceOf(InvalidArgumentException.class).hasMessage("etcdserver: key not found");
        assertThat(store.status().revision()).isEqualTo(1);
    }

    @Test
    void putWithUnknownLeaseFailsAndWritesNothing() {
        assertThatThrownBy(() -> store.put(PutRequest.of(bs("a"), bs("1")).withLease(12345)))
                .isInstanceOf(LeaseNotFoundException.class);
        assertThat(get("a")).isNull();
        assertThat(store.status().revision()).isEqualTo(1);
    }

    @Test
    void deleteRangeReturnsPrevKvsAndCount() {
        put("a/1", "x");
        put("a/2", "y");
        put("b", "z");
        var r = store.deleteRange(DeleteRangeRequest.prefix(bs("a/")).withPrevKv());
        assertThat(r.deleted()).isEqualTo(2);
        assertThat(r.prevKvs()).extracting(kv -> kv.value().toStringUtf8()).containsExactly("x", "y");
        assertThat(r.revision()).isEqualTo(5);
        assertThat(get("a/1")).isNull();
        assertThat(get("b")).isNotNull();
    }

    @Test
    void deletingNothingDoesNotBumpRevision() {
        put("a", "1");
        var r = store.deleteRange(DeleteRangeRequest.key(bs("zzz")));
        assertThat(r.deleted()).isZero();
        assertThat(r.revision()).isEqualTo(2);
        assertThat(store.status().revision()).isEqualTo(2);
    }

    @Test
    void requestOverMaxBytesIsRejectedAndWritesNothing() {
        ByteString big = ByteString.copyFrom(new byte[64 * 1024]);
        assertThatThrownBy(() -> store.put(PutRequest.of(bs("a"), big)))
                .isInstanceOf(RequestTooLargeException.class).hasMessage("etcdserver: request is too large");
        assertThat(get("a")).isNull();
        assertThat(store.status().revision()).isEqualTo(1);
    }
}
