package dev.skiff.store.etcdserver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EtcdctlLeaseTest extends ServerFixture {

    @BeforeAll
    static void requireEtcdctl() {
        Etcdctl.requireInstalled();
    }

    private String grant(int ttl) {
        return grant(ttl, ttl);
    }

    private String grant(int ttl, int granted) {
        var g = etcdctl.run("lease", "grant", Integer.toString(ttl));
        assertThat(g.exit()).as(g.err()).isZero();
        assertThat(g.out()).matches("lease [0-9a-f]+ granted with TTL\\(" + granted + "s\\)\\s*");
        return g.out().split(" ")[1];
    }

    @Test
    void grantAttachKeepAliveTimeToLiveListRevoke() {
        String id = grant(100);
        String other = grant(50);
        assertThat(etcdctl.run("put", "--lease=" + id, "leased", "v").exit()).isZero();
        assertThat(etcdctl.run("put", "--lease=" + id, "leased2", "v").exit()).isZero();

        assertThat(etcdctl.run("lease", "timetolive", id, "--keys").out().strip())
                .matches("lease " + id + " granted with TTL\\(100s\\), remaining\\((99|100)s\\), "
                        + "attached keys\\(\\[leased leased2\\]\\)");
        assertThat(etcdctl.run("lease", "keep-alive", "--once", id).out().strip())
                .isEqualTo("lease " + id + " keepalived with TTL(100)");
        var list = etcdctl.run("lease", "list").lines();
        assertThat(list.getFirst()).isEqualTo("found 2 leases");
        assertThat(list.subList(1, list.size())).containsExactlyInAnyOrder(id, other);
        assertThat(etcdctl.run("get", "leased", "-w", "json").out())
                .contains("\"lease\":" + Long.parseUnsignedLong(id, 16));

        assertThat(etcdctl.run("lease", "revoke", id).out().strip()).isEqualTo("lease " + id + " revoked");
        assertThat(etcdctl.run("get", "leased", "--prefix").lines()).isEmpty();
        assertThat(etcdctl.run("lease", "timetolive", id).out().strip())
                .isEqualTo("lease " + id + " already expired");

        var again = etcdctl.run("lease", "revoke", id);
        assertThat(again.exit()).isNotZero();
        assertThat(again.err()).contains("etcdserver: requested lease not found");
        var keepGone = etcdctl.run("lease", "keep-alive", "--once", id);
        assertThat(keepGone.exit()).isNotZero();
        assertThat(keepGone.err()).contains("etcdserver: requested lease not found");
        var putGone = etcdctl.run("put", "--lease=" + id, "x", "y");
        assertThat(putGone.exit()).isNotZero();
        assertThat(putGone.err()).contains("etcdserver: requested lease not found");
    }

    @Test
    void expiredLeaseDeletesItsKeys() throws Exception {
        // as etcd 3.4 with default timing, a TTL below 2 s is raised to 2 s
        String id = grant(1, 2);
        var put = etcdctl.run("put", "--lease=" + id, "short", "v");
        assertThat(put.exit()).as(put.err()).isZero();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!etcdctl.run("get", "short").lines().isEmpty()) {
            assertThat(System.nanoTime()).as("lease did not expire").isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
