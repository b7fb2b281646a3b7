package dev.skiff.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.skiff.store.RangeRequest.SortOrder;
import dev.skiff.store.RangeRequest.SortTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link Store} backend must show, written against etcd 3.4 as the reference.
 *
 * <p>A subclass opens its store once per class in {@link #openStore(Path)} (starting processes is
 * slow) and may register fixtures to close after it with {@link #closeAfterAll(AutoCloseable)}:
 *
 * <pre>{@code
 * class EtcdContractTest extends StoreContractTest {
 *     protected Store openStore(Path dir) {
 *         EtcdProcess etcd = closeAfterAll(EtcdProcess.start(dir, 1));
 *         return EtcdStore.connect(EtcdStoreConfig.of(etcd.clientEndpoints()));
 *     }
 * }
 * }</pre>
 *
 * <p>Tests share the store, so each works under its own key prefix ({@link #k(String)}) and
 * asserts revisions only relative to ones it observed. Tests that compact move the shared
 * compaction point forward; the others only read revisions they wrote themselves, which are never
 * below it.
 */
@SuppressWarnings("try") // watches are opened in try-with-resources only to be closed
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class StoreContractTest {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final Deque<AutoCloseable> fixtures = new ArrayDeque<>();
    private Store store;
    private String prefix;

    /** Opens the store under test; called once per test class. {@code dir} is a fresh temporary directory. */
    protected abstract Store openStore(Path dir) throws Exception;

    /** Registers a fixture (a process, a server) to close after the store, in reverse order of registration. */
    protected final <T extends AutoCloseable> T closeAfterAll(T fixture) {
        fixtures.push(fixture);
        return fixture;
    }

    /** The store under test. */
    protected final Store store() {
        return store;
    }

    @BeforeAll
    final void openStoreOnce(@TempDir Path dir) throws Exception {
        store = openStore(dir);
    }

    @AfterAll
    final void closeStoreOnce() throws Exception {
        Exception failure = null;
        if (store != null) {
            try {
                store.close();
            } catch (Exception e) {
                failure = e;
            }
        }
        while (!fixtures.isEmpty()) {
            try {
                fixtures.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @BeforeEach
    final void uniquePrefix(TestInfo info) {
        String name = info.getTestMethod().map(m -> m.getName()).orElse("test");
        prefix = "/contract/" + getClass().getSimpleName() + "/" + name + "/" + System.nanoTime() + "-"
                + SEQUENCE.incrementAndGet() + "/";
    }

    // ------------------------------------------------------------------ helpers

    /** A key under this test's prefix. */
    protected final ByteString k(String name) {
        return ByteString.copyFromUtf8(prefix + name);
    }

    protected final ByteString testPrefix() {
        return ByteString.copyFromUtf8(prefix);
    }

    protected static ByteString v(String value) {
        return ByteString.copyFromUtf8(value);
    }

    private PutResponse put(ByteString key, String value) {
        return store.put(PutRequest.of(key, v(value)));
    }

    private KeyValue get(ByteString key) {
        List<KeyValue> kvs = store.range(RangeRequest.key(key)).kvs();
        return kvs.isEmpty() ? null : kvs.getFirst();
    }

    private long currentRevision() {
        return store.range(RangeRequest.key(k("__rev__"))).revision();
    }

    private List<String> keys(RangeResponse r) {
        return r.kvs().stream().map(kv -> kv.key().toStringUtf8().substring(prefix.length())).toList();
    }

    private List<String> values(RangeResponse r) {
        return r.kvs().stream().map(kv -> kv.value().toStringUtf8()).toList();
    }

    private static RangeRequest withRevisionFilters(RangeRequest r, long minMod, long maxMod, long minCreate,
                                                   long maxCreate) {
        return new RangeRequest(r.key(), r.rangeEnd(), r.limit(), r.revision(), r.sortOrder(), r.sortTarget(),
                r.keysOnly(), r.countOnly(), minMod, maxMod, minCreate, maxCreate);
    }

    private static TxnRequest txn(List<Compare> compare, List<Op> success, List<Op> failure) {
        return new TxnRequest(compare, success, failure);
    }

    /** Collects a watch's callbacks for assertions. */
    protected static final class Recorder implements WatchListener {
        record Batch(long revision, List<Event> events) {
        }

        final BlockingQueue<Batch> batches = new LinkedBlockingQueue<>();
        final BlockingQueue<Long> progress = new LinkedBlockingQueue<>();
        final CompletableFuture<StoreException> error = new CompletableFuture<>();
        final AtomicInteger concurrentCalls = new AtomicInteger();
        volatile boolean overlapped;

        @Override
        public void onEvents(long revision, List<Event> events) {
            enter();
            try {
                batches.add(new Batch(revision, List.copyOf(events)));
            } finally {
                exit();
            }
        }

        @Override
        public void onProgress(long revision) {
            enter();
            try {
                progress.add(revision);
            } finally {
                exit();
            }
        }

        @Override
        public void onError(StoreException e) {
            error.complete(e);
        }

        private void enter() {
            if (concurrentCalls.incrementAndGet() > 1) {
                overlapped = true;
            }
        }

        private void exit() {
            concurrentCalls.decrementAndGet();
        }

        Batch next() throws InterruptedException {
            Batch b = batches.poll(10, TimeUnit.SECONDS);
            assertThat(b).as("a watch batch within 10 s").isNotNull();
            return b;
        }

        void assertNothingMore(Duration wait) throws InterruptedException {
            assertThat(batches.poll(wait.toMillis(), TimeUnit.MILLISECONDS)).isNull();
        }
    }

    // ------------------------------------------------------------------ KV basics

    @Test
    void putThenGetReturnsTheValue() {
        PutResponse p = put(k("a"), "1");
        KeyValue kv = get(k("a"));
        assertThat(kv).isNotNull();
        assertThat(kv.key()).isEqualTo(k("a"));
        assertThat(kv.value()).isEqualTo(v("1"));
        assertThat(kv.modRevision()).isEqualTo(p.revision());
        assertThat(kv.lease()).isZero();
        assertThat(get(k("missing"))).isNull();
    }

    @Test
    void everyWriteBumpsTheRevisionByOne() {
        long r1 = put(k("a"), "1").revision();
        long r2 = put(k("b"), "1").revision();
        long r3 = store.deleteRange(DeleteRangeRequest.key(k("a"))).revision();
        assertThat(r2).isEqualTo(r1 + 1);
        assertThat(r3).isEqualTo(r2 + 1);
        assertThat(currentRevision()).isGreaterThanOrEqualTo(r3);
    }

    @Test
    void versionAndRevisionsFollowEtcdAcrossUpdateDeleteAndRecreate() {
        long r1 = put(k("a"), "1").revision();
        KeyValue first = get(k("a"));
        assertThat(first.createRevision()).isEqualTo(r1);
        assertThat(first.modRevision()).isEqualTo(r1);
        assertThat(first.version()).isEqualTo(1);

        long r2 = put(k("a"), "2").revision();
        KeyValue second = get(k("a"));
        assertThat(second.createRevision()).isEqualTo(r1);
        assertThat(second.modRevision()).isEqualTo(r2);
        assertThat(second.version()).isEqualTo(2);

        DeleteRangeResponse d = store.deleteRange(DeleteRangeRequest.key(k("a")));
        assertThat(d.deleted()).isEqualTo(1);
        assertThat(get(k("a"))).isNull();

        long r4 = put(k("a"), "3").revision();
        KeyValue recreated = get(k("a"));
        assertThat(r4).isEqualTo(d.revision() + 1);
        assertThat(recreated.createRevision()).isEqualTo(r4);
        assertThat(recreated.modRevision()).isEqualTo(r4);
        assertThat(recreated.version()).isEqualTo(1);
    }

    @Test
    void emptyKeyIsRejectedAsInvalidArgument() {
        assertThatThrownBy(() -> store.put(PutRequest.of(ByteString.EMPTY, v("x"))))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("etcdserver: key is not provided");
        assertThatThrownBy(() -> store.range(RangeRequest.key(ByteString.EMPTY)))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("etcdserver: key is not provided");
        assertThatThrownBy(() -> store.deleteRange(DeleteRangeRequest.key(ByteString.EMPTY)))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("etcdserver: key is not provided");
    }

    @Test
    void putWithPrevKvReturnsThePreviousVersionOnlyWhenOneExisted() {
        PutResponse created = store.put(PutRequest.of(k("a"), v("1")).withPrevKv());
        assertThat(created.prevKv()).isNull();
        PutResponse updated = store.put(PutRequest.of(k("a"), v("2")).withPrevKv());
        assertThat(updated.prevKv()).isNotNull();
        assertThat(updated.prevKv().value()).isEqualTo(v("1"));
        assertThat(updated.prevKv().modRevision()).isEqualTo(created.revision());
        assertThat(updated.prevKv().version()).isEqualTo(1);
        PutResponse notAsked = store.put(PutRequest.of(k("a"), v("3")));
        assertThat(notAsked.prevKv()).isNull();
    }

    @Test
    void putIgnoringValueOrLeaseKeepsThem() {
        Lease lease = store.leaseGrant(0, 60);
        try {
            store.put(PutRequest.of(k("a"), v("1")).withLease(lease.id()));
            // ignore_lease: new value, lease kept
            store.put(new PutRequest(k("a"), v("2"), 0, false, false, true));
            KeyValue kv = get(k("a"));
            assertThat(kv.value()).isEqualTo(v("2"));
            assertThat(kv.lease()).isEqualTo(lease.id());
            // ignore_value with lease 0: value kept, lease detached
            store.put(new PutRequest(k("a"), ByteString.EMPTY, 0, false, true, false));
            kv = get(k("a"));
            assertThat(kv.value()).isEqualTo(v("2"));
            assertThat(kv.lease()).isZero();
            assertThat(kv.version()).isEqualTo(3);

            assertThatThrownBy(() -> store.put(new PutRequest(k("missing"), ByteString.EMPTY, 0, false, true, false)))
                    .isInstanceOf(InvalidArgumentException.class)
                    .hasMessage("etcdserver: key not found");
            assertThatThrownBy(() -> store.put(new PutRequest(k("a"), v("x"), 0, false, true, false)))
                    .isInstanceOf(InvalidArgumentException.class)
                    .hasMessage("etcdserver: value is provided");
        } finally {
            store.leaseRevoke(lease.id());
        }
    }

    // ------------------------------------------------------------------ ranges

    @Test
    void rangeOverPrefixReturnsKeysInOrder() {
        put(k("b"), "2");
        put(k("a"), "1");
        put(k("c"), "3");
        store.put(PutRequest.of(ByteString.copyFromUtf8(prefix.substring(0, prefix.length() - 1) + "0"), v("x")));
        RangeResponse r = store.range(RangeRequest.prefix(testPrefix()));
        assertThat(keys(r)).containsExactly("a", "b", "c");
        assertThat(values(r)).containsExactly("1", "2", "3");
        assertThat(r.count()).isEqualTo(3);
        assertThat(r.more()).isFalse();
    }

    @Test
    void rangeOverHalfOpenIntervalExcludesTheEnd() {
        for (String key : List.of("a", "b", "c", "d")) {
            put(k(key), key);
        }
        RangeResponse r = store.range(RangeRequest.key(k("b")).withRangeEnd(k("d")));
        assertThat(keys(r)).containsExactly("b", "c");
        assertThat(r.count()).isEqualTo(2);
    }

    @Test
    void rangeEndOfZeroByteMeansEveryKeyFromTheStartKey() {
        put(k("a"), "1");
        put(k("b"), "2");
        put(k("c"), "3");
        RangeResponse fromB = store.range(RangeRequest.key(k("b")).withRangeEnd(KeyRange.ALL).withLimit(2));
        assertThat(keys(fromB)).containsExactly("b", "c");
        assertThat(fromB.count()).isGreaterThanOrEqualTo(2);

        // key "\0" with range end "\0" names the whole keyspace
        RangeResponse all = store.range(RangeRequest.key(KeyRange.ALL).withRangeEnd(KeyRange.ALL).withCountOnly());
        assertThat(all.count()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void invertedRangeReturnsNothing() {
        put(k("a"), "1");
        put(k("b"), "2");
        RangeResponse r = store.range(RangeRequest.key(k("b")).withRangeEnd(k("a")));
        assertThat(r.kvs()).isEmpty();
        assertThat(r.count()).isZero();
        assertThat(r.more()).isFalse();
        RangeResponse same = store.range(RangeRequest.key(k("a")).withRangeEnd(k("a")));
        assertThat(same.kvs()).isEmpty();
        assertThat(same.count()).isZero();
    }

    @Test
    void limitReturnsTheFirstKeysWithMoreAndTheFullCount() {
        for (String key : List.of("a", "b", "c", "d", "e")) {
            put(k(key), key);
        }
        RangeResponse r = store.range(RangeRequest.prefix(testPrefix()).withLimit(2));
        assertThat(keys(r)).containsExactly("a", "b");
        assertThat(r.more()).isTrue();
        assertThat(r.count()).isEqualTo(5);

        RangeResponse exact = store.range(RangeRequest.prefix(testPrefix()).withLimit(5));
        assertThat(exact.kvs()).hasSize(5);
        assertThat(exact.more()).isFalse();

        RangeResponse over = store.range(RangeRequest.prefix(testPrefix()).withLimit(10));
        assertThat(over.kvs()).hasSize(5);
        assertThat(over.more()).isFalse();
    }

    @Test
    void rangeAtAPastRevisionSeesTheStateThen() {
        long r1 = put(k("a"), "1").revision();
        put(k("b"), "1");
        long r3 = put(k("a"), "2").revision();
        store.deleteRange(DeleteRangeRequest.key(k("b")));

        RangeResponse atR1 = store.range(RangeRequest.prefix(testPrefix()).atRevision(r1));
        assertThat(keys(atR1)).containsExactly("a");
        assertThat(values(atR1)).containsExactly("1");
        assertThat(atR1.revision()).as("the header reports the current revision, not the one read")
                .isGreaterThan(r1);

        RangeResponse atR3 = store.range(RangeRequest.prefix(testPrefix()).atRevision(r3));
        assertThat(keys(atR3)).containsExactly("a", "b");
        assertThat(values(atR3)).containsExactly("2", "1");
        assertThat(atR3.kvs().getFirst().version()).isEqualTo(2);

        RangeResponse now = store.range(RangeRequest.prefix(testPrefix()));
        assertThat(keys(now)).containsExactly("a");
    }

    @Test
    void rangeAtAFutureRevisionFails() {
        long now = put(k("a"), "1").revision();
        assertThatThrownBy(() -> store.range(RangeRequest.key(k("a")).atRevision(now + 1000)))
                .isInstanceOf(FutureRevisionException.class)
                .hasMessage("etcdserver: mvcc: required revision is a future revision");
    }

    @Test
    void countOnlyReturnsTheCountWithoutKeys() {
        for (String key : List.of("a", "b", "c")) {
            put(k(key), key);
        }
        RangeResponse r = store.range(RangeRequest.prefix(testPrefix()).withCountOnly());
        assertThat(r.kvs()).isEmpty();
        assertThat(r.count()).isEqualTo(3);
        assertThat(r.more()).isFalse();
    }

    @Test
    void keysOnlyReturnsKeysWithEmptyValues() {
        long rev = put(k("a"), "1").revision();
        put(k("b"), "2");
        RangeResponse r = store.range(RangeRequest.prefix(testPrefix()).withKeysOnly());
        assertThat(keys(r)).containsExactly("a", "b");
        assertThat(r.kvs()).allSatisfy(kv -> assertThat(kv.value()).isEmpty());
        assertThat(r.kvs().getFirst().modRevision()).isEqualTo(rev);
        assertThat(r.kvs().getFirst().version()).isEqualTo(1);
    }

    @Test
    void sortingByEachTargetAndOrder() {
        // created in order c, a, b; then b updated twice, a once: versions a=2 b=3 c=1
        put(k("c"), "x");
        put(k("a"), "z");
        put(k("b"), "y");
        put(k("b"), "y");
        put(k("a"), "z");
        put(k("b"), "y");
        Function<RangeRequest, List<String>> sorted = r -> keys(store.range(r));
        RangeRequest all = RangeRequest.prefix(testPrefix());

        assertThat(sorted.apply(all.sorted(SortOrder.DESCEND, SortTarget.KEY))).containsExactly("c", "b", "a");
        assertThat(sorted.apply(all.sorted(SortOrder.ASCEND, SortTarget.KEY))).containsExactly("a", "b", "c");
        assertThat(sorted.apply(all.sorted(SortOrder.ASCEND, SortTarget.CREATE))).containsExactly("c", "a", "b");
        assertThat(sorted.apply(all.sorted(SortOrder.DESCEND, SortTarget.CREATE))).containsExactly("b", "a", "c");
        assertThat(sorted.apply(all.sorted(SortOrder.ASCEND, SortTarget.MOD))).containsExactly("c", "a", "b");
        assertThat(sorted.apply(all.sorted(SortOrder.ASCEND, SortTarget.VERSION))).containsExactly("c", "a", "b");
        assertThat(sorted.apply(all.sorted(SortOrder.DESCEND, SortTarget.VERSION))).containsExactly("b", "a", "c");
        assertThat(sorted.apply(all.sorted(SortOrder.ASCEND, SortTarget.VALUE))).containsExactly("c", "b", "a");
        assertThat(sorted.apply(all.sorted(SortOrder.DESCEND, SortTarget.VALUE))).containsExactly("a", "b", "c");
        // etcd: a target other than KEY with order NONE sorts ascending
        assertThat(sorted.apply(all.sorted(SortOrder.NONE, SortTarget.CREATE))).containsExactly("c", "a", "b");

        // sorting happens before the limit is applied
        RangeResponse limited = store.range(all.sorted(SortOrder.DESCEND, SortTarget.KEY).withLimit(2));
        assertThat(keys(limited)).containsExactly("c", "b");
        assertThat(limited.more()).isTrue();
        assertThat(limited.count()).isEqualTo(3);
    }

    @Test
    void minAndMaxRevisionFiltersSelectByModAndCreateRevision() {
        long ra = put(k("a"), "1").revision();
        long rb = put(k("b"), "1").revision();
        long rc = put(k("c"), "1").revision();
        long ra2 = put(k("a"), "2").revision(); // a: create ra, mod ra2
        RangeRequest all = RangeRequest.prefix(testPrefix());

        assertThat(keys(store.range(withRevisionFilters(all, rc, 0, 0, 0)))).containsExactly("a", "c");
        assertThat(keys(store.range(withRevisionFilters(all, 0, rb, 0, 0)))).containsExactly("b");
        assertThat(keys(store.range(withRevisionFilters(all, 0, 0, rb, 0)))).containsExactly("b", "c");
        assertThat(keys(store.range(withRevisionFilters(all, 0, 0, 0, rb)))).containsExactly("a", "b");
        assertThat(keys(store.range(withRevisionFilters(all, rb, rc, rb, rc)))).containsExactly("b", "c");
        assertThat(keys(store.range(withRevisionFilters(all, ra2 + 1, 0, 0, 0)))).isEmpty();

        // etcd quirk: count is the number of keys in the range before the filters
        RangeResponse filtered = store.range(withRevisionFilters(all, 0, rb, 0, 0));
        assertThat(filtered.count()).isEqualTo(3);
        assertThat(ra).isLessThan(rb);
    }

    // ------------------------------------------------------------------ deletes

    @Test
    void deleteRangeReturnsCountAndPreviousValues() {
        put(k("a"), "1");
        put(k("b"), "2");
        put(k("c"), "3");
        DeleteRangeResponse d = store.deleteRange(
                new DeleteRangeRequest(k("a"), k("c"), true));
        assertThat(d.deleted()).isEqualTo(2);
        assertThat(d.prevKvs()).extracting(kv -> kv.value().toStringUtf8()).containsExactly("1", "2");
        assertThat(d.prevKvs()).extracting(KeyValue::key).containsExactly(k("a"), k("b"));
        assertThat(keys(store.range(RangeRequest.prefix(testPrefix())))).containsExactly("c");

        DeleteRangeResponse withoutPrev = store.deleteRange(DeleteRangeRequest.prefix(testPrefix()));
        assertThat(withoutPrev.deleted()).isEqualTo(1);
        assertThat(withoutPrev.prevKvs()).isEmpty();
        assertThat(withoutPrev.revision()).isEqualTo(d.revision() + 1);
    }

    @Test
    void deletingNothingLeavesTheRevisionUnchanged() {
        long before = put(k("a"), "1").revision();
        DeleteRangeResponse d = store.deleteRange(DeleteRangeRequest.key(k("missing")).withPrevKv());
        assertThat(d.deleted()).isZero();
        assertThat(d.prevKvs()).isEmpty();
        assertThat(d.revision()).isEqualTo(before);
        assertThat(put(k("b"), "1").revision()).isEqualTo(before + 1);
    }

    @Test
    void deletingAKeyAndReadingItsPastVersion() {
        long r1 = put(k("a"), "1").revision();
        long rd = store.deleteRange(DeleteRangeRequest.key(k("a"))).revision();
        assertThat(rd).isEqualTo(r1 + 1);
        assertThat(store.range(RangeRequest.key(k("a")).atRevision(r1)).kvs()).hasSize(1);
        assertThat(store.range(RangeRequest.key(k("a")).atRevision(rd)).kvs()).isEmpty();
    }

    // ------------------------------------------------------------------ transactions

    @Test
    void txnComparesOnModRevisionChooseTheBranch() {
        long r1 = put(k("a"), "1").revision();
        TxnResponse ok = store.txn(txn(
                List.of(Compare.modRevision(k("a"), Compare.Result.EQUAL, r1)),
                List.of(PutRequest.of(k("a"), v("2")), RangeRequest.key(k("a"))),
                List.of(RangeRequest.key(k("a")))));
        assertThat(ok.succeeded()).isTrue();
        assertThat(ok.responses()).hasSize(2);
        assertThat(ok.responses().get(0)).isInstanceOf(PutResponse.class);
        RangeResponse read = (RangeResponse) ok.responses().get(1);
        assertThat(read.kvs().getFirst().value()).as("reads in a txn see its earlier writes").isEqualTo(v("2"));
        assertThat(read.kvs().getFirst().modRevision()).isEqualTo(ok.revision());
        assertThat(ok.revision()).isEqualTo(r1 + 1);

        TxnResponse stale = store.txn(txn(
                List.of(Compare.modRevision(k("a"), Compare.Result.EQUAL, r1)),
                List.of(PutRequest.of(k("a"), v("3"))),
                List.of(RangeRequest.key(k("a")))));
        assertThat(stale.succeeded()).isFalse();
        assertThat(stale.responses()).hasSize(1);
        assertThat(((RangeResponse) stale.responses().getFirst()).kvs().getFirst().value()).isEqualTo(v("2"));
        assertThat(stale.revision()).as("a read-only branch does not write").isGreaterThanOrEqualTo(ok.revision());
        assertThat(get(k("a")).value()).isEqualTo(v("2"));

        TxnResponse greater = store.txn(txn(
                List.of(Compare.modRevision(k("a"), Compare.Result.GREATER, r1)), List.of(), List.of()));
        assertThat(greater.succeeded()).isTrue();
        TxnResponse less = store.txn(txn(
                List.of(Compare.modRevision(k("a"), Compare.Result.LESS, r1)), List.of(), List.of()));
        assertThat(less.succeeded()).isFalse();
    }

    @Test
    void txnCreateRevisionZeroMeansTheKeyDoesNotExist() {
        List<Compare> absent = List.of(Compare.createRevision(k("a"), Compare.Result.EQUAL, 0));
        TxnResponse create = store.txn(txn(absent, List.of(PutRequest.of(k("a"), v("1"))), List.of()));
        assertThat(create.succeeded()).isTrue();
        TxnResponse again = store.txn(txn(absent, List.of(PutRequest.of(k("a"), v("2"))), List.of()));
        assertThat(again.succeeded()).isFalse();
        assertThat(get(k("a")).value()).isEqualTo(v("1"));
        TxnResponse exact = store.txn(txn(
                List.of(Compare.createRevision(k("a"), Compare.Result.EQUAL, create.revision())),
                List.of(), List.of()));
        assertThat(exact.succeeded()).isTrue();
    }

    @Test
    void txnComparesOnVersion() {
        put(k("a"), "1");
        put(k("a"), "2");
        assertThat(store.txn(txn(List.of(Compare.version(k("a"), Compare.Result.EQUAL, 2)), List.of(), List.of()))
                .succeeded()).isTrue();
        assertThat(store.txn(txn(List.of(Compare.version(k("a"), Compare.Result.GREATER, 2)), List.of(), List.of()))
                .succeeded()).isFalse();
        assertThat(store.txn(txn(List.of(Compare.version(k("a"), Compare.Result.LESS, 3)), List.of(), List.of()))
                .succeeded()).isTrue();
        assertThat(store.txn(txn(List.of(Compare.version(k("missing"), Compare.Result.EQUAL, 0)), List.of(),
                List.of())).succeeded()).isTrue();
        assertThat(store.txn(txn(List.of(Compare.version(k("a"), Compare.Result.NOT_EQUAL, 2)), List.of(),
                List.of())).succeeded()).isFalse();
    }

    @Test
    void txnComparesOnValue() {
        put(k("a"), "abc");
        assertThat(store.txn(txn(List.of(Compare.value(k("a"), Compare.Result.EQUAL, v("abc"))), List.of(),
                List.of())).succeeded()).isTrue();
        assertThat(store.txn(txn(List.of(Compare.value(k("a"), Compare.Result.GREATER, v("abb"))), List.of(),
                List.of())).succeeded()).isTrue();
        assertThat(store.txn(txn(List.of(Compare.value(k("a"), Compare.Result.LESS, v("abb"))), List.of(),
                List.of())).succeeded()).isFalse();
        assertThat(store.txn(txn(List.of(Compare.value(k("a"), Compare.Result.NOT_EQUAL, v("x"))), List.of(),
                List.of())).succeeded()).isTrue();
        // a missing key never matches a value comparison, not even NOT_EQUAL
        assertThat(store.txn(txn(List.of(Compare.value(k("missing"), Compare.Result.NOT_EQUAL, v("x"))),
                List.of(), List.of())).succeeded()).isFalse();
    }

    @Test
    void txnAllComparesMustHold() {
        long r1 = put(k("a"), "1").revision();
        put(k("b"), "1");
        TxnResponse r = store.txn(txn(List.of(
                        Compare.modRevision(k("a"), Compare.Result.EQUAL, r1),
                        Compare.value(k("b"), Compare.Result.EQUAL, v("nope"))),
                List.of(PutRequest.of(k("c"), v("1"))),
                List.of(PutRequest.of(k("d"), v("1")))));
        assertThat(r.succeeded()).isFalse();
        assertThat(get(k("c"))).isNull();
        assertThat(get(k("d"))).isNotNull();
    }

    @Test
    void txnWritesShareOneRevision() {
        long before = put(k("seed"), "x").revision();
        TxnResponse r = store.txn(txn(List.of(),
                List.of(PutRequest.of(k("a"), v("1")), PutRequest.of(k("b"), v("1")),
                        DeleteRangeRequest.key(k("seed"))),
                List.of()));
        assertThat(r.succeeded()).isTrue();
        assertThat(r.revision()).isEqualTo(before + 1);
        assertThat(get(k("a")).modRevision()).isEqualTo(r.revision());
        assertThat(get(k("b")).modRevision()).isEqualTo(r.revision());
        assertThat(get(k("seed"))).isNull();
        assertThat(((DeleteRangeResponse) r.responses().get(2)).deleted()).isEqualTo(1);
        // a txn that only reads does not bump the revision
        TxnResponse read = store.txn(txn(List.of(), List.of(RangeRequest.key(k("a"))), List.of()));
        assertThat(read.revision()).isGreaterThanOrEqualTo(r.revision());
        assertThat(currentRevision()).isEqualTo(read.revision());
    }

    @Test
    void txnNestedRangesAndTxnsAnswerInOrder() {
        put(k("a"), "1");
        TxnResponse r = store.txn(txn(List.of(),
                List.of(RangeRequest.key(k("a")),
                        txn(List.of(Compare.value(k("a"), Compare.Result.EQUAL, v("1"))),
                                List.of(PutRequest.of(k("b"), v("2")), RangeRequest.prefix(testPrefix())),
                                List.of())),
                List.of()));
        assertThat(r.succeeded()).isTrue();
        assertThat(r.responses()).hasSize(2);
        RangeResponse first = (RangeResponse) r.responses().get(0);
        assertThat(first.kvs()).hasSize(1);
        TxnResponse nested = (TxnResponse) r.responses().get(1);
        assertThat(nested.succeeded()).isTrue();
        assertThat(nested.responses()).hasSize(2);
        assertThat(keys((RangeResponse) nested.responses().get(1))).containsExactly("a", "b");
        assertThat(get(k("b")).modRevision()).isEqualTo(r.revision());
        // etcd 3.4 sends an empty header for a nested txn; it reads as the outer txn's revision
        assertThat(nested.revision()).isEqualTo(r.revision());
    }

    @Test
    void txnOpResponsesReportTheRevisionAfterEachOp() {
        long r1 = put(k("a"), "1").revision();
        TxnResponse r = store.txn(txn(List.of(),
                List.of(RangeRequest.key(k("a")), PutRequest.of(k("a"), v("2")), RangeRequest.key(k("a")),
                        DeleteRangeRequest.key(k("missing"))),
                List.of()));
        assertThat(r.revision()).isEqualTo(r1 + 1);
        // a read before the txn's first write sees the store before the txn
        assertThat(r.responses().get(0).revision()).isEqualTo(r1);
        assertThat(((RangeResponse) r.responses().get(0)).kvs().getFirst().value()).isEqualTo(v("1"));
        assertThat(r.responses().get(1).revision()).isEqualTo(r1 + 1);
        assertThat(r.responses().get(2).revision()).isEqualTo(r1 + 1);
        assertThat(r.responses().get(3).revision()).isEqualTo(r1 + 1);
    }

    @Test
    void txnComparesOnLease() {
        Lease lease = store.leaseGrant(0, 60);
        try {
            store.put(PutRequest.of(k("a"), v("1")).withLease(lease.id()));
            put(k("b"), "1");
            assertThat(store.txn(txn(List.of(Compare.lease(k("a"), Compare.Result.EQUAL, lease.id())),
                    List.of(), List.of())).succeeded()).isTrue();
            assertThat(store.txn(txn(List.of(Compare.lease(k("b"), Compare.Result.EQUAL, 0)),
                    List.of(), List.of())).succeeded()).isTrue();
            assertThat(store.txn(txn(List.of(Compare.lease(k("b"), Compare.Result.EQUAL, lease.id())),
                    List.of(), List.of())).succeeded()).isFalse();
        } finally {
            store.leaseRevoke(lease.id());
        }
    }

    @Test
    void txnCompareOverARangeMustHoldForEveryKey() {
        put(k("a"), "1");
        put(k("b"), "1");
        Compare allVersionOne = new Compare(k("a"), k("c"), Compare.Target.VERSION, Compare.Result.EQUAL, 1,
                ByteString.EMPTY);
        assertThat(store.txn(txn(List.of(allVersionOne), List.of(), List.of())).succeeded()).isTrue();
        put(k("b"), "2");
        assertThat(store.txn(txn(List.of(allVersionOne), List.of(), List.of())).succeeded()).isFalse();
    }

    @Test
    void txnPuttingTheSameKeyTwiceIsRejected() {
        assertThatThrownBy(() -> store.txn(txn(List.of(),
                List.of(PutRequest.of(k("a"), v("1")), PutRequest.of(k("a"), v("2"))), List.of())))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("etcdserver: duplicate key given in txn request");
        assertThatThrownBy(() -> store.txn(txn(List.of(),
                List.of(PutRequest.of(k("a"), v("1")), DeleteRangeRequest.prefix(testPrefix())), List.of())))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("etcdserver: duplicate key given in txn request");
        assertThat(get(k("a"))).isNull();
        // a put in one branch and the same put in the other is fine, as is a read of a written key
        TxnResponse r = store.txn(txn(List.of(),
                List.of(PutRequest.of(k("a"), v("1")), RangeRequest.key(k("a"))),
                List.of(PutRequest.of(k("a"), v("2")))));
        assertThat(r.succeeded()).isTrue();
    }

    @Test
    void txnFailingInAnOpWritesNothing() {
        put(k("a"), "1");
        long unknownLease = 0x7fadbeefL + SEQUENCE.incrementAndGet();
        long before = currentRevision();
        assertThatThrownBy(() -> store.txn(txn(List.of(),
                List.of(PutRequest.of(k("b"), v("1")), PutRequest.of(k("c"), v("1")).withLease(unknownLease)),
                List.of())))
                .isInstanceOf(LeaseNotFoundException.class)
                .hasMessage("etcdserver: requested lease not found");
        assertThat(get(k("b"))).isNull();
        assertThat(currentRevision()).isEqualTo(before);
    }

    @Test
    void txnWithTooManyOperationsIsRejected() {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i <= Store.MAX_TXN_OPS; i++) {
            ops.add(PutRequest.of(k("k" + i), v("x")));
        }
        assertThatThrownBy(() -> store.txn(txn(List.of(), ops, List.of())))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("etcdserver: too many operations in txn request");
        assertThat(store.range(RangeRequest.prefix(testPrefix()).withCountOnly()).count()).isZero();
        TxnResponse max = store.txn(txn(List.of(), ops.subList(0, Store.MAX_TXN_OPS), List.of()));
        assertThat(max.responses()).hasSize(Store.MAX_TXN_OPS);
    }

    @Test
    void concurrentCasIncrementsFromVirtualThreadsAreNotLost() throws Exception {
        ByteString counter = k("counter");
        put(counter, "0");
        int writers = 16;
        int incrementsEach = 10;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                results.add(pool.submit(() -> {
                    int retries = 0;
                    for (int i = 0; i < incrementsEach; i++) {
                        while (true) {
                            KeyValue cur = get(counter);
                            long n = Long.parseLong(cur.value().toStringUtf8());
                            TxnResponse r = store.txn(txn(
                                    List.of(Compare.modRevision(counter, Compare.Result.EQUAL, cur.modRevision())),
                                    List.of(PutRequest.of(counter, v(Long.toString(n + 1)))),
                                    List.of()));
                            if (r.succeeded()) {
                                break;
                            }
                            retries++;
                        }
                    }
                    return retries;
                }));
            }
            for (Future<Integer> f : results) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        KeyValue end = get(counter);
        assertThat(end.value().toStringUtf8()).isEqualTo(Integer.toString(writers * incrementsEach));
        assertThat(end.version()).isEqualTo(writers * incrementsEach + 1);
    }

    // ------------------------------------------------------------------ size limits

    @Test
    void requestsAboveTheSizeLimitAreRejectedAndWriteNothing() {
        ByteString twoMiB = ByteString.copyFrom(new byte[2 * 1024 * 1024]);
        assertThatThrownBy(() -> store.put(PutRequest.of(k("big"), twoMiB)))
                .isInstanceOf(RequestTooLargeException.class)
                .hasMessage("etcdserver: request is too large");
        // just above --max-request-bytes, below the transport's own limit
        ByteString justAbove = ByteString.copyFrom(new byte[Store.DEFAULT_MAX_REQUEST_BYTES + 1024]);
        assertThatThrownBy(() -> store.put(PutRequest.of(k("big"), justAbove)))
                .isInstanceOf(RequestTooLargeException.class)
                .hasMessage("etcdserver: request is too large");
        assertThat(get(k("big"))).isNull();
        // a value well below the limit is fine
        ByteString oneMiB = ByteString.copyFrom(new byte[1024 * 1024]);
        assertThat(store.put(PutRequest.of(k("big"), oneMiB)).revision()).isPositive();
        assertThat(get(k("big")).value().size()).isEqualTo(1024 * 1024);
    }

    // ------------------------------------------------------------------ watches

    @Test
    void watchFromAPastRevisionReplaysEveryChangeInOrderThenLiveOnes() throws Exception {
        long r1 = put(k("a"), "1").revision();
        long r2 = put(k("b"), "1").revision();
        long r3 = put(k("a"), "2").revision();
        long r4 = store.deleteRange(DeleteRangeRequest.key(k("b"))).revision();
        TxnResponse t = store.txn(txn(List.of(),
                List.of(PutRequest.of(k("c"), v("1")), PutRequest.of(k("d"), v("1"))), List.of()));
        put(k("other-than-watched"), "x"); // outside the watched range [a, c\0)... filtered below

        Recorder rec = new Recorder();
        try (Watch w = store.watch(new WatchRequest(k("a"), k("d"), r1, false, false, false, false), rec)) {
            Recorder.Batch b1 = rec.next();
            assertThat(b1.revision()).isEqualTo(r1);
            assertThat(b1.events()).singleElement().satisfies(e -> {
                assertThat(e.type()).isEqualTo(Event.Type.PUT);
                assertThat(e.kv().key()).isEqualTo(k("a"));
                assertThat(e.kv().value()).isEqualTo(v("1"));
                assertThat(e.kv().createRevision()).isEqualTo(r1);
                assertThat(e.kv().version()).isEqualTo(1);
                assertThat(e.prevKv()).isNull();
            });
            assertThat(rec.next().revision()).isEqualTo(r2);
            Recorder.Batch b3 = rec.next();
            assertThat(b3.revision()).isEqualTo(r3);
            assertThat(b3.events().getFirst().kv().version()).isEqualTo(2);
            Recorder.Batch b4 = rec.next();
            assertThat(b4.revision()).isEqualTo(r4);
            assertThat(b4.events()).singleElement().satisfies(e -> {
                assertThat(e.type()).isEqualTo(Event.Type.DELETE);
                assertThat(e.kv().key()).isEqualTo(k("b"));
                assertThat(e.kv().value()).isEmpty();
                assertThat(e.kv().modRevision()).isEqualTo(r4);
            });
            Recorder.Batch b5 = rec.next();
            assertThat(b5.revision()).isEqualTo(t.revision());
            // d is outside [a, d), so only c; a txn's events come as one batch
            assertThat(b5.events()).extracting(e -> e.kv().key()).containsExactly(k("c"));

            long live = store.txn(txn(List.of(),
                    List.of(PutRequest.of(k("a"), v("3")), PutRequest.of(k("b"), v("3")),
                            PutRequest.of(k("z"), v("3"))), List.of())).revision();
            Recorder.Batch b6 = rec.next();
            assertThat(b6.revision()).isEqualTo(live);
            assertThat(b6.events()).extracting(e -> e.kv().key()).containsExactly(k("a"), k("b"));
            rec.assertNothingMore(Duration.ofMillis(300));
            assertThat(rec.overlapped).isFalse();
            assertThat(rec.error).isNotDone();
        }
    }

    @Test
    void eventsOfOneRevisionComeInTheOrderTheTxnAppliedThem() throws Exception {
        put(k("m"), "1");
        put(k("n"), "1");
        Recorder live = new Recorder();
        long rev;
        try (Watch w = store.watch(WatchRequest.prefix(testPrefix(), 0), live)) {
            rev = store.txn(txn(List.of(),
                    List.of(PutRequest.of(k("z"), v("1")), DeleteRangeRequest.key(k("n")),
                            PutRequest.of(k("a"), v("1")), DeleteRangeRequest.key(k("m"))),
                    List.of())).revision();
            Recorder.Batch b = live.next();
            assertThat(b.revision()).isEqualTo(rev);
            assertThat(b.events()).extracting(e -> e.kv().key()).containsExactly(k("z"), k("n"), k("a"), k("m"));
            assertThat(b.events()).extracting(Event::type).containsExactly(
                    Event.Type.PUT, Event.Type.DELETE, Event.Type.PUT, Event.Type.DELETE);
        }
        // replayed from history, the order is the same
        Recorder replay = new Recorder();
        try (Watch w = store.watch(WatchRequest.prefix(testPrefix(), rev), replay)) {
            assertThat(replay.next().events()).extracting(e -> e.kv().key())
                    .containsExactly(k("z"), k("n"), k("a"), k("m"));
        }
    }

    @Test
    void watchReplaysManyRevisionsOneBatchPerRevision() throws Exception {
        long first = put(k("k"), "0").revision();
        for (int i = 1; i < 100; i++) {
            put(k("k" + (i % 7)), Integer.toString(i));
        }
        Recorder rec = new Recorder();
        try (Watch w = store.watch(WatchRequest.prefix(testPrefix(), first), rec)) {
            for (int i = 0; i < 100; i++) {
                Recorder.Batch b = rec.next();
                assertThat(b.revision()).isEqualTo(first + i);
                assertThat(b.events()).singleElement()
                        .satisfies(e -> assertThat(e.kv().modRevision()).isEqualTo(b.revision()));
            }
            rec.assertNothingMore(Duration.ofMillis(200));
        }
    }

    @Test
    void watchFromAFutureRevisionWaitsForIt() throws Exception {
        long now = put(k("a"), "0").revision();
        Recorder rec = new Recorder();
        try (Watch w = store.watch(WatchRequest.key(k("a"), now + 2), rec)) {
            put(k("a"), "1"); // now + 1: before the start revision
            long r2 = put(k("a"), "2").revision();
            Recorder.Batch b = rec.next();
            assertThat(b.revision()).isEqualTo(r2).isEqualTo(now + 2);
            rec.assertNothingMore(Duration.ofMillis(200));
        }
    }

    @Test
    void watchFromNowSeesOnlyLaterChanges() throws Exception {
        put(k("a"), "old");
        Recorder rec = new Recorder();
        try (Watch w = store.watch(WatchRequest.key(k("a"), 0), rec)) {
            long r = put(k("a"), "new").revision();
            Recorder.Batch b = rec.next();
            assertThat(b.revision()).isEqualTo(r);
            assertThat(b.events().getFirst().kv().value()).isEqualTo(v("new"));
            rec.assertNothingMore(Duration.ofMillis(200));
        }
    }

    @Test
    void watchWithPrevKvCarriesThePreviousVersion() throws Exception {
        long r1 = put(k("a"), "1").revision();
        Recorder rec = new Recorder();
        try (Watch w = store.watch(WatchRequest.prefix(testPrefix(), 0).withPrevKv(), rec)) {
            put(k("a"), "2");
            store.deleteRange(DeleteRangeRequest.key(k("a")));
            put(k("b"), "1");
            Event update = rec.next().events().getFirst();
            assertThat(update.prevKv()).isNotNull();
            assertThat(update.prevKv().value()).isEqualTo(v("1"));
            assertThat(update.prevKv().modRevision()).isEqualTo(r1);
            Event delete = rec.next().events().getFirst();
            assertThat(delete.type()).isEqualTo(Event.Type.DELETE);
            assertThat(delete.prevKv()).isNotNull();
            assertThat(delete.prevKv().value()).isEqualTo(v("2"));
            Event create = rec.next().events().getFirst();
            assertThat(create.prevKv()).as("a newly created key has no previous version").isNull();
        }
    }

    @Test
    void watchOnAPrefixSeesOnlyKeysUnderIt() throws Exception {
        Recorder rec = new Recorder();
        try (Watch w = store.watch(WatchRequest.prefix(k("dir/"), 0), rec)) {
            put(k("dir"), "no");
            put(k("dir0"), "no");
            long r = put(k("dir/x"), "yes").revision();
            put(k("dis"), "no");
            long r2 = put(k("dir/y/z"), "yes").revision();
            assertThat(rec.next().revision()).isEqualTo(r);
            assertThat(rec.next().revision()).isEqualTo(r2);
            rec.assertNothingMore(Duration.ofMillis(200));
        }
    }

    @Test
    void closedWatchDeliversNothingMore() throws Exception {
        Recorder rec = new Recorder();
        Watch w = store.watch(WatchRequest.key(k("a"), 0), rec);
        put(k("a"), "1");
        rec.next();
        w.close();
        put(k("a"), "2");
        rec.assertNothingMore(Duration.ofMillis(300));
        assertThat(rec.error).isNotDone();
    }

    @Test
    void watchAnswersARequestedProgressNotification() throws Exception {
        long r = put(k("a"), "1").revision();
        Recorder rec = new Recorder();
        try (Watch w = store.watch(WatchRequest.key(k("b"), 0), rec)) {
            w.requestProgress();
            Long progress = rec.progress.poll(10, TimeUnit.SECONDS);
            assertThat(progress).as("a progress notification within 10 s").isNotNull();
            assertThat(progress).isGreaterThanOrEqualTo(r);
            assertThat(rec.batches).isEmpty();
        }
    }

    @Test
    void watchFiltersDropPutsOrDeletes() throws Exception {
        Recorder noPuts = new Recorder();
        Recorder noDeletes = new Recorder();
        try (Watch w1 = store.watch(new WatchRequest(k("a"), ByteString.EMPTY, 0, false, false, true, false), noPuts);
             Watch w2 = store.watch(new WatchRequest(k("a"), ByteString.EMPTY, 0, false, false, false, true),
                     noDeletes)) {
            long put = put(k("a"), "1").revision();
            long del = store.deleteRange(DeleteRangeRequest.key(k("a"))).revision();
            Recorder.Batch d = noPuts.next();
            assertThat(d.revision()).isEqualTo(del);
            assertThat(d.events()).singleElement().extracting(Event::type).isEqualTo(Event.Type.DELETE);
            Recorder.Batch p = noDeletes.next();
            assertThat(p.revision()).isEqualTo(put);
            assertThat(p.events()).singleElement().extracting(Event::type).isEqualTo(Event.Type.PUT);
            noPuts.assertNothingMore(Duration.ofMillis(200));
            noDeletes.assertNothingMore(Duration.ofMillis(50));
        }
    }

    // ------------------------------------------------------------------ compaction

    @Test
    void compactionMakesOlderRevisionsUnreadable() {
        long r1 = put(k("a"), "1").revision();
        long r2 = put(k("a"), "2").revision();
        long r3 = put(k("b"), "1").revision();
        store.compact(r2);

        assertThatThrownBy(() -> store.range(RangeRequest.key(k("a")).atRevision(r1)))
                .isInstanceOf(CompactedException.class)
                .hasMessage("etcdserver: mvcc: required revision has been compacted")
                .satisfies(e -> assertThat(((CompactedException) e).compactRevision()).isGreaterThanOrEqualTo(r2));
        // the compaction revision itself stays readable, and so does the latest version of every key
        assertThat(values(store.range(RangeRequest.key(k("a")).atRevision(r2)))).containsExactly("2");
        assertThat(values(store.range(RangeRequest.prefix(testPrefix())))).containsExactly("2", "1");
        assertThat(store.status().compactRevision()).isGreaterThanOrEqualTo(r2);

        // compacting again at or below the compaction point fails as compacted
        assertThatThrownBy(() -> store.compact(r2))
                .isInstanceOf(CompactedException.class);
        assertThatThrownBy(() -> store.compact(r3 + 1000))
                .isInstanceOf(FutureRevisionException.class)
                .hasMessage("etcdserver: mvcc: required revision is a future revision");
    }

    @Test
    void watchFromACompactedRevisionFailsWithCompacted() throws Exception {
        long r1 = put(k("a"), "1").revision();
        long r2 = put(k("a"), "2").revision();
        store.compact(r2);
        Recorder rec = new Recorder();
        try (Watch w = store.watch(WatchRequest.key(k("a"), r1), rec)) {
            StoreException error = rec.error.get(10, TimeUnit.SECONDS);
            assertThat(error).isInstanceOf(CompactedException.class)
                    .hasMessage("etcdserver: mvcc: required revision has been compacted");
            assertThat(((CompactedException) error).compactRevision()).isGreaterThanOrEqualTo(r2);
            assertThat(rec.batches).isEmpty();
        }
        // the compaction revision itself can still be watched from
        long compactedAt = store.status().compactRevision();
        if (compactedAt == r2) { // no other test compacted further meanwhile
            Recorder fromCompaction = new Recorder();
            try (Watch w = store.watch(WatchRequest.key(k("a"), r2), fromCompaction)) {
                assertThat(fromCompaction.next().revision()).isEqualTo(r2);
                assertThat(fromCompaction.error).isNotDone();
            }
        }
    }

    // ------------------------------------------------------------------ leases

    @Test
    void leaseGrantTimeToLiveAndKeepAlive() {
        Lease lease = store.leaseGrant(0, 60);
        assertThat(lease.id()).isNotZero();
        assertThat(lease.ttl()).isEqualTo(60);
        assertThat(store.leases()).contains(lease.id());

        long r = store.put(PutRequest.of(k("a"), v("1")).withLease(lease.id())).revision();
        store.put(PutRequest.of(k("b"), v("1")).withLease(lease.id()));
        assertThat(get(k("a")).lease()).isEqualTo(lease.id());
        assertThat(get(k("a")).modRevision()).isEqualTo(r);

        Lease ttl = store.leaseTimeToLive(lease.id(), true);
        assertThat(ttl.id()).isEqualTo(lease.id());
        assertThat(ttl.grantedTtl()).isEqualTo(60);
        assertThat(ttl.ttl()).isBetween(1L, 60L);
        assertThat(ttl.keys()).containsExactlyInAnyOrder(k("a"), k("b"));
        assertThat(store.leaseTimeToLive(lease.id(), false).keys()).isEmpty();

        assertThat(store.leaseKeepAlive(lease.id())).isEqualTo(60);
        store.leaseRevoke(lease.id());
    }

    @Test
    void leaseGrantWithAChosenId() {
        long id = 0x5eed0000L + (System.nanoTime() & 0xffff) + SEQUENCE.incrementAndGet();
        Lease lease = store.leaseGrant(id, 30);
        assertThat(lease.id()).isEqualTo(id);
        store.leaseRevoke(id);
    }

    @Test
    void grantingAnExistingLeaseIdFails() {
        long id = 0x6eed0000L + (System.nanoTime() & 0xffff) + SEQUENCE.incrementAndGet();
        store.leaseGrant(id, 30);
        try {
            assertThatThrownBy(() -> store.leaseGrant(id, 30))
                    .isInstanceOf(StoreException.class)
                    .hasMessage("etcdserver: lease already exists");
        } finally {
            store.leaseRevoke(id);
        }
    }

    @Test
    void aTtlBelowTheMinimumIsRaisedAndReported() {
        // etcd raises a TTL below its minimum (1.5 x election timeout, 2 s by default) to that minimum
        Lease lease = store.leaseGrant(0, 1);
        try {
            assertThat(lease.ttl()).isBetween(1L, 5L);
            assertThat(store.leaseTimeToLive(lease.id(), false).grantedTtl()).isEqualTo(lease.ttl());
        } finally {
            try {
                store.leaseRevoke(lease.id());
            } catch (LeaseNotFoundException alreadyExpired) {
                // fine
            }
        }
    }

    @Test
    void revokingALeaseDeletesItsKeys() {
        Lease lease = store.leaseGrant(0, 60);
        store.put(PutRequest.of(k("a"), v("1")).withLease(lease.id()));
        store.put(PutRequest.of(k("b"), v("1")).withLease(lease.id()));
        put(k("c"), "1");
        long before = currentRevision();
        store.leaseRevoke(lease.id());
        assertThat(keys(store.range(RangeRequest.prefix(testPrefix())))).containsExactly("c");
        assertThat(currentRevision()).as("the deletions of a revoke share one revision").isEqualTo(before + 1);
        assertThatThrownBy(() -> store.leaseTimeToLive(lease.id(), false))
                .isInstanceOf(LeaseNotFoundException.class);
        assertThat(store.leases()).doesNotContain(lease.id());
    }

    @Test
    void expiredLeaseDeletesItsKeys() throws Exception {
        Lease lease = store.leaseGrant(0, 3);
        store.put(PutRequest.of(k("a"), v("1")).withLease(lease.id()));
        Recorder rec = new Recorder();
        try (Watch w = store.watch(WatchRequest.key(k("a"), 0), rec)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (get(k("a")) != null) {
                assertThat(System.nanoTime()).as("key deleted within 20 s of a 3 s lease").isLessThan(deadline);
                Thread.sleep(200);
            }
            Recorder.Batch b = rec.next();
            assertThat(b.events()).singleElement().extracting(Event::type).isEqualTo(Event.Type.DELETE);
        }
        assertThatThrownBy(() -> store.leaseKeepAlive(lease.id())).isInstanceOf(LeaseNotFoundException.class);
    }

    @Test
    void unknownLeaseIsReportedAsNotFound() {
        long unknown = 0x7eadbeefL + SEQUENCE.incrementAndGet();
        assertThatThrownBy(() -> store.put(PutRequest.of(k("a"), v("1")).withLease(unknown)))
                .isInstanceOf(LeaseNotFoundException.class)
                .hasMessage("etcdserver: requested lease not found");
        assertThat(get(k("a"))).isNull();
        assertThatThrownBy(() -> store.leaseKeepAlive(unknown)).isInstanceOf(LeaseNotFoundException.class);
        assertThatThrownBy(() -> store.leaseRevoke(unknown)).isInstanceOf(LeaseNotFoundException.class)
                .hasMessage("etcdserver: requested lease not found");
        assertThatThrownBy(() -> store.leaseTimeToLive(unknown, true)).isInstanceOf(LeaseNotFoundException.class);
    }

    // ------------------------------------------------------------------ status

    @Test
    void statusReportsTheCurrentRevision() {
        long r = put(k("a"), "1").revision();
        StoreStatus status = store.status();
        assertThat(status.revision()).isGreaterThanOrEqualTo(r);
        assertThat(status.revision()).isLessThanOrEqualTo(currentRevision());
        assertThat(status.dbSizeBytes()).isPositive();
        assertThat(status.version()).isNotBlank();
    }
}
