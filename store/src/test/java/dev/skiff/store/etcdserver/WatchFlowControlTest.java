package dev.skiff.store.etcdserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.skiff.store.PutRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A watch client that stops reading holds back its own watch; the server does not buffer the whole history for it. */
class WatchFlowControlTest extends ServerFixture {
    private static final int PUTS = 3000;
    private static final ByteString VALUE = ByteString.copyFrom(new byte[4096]);

    @Test
    void aClientThatStopsReadingStallsItsWatchUntilItReadsAgain() throws Exception {
        for (int i = 0; i < PUTS; i++) {
            store.put(PutRequest.of(ByteString.copyFromUtf8("flow/" + i), VALUE));
        }
        var channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        var events = new AtomicLong();
        var call = new AtomicReference<ClientCallStreamObserver<WatchRequest>>();
        try {
            var requests = WatchGrpc.newStub(channel).watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
                    requestStream.disableAutoRequestWithInitial(1); // read one message, then nothing
                    call.set(requestStream);
                }

                @Override
                public void onNext(WatchResponse r) {
                    events.addAndGet(r.getEventsCount());
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            });
            requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("flow/")).setRangeEnd(ByteString.copyFromUtf8("flow0")).setStartRevision(1)).build());

            // ~12 MiB of history against HTTP/2 windows of about 1 MiB: the replay must stall
            long stalledAt = awaitStable(store::deliveredEvents);
            assertThat(stalledAt).as("events handed to the endpoint while the client reads nothing").isLessThan(PUTS);

            call.get().request(Integer.MAX_VALUE);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (events.get() < PUTS && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(events.get()).as("all events once the client reads again").isEqualTo(PUTS);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Waits until the value stops changing for half a second and returns it. */
    private static long awaitStable(java.util.function.LongSupplier value) throws InterruptedException {
        long last = -1;
        long current = value.getAsLong();
        while (current != last) {
            last = current;
            Thread.sleep(500);
            current = value.getAsLong();
        }
        return current;
    }
}
