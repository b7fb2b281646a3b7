package dev.skiff.store.etcdserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.skiff.store.PutRequest;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchProgressRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The watch stream protocol at the message level: created, cancel, progress, filters, ids. */
class GrpcWatchTest extends ServerFixture {
    private ManagedChannel channel;
    private final LinkedBlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
    private StreamObserver<WatchRequest> requests;

    @BeforeEach
    void open() {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse r) {
                responses.add(r);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    @AfterEach
    void closeChannel() throws InterruptedException {
        requests.onCompleted();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private WatchResponse next() throws InterruptedException {
        WatchResponse r = responses.poll(10, TimeUnit.SECONDS);
        assertThat(r).as("watch response").isNotNull();
        return r;
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private void create(WatchCreateRequest.Builder c) {
        requests.onNext(WatchRequest.newBuilder().setCreateRequest(c).build());
    }

    @Test
    void createEventsFiltersProgressAndCancel() throws Exception {
        create(WatchCreateRequest.newBuilder().setKey(bs("a")).setRangeEnd(bs("b")));
        WatchResponse created = next();
        assertThat(created.getCreated()).isTrue();
        assertThat(created.getWatchId()).isZero();
        assertThat(created.getHeader().getRevision()).isEqualTo(1);

        create(WatchCreateRequest.newBuilder().setKey(bs("a")).setRangeEnd(bs("b"))
                .addFilters(WatchCreateRequest.FilterType.NOPUT));
        WatchResponse created2 = next();
        assertThat(created2.getCreated()).isTrue();
        assertThat(created2.getWatchId()).isEqualTo(1);

        store.put(PutRequest.of(bs("a1"), bs("x"))); // rev 2
        WatchResponse put = next();
        assertThat(put.getWatchId()).isZero();
        assertThat(put.getHeader().getRevision()).isEqualTo(2);
        assertThat(put.getEvents(0).getType()).isEqualTo(Event.EventType.PUT);
        assertThat(put.getEvents(0).getKv().getValue()).isEqualTo(bs("x"));

        store.deleteRange(dev.skiff.store.DeleteRangeRequest.key(bs("a1"))); // rev 3
        WatchResponse d1 = next();
        WatchResponse d2 = next();
        assertThat(java.util.List.of(d1.getWatchId(), d2.getWatchId())).containsExactlyInAnyOrder(0L, 1L);
        assertThat(d1.getEvents(0).getType()).isEqualTo(Event.EventType.DELETE);
        assertThat(d1.getEvents(0).getKv().getModRevision()).isEqualTo(3);

        requests.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
        WatchResponse p1 = next();
        WatchResponse p2 = next();
        for (WatchResponse p : java.util.List.of(p1, p2)) {
            assertThat(p.getEventsCount()).isZero();
            assertThat(p.getCreated()).isFalse();
            assertThat(p.getHeader().getRevision()).isEqualTo(3);
        }

        requests.onNext(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(0)).build());
        WatchResponse canceled = next();
        assertThat(canceled.getCanceled()).isTrue();
        assertThat(canceled.getWatchId()).isZero();

        store.put(PutRequest.of(bs("a2"), bs("y"))); // only watch 0 would see it, and it is gone
        store.deleteRange(dev.skiff.store.DeleteRangeRequest.key(bs("a2")));
        WatchResponse onlyOne = next();
        assertThat(onlyOne.getWatchId()).isEqualTo(1);
        assertThat(onlyOne.getEvents(0).getKv().getKey()).isEqualTo(bs("a2"));
        assertThat(responses.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void closingTheStreamClosesItsStoreWatches() throws Exception {
        create(WatchCreateRequest.newBuilder().setKey(bs("x")));
        create(WatchCreateRequest.newBuilder().setKey(bs("y")).setRangeEnd(bs("z")));
        assertThat(next().getCreated()).isTrue();
        assertThat(next().getCreated()).isTrue();
        // "created" is answered before the store watch is opened, so wait for both to open
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.openWatches() < 2) {
            assertThat(System.nanoTime()).as("store watches not opened").isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(store.openWatches()).isEqualTo(2);
        requests.onCompleted();
        while (store.openWatches() > 0) {
            assertThat(System.nanoTime()).as("store watches still open").isLessThan(deadline);
            Thread.sleep(20);
        }
        open(); // a fresh stream for the @AfterEach to close
    }

    @Test
    void clientChosenIdsAndDuplicates() throws Exception {
        var withId = WatchCreateRequest.newBuilder().setKey(bs("k"))
                .setUnknownFields(UnknownFieldSet.newBuilder()
                        .addField(7, UnknownFieldSet.Field.newBuilder().addVarint(42).build()).build());
        create(withId);
        WatchResponse created = next();
        assertThat(created.getWatchId()).isEqualTo(42);
        assertThat(created.getCanceled()).isFalse();
        create(withId);
        WatchResponse dup = next();
        assertThat(dup.getWatchId()).isEqualTo(42);
        assertThat(dup.getCanceled()).isTrue();
        assertThat(dup.getCancelReason()).contains("duplicate watch ID");
    }

    @Test
    void compactedStartRevisionCancelsWithCompactRevision() throws Exception {
        for (int i = 0; i < 4; i++) {
            store.put(PutRequest.of(bs("c"), bs("v" + i))); // revs 2..5
        }
        store.compact(4);
        create(WatchCreateRequest.newBuilder().setKey(bs("c")).setStartRevision(2));
        assertThat(next().getCreated()).isTrue();
        WatchResponse compacted = next();
        assertThat(compacted.getCanceled()).isTrue();
        assertThat(compacted.getCompactRevision()).isEqualTo(4);

        create(WatchCreateRequest.newBuilder().setKey(bs("c")).setStartRevision(4).setPrevKv(true));
        assertThat(next().getCreated()).isTrue();
        // etcd may put both replayed events in one response (header = current revision) or split them
        java.util.List<Event> events = new java.util.ArrayList<>();
        while (events.size() < 2) {
            WatchResponse replay = next();
            assertThat(replay.getHeader().getRevision()).isBetween(4L, 5L);
            events.addAll(replay.getEventsList());
        }
        assertThat(events).hasSize(2);
        assertThat(events.get(0).getKv().getModRevision()).isEqualTo(4);
        assertThat(events.get(0).getKv().getValue()).isEqualTo(bs("v2"));
        // as etcd 3.4: the previous value of the event at the compact revision is compacted away, so
        // it carries no prev_kv (etcd's watch server reads prev_kv at mod_revision - 1 and skips it
        // on ErrCompacted); the next event's previous value is still there
        assertThat(events.get(0).hasPrevKv()).isFalse();
        assertThat(events.get(1).getKv().getValue()).isEqualTo(bs("v3"));
        assertThat(events.get(1).getPrevKv().getValue()).isEqualTo(bs("v2"));
    }

    @Test
    void leaseLeasesIsServedAlthoughJetcdGrpcLacksIt() throws Exception {
        long a = store.leaseGrant(7, 60).id();
        long b = store.leaseGrant(9, 60).id();
        byte[] raw = ClientCalls.blockingUnaryCall(channel, dev.skiff.store.etcdapi.LeaseLeases.METHOD,
                io.grpc.CallOptions.DEFAULT, new byte[0]);
        // decode { header = 1; repeated LeaseStatus { int64 ID = 1 } leases = 2 } generically
        UnknownFieldSet fields = UnknownFieldSet.parseFrom(raw);
        ResponseHeader header = ResponseHeader.parseFrom(fields.getField(1).getLengthDelimitedList().getFirst());
        assertThat(header.getRevision()).isEqualTo(1);
        var ids = fields.getField(2).getLengthDelimitedList().stream()
                .map(bytes -> {
                    try {
                        return UnknownFieldSet.parseFrom(bytes).getField(1).getVarintList().getFirst();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }).toList();
        assertThat(ids).containsExactlyInAnyOrder(a, b);
        assertThat(LeaseGrpc.SERVICE_NAME).isEqualTo("etcdserverpb.Lease");
    }
}
