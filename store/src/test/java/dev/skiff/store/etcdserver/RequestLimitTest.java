package dev.skiff.store.etcdserver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RequestLimitTest extends ServerFixture {

    @BeforeAll
    static void requireEtcdctl() {
        Etcdctl.requireInstalled();
    }

    @Override
    int maxRequestBytes() {
        return 1024;
    }

    @Test
    void oversizedPutIsRejectedAsEtcdDoes() {
        var big = etcdctl.run("put", "big", "x".repeat(2000));
        assertThat(big.exit()).isNotZero();
        assertThat(big.err()).contains("etcdserver: request is too large");
        assertThat(etcdctl.run("put", "small", "x".repeat(500)).exit()).isZero();
    }
}
