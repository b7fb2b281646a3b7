package dev.skiff.store.etcdserver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** KV through the real etcdctl 3.4 against the endpoint (over the real embedded store). */
class EtcdctlKvTest extends ServerFixture {

    @BeforeAll
    static void requireEtcdctl() {
        Etcdctl.requireInstalled();
    }

    private void ok(String... args) {
        var r = etcdctl.run(args);
        assertThat(r.exit()).as("%s: %s", String.join(" ", args), r.err()).isZero();
    }

    @Test
    void putGetAndRangeOptions() {
        ok("put", "a", "1");   // rev 2
        ok("put", "b", "2");   // rev 3
        ok("put", "c", "3");   // rev 4
        ok("put", "a", "11");  // rev 5
        ok("put", "other", "x"); // rev 6

        assertThat(etcdctl.run("get", "a").lines()).containsExactly("a", "11");
        assertThat(etcdctl.run("get", "a", "--rev=2").lines()).containsExactly("a", "1");
        assertThat(etcdctl.run("get", "a", "--rev=3", "--prefix").lines()).containsExactly("a", "1");
        assertThat(etcdctl.run("get", "missing").lines()).isEmpty();
        // [a, c)
        assertThat(etcdctl.run("get", "a", "c").lines()).containsExactly("a", "11", "b", "2");
        // inverted range answers nothing, as etcd
        var inverted = etcdctl.run("get", "c", "a");
        assertThat(inverted.exit()).isZero();
        assertThat(inverted.lines()).isEmpty();
        assertThat(etcdctl.run("get", "--from-key", "b").lines()).containsExactly("b", "2", "c", "3", "other", "x");
        assertThat(etcdctl.run("get", "", "--prefix", "--limit=2").lines()).containsExactly("a", "11", "b", "2");
        assertThat(etcdctl.run("get", "", "--prefix", "--keys-only").lines())
                .containsExactly("a", "", "b", "", "c", "", "other", "");
        assertThat(etcdctl.run("get", "", "--prefix", "--sort-by=MODIFY", "--order=DESCEND").lines())
                .containsExactly("other", "x", "a", "11", "c", "3", "b", "2");
        assertThat(etcdctl.run("get", "", "--prefix", "--sort-by=VALUE", "--order=ASCEND", "--print-value-only").lines())
                .containsExactly("11", "2", "3", "x");
        assertThat(etcdctl.run("get", "", "--prefix", "--sort-by=KEY", "--order=DESCEND", "--limit=1").lines())
                .containsExactly("other", "x");

        var json = etcdctl.run("get", "", "--prefix", "--limit=1", "-w", "json").out();
        assertThat(json).contains("\"more\":true", "\"count\":4", "\"revision\":6", "\"raft_term\":1",
                "\"cluster_id\":", "\"member_id\":");
    }

    @Test
    void putPrevKvAndDeletePrefixWithPrevKv() {
        ok("put", "p/1", "one");
        ok("put", "p/2", "two");
        ok("put", "q", "keep");
        assertThat(etcdctl.run("put", "p/1", "uno", "--prev-kv").lines()).containsExactly("OK", "p/1", "one");
        assertThat(etcdctl.run("del", "p/", "--prefix", "--prev-kv").lines())
                .containsExactly("2", "p/1", "uno", "p/2", "two");
        assertThat(etcdctl.run("del", "p/", "--prefix").lines()).containsExactly("0");
        assertThat(etcdctl.run("del", "q").lines()).containsExactly("1");
        assertThat(etcdctl.run("get", "", "--prefix").lines()).isEmpty();
    }

    @Test
    void txnFromStdin() {
        ok("put", "k", "v1");
        ok("put", "n", "1");
        String succeeds = """
                value("k") = "v1"
                mod("n") > "0"
                version("k") = "1"
                create("missing") = "0"

                put k v2
                get n

                put k never

                """;
        var r = etcdctl.runWithInput(succeeds, "txn");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.lines()).containsExactly("SUCCESS", "", "OK", "", "n", "1");
        assertThat(etcdctl.run("get", "k").lines()).containsExactly("k", "v2");

        String fails = """
                value("k") = "v1"

                put k never

                put other yes
                del n

                """;
        var f = etcdctl.runWithInput(fails, "txn");
        assertThat(f.exit()).as(f.err()).isZero();
        assertThat(f.lines()).containsExactly("FAILURE", "", "OK", "", "1");
        assertThat(etcdctl.run("get", "k").lines()).containsExactly("k", "v2");
        assertThat(etcdctl.run("get", "other").lines()).containsExactly("other", "yes");
        assertThat(etcdctl.run("get", "n").lines()).isEmpty();

        var json = etcdctl.runWithInput("\nget k\n\n\n", "txn", "-w", "json");
        assertThat(json.out()).contains("\"succeeded\":true", "\"ResponseRange\"");
    }

    @Test
    void txnWithDuplicateKeysIsRejected() {
        var dupPut = etcdctl.runWithInput("\nput d 1\nput d 2\n\n\n", "txn");
        assertThat(dupPut.exit()).isNotZero();
        assertThat(dupPut.err()).contains("etcdserver: duplicate key given in txn request");
        var putInDelete = etcdctl.runWithInput("\ndel d --prefix\nput d1 x\n\n\n", "txn");
        assertThat(putInDelete.exit()).isNotZero();
        assertThat(putInDelete.err()).contains("etcdserver: duplicate key given in txn request");
        // the same key in the two branches is fine
        assertThat(etcdctl.runWithInput("\nput d 1\n\nput d 2\n\n", "txn").exit()).isZero();
    }

    @Test
    void compactionThenReadAtCompactedRevisionFails() {
        for (int i = 0; i < 5; i++) {
            ok("put", "x", "v" + i); // revisions 2..6
        }
        assertThat(etcdctl.run("compaction", "4").lines()).containsExactly("compacted revision 4");
        var old = etcdctl.run("get", "x", "--rev=3");
        assertThat(old.exit()).isNotZero();
        assertThat(old.err()).contains("etcdserver: mvcc: required revision has been compacted");
        assertThat(etcdctl.run("get", "x", "--rev=4").lines()).containsExactly("x", "v2");
        var again = etcdctl.run("compaction", "3");
        assertThat(again.exit()).isNotZero();
        assertThat(again.err()).contains("etcdserver: mvcc: required revision has been compacted");
        var future = etcdctl.run("get", "x", "--rev=100");
        assertThat(future.exit()).isNotZero();
        assertThat(future.err()).contains("etcdserver: mvcc: required revision is a future revision");
    }
}
