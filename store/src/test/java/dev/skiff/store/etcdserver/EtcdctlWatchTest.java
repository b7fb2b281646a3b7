package dev.skiff.store.etcdserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EtcdctlWatchTest extends ServerFixture {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @BeforeAll
    static void requireEtcdctl() {
        Etcdctl.requireInstalled();
    }

    @Test
    void prefixWatchReplaysFromRevisionWithPrevKvThenFollowsLive() throws Exception {
        assertThat(etcdctl.run("put", "w/a", "1").exit()).isZero();  // rev 2
        assertThat(etcdctl.run("put", "zz", "ignored").exit()).isZero(); // rev 3
        assertThat(etcdctl.run("put", "w/a", "2").exit()).isZero();  // rev 4
        try (var watch = etcdctl.start("watch", "w/", "--prefix", "--prev-kv", "--rev=2")) {
            assertThat(watch.next(3, DEADLINE)).containsExactly("PUT", "w/a", "1");
            assertThat(watch.next(5, DEADLINE)).containsExactly("PUT", "w/a", "1", "w/a", "2");
            assertThat(etcdctl.run("put", "w/b", "3").exit()).isZero();
            assertThat(watch.next(3, DEADLINE)).containsExactly("PUT", "w/b", "3");
            assertThat(etcdctl.run("del", "w/", "--prefix").exit()).isZero();
            // one revision, two deletes in key order, each with its previous value
            assertThat(watch.next(10, DEADLINE)).containsExactly(
                    "DELETE", "w/a", "2", "w/a", "",
                    "DELETE", "w/b", "3", "w/b", "");
        }
    }

    @Test
    void singleKeyWatchSeesOnlyThatKey() throws Exception {
        try (var watch = etcdctl.start("watch", "k")) {
            // no created line is printed by etcdctl; give the watch time to register, then write
            Thread.sleep(500);
            assertThat(etcdctl.run("put", "k2", "no").exit()).isZero();
            assertThat(etcdctl.run("put", "k", "yes").exit()).isZero();
            assertThat(watch.next(3, DEADLINE)).containsExactly("PUT", "k", "yes");
        }
    }

    @Test
    void watchFromCompactedRevisionIsCanceled() throws Exception {
        for (int i = 0; i < 4; i++) {
            assertThat(etcdctl.run("put", "c", "v" + i).exit()).isZero(); // revs 2..5
        }
        assertThat(etcdctl.run("compaction", "4").exit()).isZero();
        var r = etcdctl.run("watch", "c", "--rev=2");
        assertThat(r.exit()).isNotZero();
        assertThat(r.out() + r.err()).contains("etcdserver: mvcc: required revision has been compacted");
    }
}
