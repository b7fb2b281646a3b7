package dev.skiff.store.embedded;

import static dev.skiff.store.embedded.Fixtures.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.store.Compare;
import dev.skiff.store.Compare.Result;
import dev.skiff.store.Compare.Target;
import dev.skiff.store.DeleteRangeRequest;
import dev.skiff.store.DeleteRangeResponse;
import dev.skiff.store.InvalidArgumentException;
import dev.skiff.store.KeyRange;
import dev.skiff.store.LeaseNotFoundException;
import dev.skiff.store.Op;
import dev.skiff.store.PutRequest;
import dev.skiff.store.PutResponse;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.RangeResponse;
import dev.skiff.store.Store;
import dev.skiff.store.TxnRequest;
import dev.skiff.store.TxnResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddedStoreTxnTest extends EmbeddedStoreFixture {
    private static TxnRequest txn(List<Compare> cmp, List<Op> then, List<Op> otherwise) {
        return new TxnRequest(cmp, then, otherwise);
    }

    @Test
    void txnWritesShareOneRevision() {
        TxnResponse r = store.txn(txn(List.of(), List.of(PutRequest.of(bs("a"), bs("1")), PutRequest.of(bs("b"), bs("2"))),
                List.of()));
        assertThat(r.succeeded()).isTrue();
        assertThat(r.revision()).isEqualTo(2);
        RangeResponse all = store.range(RangeRequest.key(bs("a")).withRangeEnd(KeyRange.ALL));
        assertThat(all.kvs()).allSatisfy(kv -> assertThat(kv.modRevision()).isEqualTo(2));
        assertThat(store.status().revision()).isEqualTo(2);
    }

    @Test
    void txnOpResponsesCarryRevisionAfterEachOp() {
        store.put(PutRequest.of(bs("a"), bs("1"))); // 2
        TxnRequest inner = txn(List.of(), List.of(RangeRequest.key(bs("a"))), List.of());
        TxnResponse r = store.txn(txn(List.of(), List.of(RangeRequest.key(bs("a")), PutRequest.of(bs("a"), bs("2")),
                DeleteRangeRequest.key(bs("missing")), inner), List.of()));
        assertThat(r.revision()).isEqualTo(3);
        assertThat(r.responses()).extracting(dev.skiff.store.OpResponse::revision).containsExactly(2L, 3L, 3L, 3L);
        assertThat(((TxnResponse) r.responses().get(3)).responses().getFirst().revision()).isEqualTo(3);
    }

    @Test
    void readOnlyTxnDoesNotBumpRevision() {
        store.put(PutRequest.of(bs("a"), bs("1")));
        TxnResponse r = store.txn(txn(List.of(), List.of(RangeRequest.key(bs("a"))), List.of()));
        assertThat(r.revision()).isEqualTo(2);
        assertThat(((RangeResponse) r.responses().getFirst()).kvs().getFirst().value()).isEqualTo(bs("1"));
        assertThat(store.status().revision()).isEqualTo(2);
    }

    @Test
    void compareSelectsBranchForEveryTargetAndResult() {
        long lease = store.leaseGrant(0, 60).id();
        store.put(PutRequest.of(bs("k"), bs("m")).withLease(lease)); // rev 3 (grant does not bump)
        record Case(Compare cmp, boolean expected) {
        }
        List<Case> cases = List.of(
                new Case(Compare.version(bs("k"), Result.EQUAL, 1), true),
                new Case(Compare.version(bs("k"), Result.GREATER, 1), false),
                new Case(Compare.createRevision(bs("k"), Result.EQUAL, 2), true),
                new Case(Compare.modRevision(bs("k"), Result.LESS, 3), true),
                new Case(Compare.modRevision(bs("k"), Result.NOT_EQUAL, 2), false),
                new Case(Compare.value(bs("k"), Result.EQUAL, bs("m")), true),
                new Case(Compare.value(bs("k"), Result.GREATER, bs("a")), true),
                new Case(Compare.value(bs("k"), Result.LESS, bs("a")), false),
                new Case(Compare.lease(bs("k"), Result.EQUAL, lease), true),
                new Case(Compare.version(bs("missing"), Result.EQUAL, 0), true),
                new Case(Compare.value(bs("missing"), Result.NOT_EQUAL, bs("x")), false));
        for (Case c : cases) {
            TxnResponse r = store.txn(txn(List.of(c.cmp()), List.of(), List.of()));
            assertThat(r.succeeded()).as(c.cmp().toString()).isEqualTo(c.expected());
        }
    }

    @Test
    void compareOverRangeRequiresEveryKey() {
        store.put(PutRequest.of(bs("p/a"), bs("1")));
        store.put(PutRequest.of(bs("p/b"), bs("1")));
        store.put(PutRequest.of(bs("p/b"), bs("2")));
        Compare allV1 = new Compare(bs("p/"), KeyRange.prefixEnd(bs("p/")), Target.VERSION, Result.EQUAL, 1, bs(""));
        Compare allPositive = new Compare(bs("p/"), KeyRange.prefixEnd(bs("p/")), Target.VERSION, Result.GREATER, 0, bs(""));
        assertThat(store.txn(txn(List.of(allV1), List.of(), List.of())).succeeded()).isFalse();
        assertThat(store.txn(txn(List.of(allPositive), List.of(), List.of())).succeeded()).isTrue();
    }

    @Test
    void failedCompareRunsElseBranch() {
        store.put(PutRequest.of(bs("a"), bs("1")));
        TxnResponse r = store.txn(txn(List.of(Compare.value(bs("a"), Result.EQUAL, bs("nope"))),
                List.of(PutRequest.of(bs("then"), bs("x"))), List.of(PutRequest.of(bs("else"), bs("y")))));
        assertThat(r.succeeded()).isFalse();
        assertThat(r.responses()).hasSize(1).first().isInstanceOf(PutResponse.class);
        assertThat(store.range(RangeRequest.key(bs("then"))).kvs()).isEmpty();
        assertThat(store.range(RangeRequest.key(bs("else"))).kvs()).hasSize(1);
    }

    @Test
    void nestedTxnComparesSeeStateBeforeTheTxn() {
        TxnRequest inner = txn(List.of(Compare.version(bs("a"), Result.EQUAL, 0)),
                List.of(PutRequest.of(bs("inner-then"), bs("1"))), List.of(PutRequest.of(bs("inner-else"), bs("1"))));
        TxnResponse r = store.txn(txn(List.of(), List.of(PutRequest.of(bs("a"), bs("1")), inner), List.of()));
        TxnResponse nested = (TxnResponse) r.responses().get(1);
        assertThat(nested.succeeded()).isTrue(); // "a" did not exist before the txn
        assertThat(nested.revision()).isEqualTo(2);
        assertThat(store.range(RangeRequest.key(bs("inner-then"))).kvs().getFirst().modRevision()).isEqualTo(2);
    }

    @Test
    void rangeInsideTxnSeesEarlierWritesOfTheTxn() {
        TxnResponse r = store.txn(txn(List.of(), List.of(PutRequest.of(bs("a"), bs("1")), RangeRequest.key(bs("a"))),
                List.of()));
        assertThat(((RangeResponse) r.responses().get(1)).kvs()).hasSize(1);
    }

    @Test
    void failingTxnIsAtomic() {
        TxnRequest t = txn(List.of(), List.of(PutRequest.of(bs("a"), bs("1")), PutRequest.of(bs("b"), bs("1")).withLease(999)),
                List.of());
        assertThatThrownBy(() -> store.txn(t)).isInstanceOf(LeaseNotFoundException.class);
        assertThat(store.range(RangeRequest.key(bs("a"))).kvs()).isEmpty();
        assertThat(store.status().revision()).isEqualTo(1);
    }

    @Test
    void tooManyOpsInTxnIsRejected() {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i <= Store.MAX_TXN_OPS; i++) {
            ops.add(PutRequest.of(bs("k" + i), bs("v")));
        }
        assertThatThrownBy(() -> store.txn(txn(List.of(), ops, List.of())))
                .isInstanceOf(InvalidArgumentException.class).hasMessage("etcdserver: too many operations in txn request");
    }

    @Test
    void duplicateKeyInTxnIsRejected() {
        assertThatThrownBy(() -> store.txn(txn(List.of(),
                List.of(PutRequest.of(bs("a"), bs("1")), PutRequest.of(bs("a"), bs("2"))), List.of())))
                .isInstanceOf(InvalidArgumentException.class).hasMessage("etcdserver: duplicate key given in txn request");
        assertThatThrownBy(() -> store.txn(txn(List.of(),
                List.of(PutRequest.of(bs("p/a"), bs("1")), DeleteRangeRequest.prefix(bs("p/"))), List.of())))
                .hasMessage("etcdserver: duplicate key given in txn request");
        // the two branches of a nested txn exclude each other
        TxnRequest nested = txn(List.of(), List.of(PutRequest.of(bs("x"), bs("1"))), List.of(PutRequest.of(bs("x"), bs("2"))));
        assertThat(store.txn(txn(List.of(), List.of(nested), List.of())).succeeded()).isTrue();
    }

    @Test
    void deleteInTxnReportsDeletedAndPrevKvs() {
        store.put(PutRequest.of(bs("a"), bs("1")));
        TxnResponse r = store.txn(txn(List.of(), List.of(DeleteRangeRequest.key(bs("a")).withPrevKv()), List.of()));
        DeleteRangeResponse d = (DeleteRangeResponse) r.responses().getFirst();
        assertThat(d.deleted()).isEqualTo(1);
        assertThat(d.prevKvs().getFirst().value()).isEqualTo(bs("1"));
        assertThat(r.revision()).isEqualTo(3);
    }
}
