package dev.skiff.store.etcdserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** jetcd's own client against the endpoint. */
class JetcdSmokeTest extends ServerFixture {

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Test
    void kvTxnWatchLease() throws Exception {
        try (Client client = Client.builder().endpoints("http://127.0.0.1:" + server.port()).build()) {
            var kv = client.getKVClient();
            kv.put(bs("j/a"), bs("1")).get(10, TimeUnit.SECONDS);
            kv.put(bs("j/b"), bs("2")).get(10, TimeUnit.SECONDS);
            var got = kv.get(bs("j/"), GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS);
            assertThat(got.getCount()).isEqualTo(2);
            assertThat(got.getKvs().getFirst().getValue().toString(StandardCharsets.UTF_8)).isEqualTo("1");
            assertThat(got.getHeader().getRevision()).isEqualTo(3);

            var count = kv.get(bs("j/"), GetOption.builder().isPrefix(true).withCountOnly(true).build())
                    .get(10, TimeUnit.SECONDS);
            assertThat(count.getCount()).isEqualTo(2);
            assertThat(count.getKvs()).isEmpty();
            var filtered = kv.get(bs("j/"), GetOption.builder().isPrefix(true).withMinModRevision(3).build())
                    .get(10, TimeUnit.SECONDS);
            assertThat(filtered.getKvs()).hasSize(1);

            var txn = kv.txn()
                    .If(new Cmp(bs("j/a"), Cmp.Op.EQUAL, CmpTarget.value(bs("1"))),
                            new Cmp(bs("j/b"), Cmp.Op.GREATER, CmpTarget.modRevision(0)))
                    .Then(Op.put(bs("j/a"), bs("10"), PutOption.DEFAULT),
                            Op.txn(new Cmp[] {new Cmp(bs("j/zz"), Cmp.Op.EQUAL, CmpTarget.version(0))},
                                    new Op[] {Op.get(bs("j/b"), GetOption.DEFAULT)}, new Op[0]))
                    .Else(Op.delete(bs("j/a"), DeleteOption.DEFAULT))
                    .commit().get(10, TimeUnit.SECONDS);
            assertThat(txn.isSucceeded()).isTrue();
            assertThat(txn.getTxnResponses()).hasSize(1);
            assertThat(txn.getTxnResponses().getFirst().getGetResponses().getFirst().getKvs().getFirst()
                    .getValue().toString(StandardCharsets.UTF_8)).isEqualTo("2");

            var events = new LinkedBlockingQueue<WatchResponse>();
            try (var watcher = client.getWatchClient().watch(bs("j/"),
                    WatchOption.builder().isPrefix(true).withPrevKV(true).withRevision(4).build(), events::add)) {
                WatchResponse replay = events.poll(10, TimeUnit.SECONDS);
                assertThat(replay).isNotNull();
                assertThat(replay.getEvents().getFirst().getPrevKV().getValue().toString(StandardCharsets.UTF_8))
                        .isEqualTo("1");
                kv.delete(bs("j/b")).get(10, TimeUnit.SECONDS);
                WatchResponse del = events.poll(10, TimeUnit.SECONDS);
                assertThat(del).isNotNull();
                assertThat(del.getEvents().getFirst().getEventType()).isEqualTo(WatchEvent.EventType.DELETE);
            }

            var lease = client.getLeaseClient();
            long id = lease.grant(30).get(10, TimeUnit.SECONDS).getID();
            kv.put(bs("j/leased"), bs("x"), PutOption.builder().withLeaseId(id).build()).get(10, TimeUnit.SECONDS);
            assertThat(lease.keepAliveOnce(id).get(10, TimeUnit.SECONDS).getTTL()).isEqualTo(30);
            var ttl = lease.timeToLive(id, LeaseOption.builder().withAttachedKeys().build()).get(10, TimeUnit.SECONDS);
            assertThat(ttl.getGrantedTTL()).isEqualTo(30);
            assertThat(ttl.getKeys()).containsExactly(bs("j/leased"));
            lease.revoke(id).get(10, TimeUnit.SECONDS);
            assertThat(lease.timeToLive(id, LeaseOption.DEFAULT).get(10, TimeUnit.SECONDS).getTTL()).isEqualTo(-1);
            assertThatThrownBy(() -> lease.revoke(id).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("etcdserver: requested lease not found");

            var status = client.getMaintenanceClient().statusMember("http://127.0.0.1:" + server.port())
                    .get(10, TimeUnit.SECONDS);
            assertThat(status.getLeader()).isEqualTo(got.getHeader().getMemberId());

            assertThatThrownBy(() -> kv.get(bs("j/a"), GetOption.builder().withRevision(1000).build())
                    .get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("etcdserver: mvcc: required revision is a future revision");
        }
    }
}
