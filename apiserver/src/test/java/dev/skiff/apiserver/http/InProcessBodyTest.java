package dev.skiff.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The body between the request chain and an in-process client: pieces on demand, in order; the writer held back and told of a cancel. */
class InProcessBodyTest {
    private final List<String> received = new CopyOnWriteArrayList<>();

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(List<ByteBuffer> buffers) {
        var out = new StringBuilder();
        for (ByteBuffer b : buffers) {
            out.append(StandardCharsets.UTF_8.decode(b.duplicate()));
        }
        return out.toString();
    }

    @Test
    void piecesGoOutOnlyWhenAskedForInTheOrderWrittenAndTheEndCompletesTheBody() throws Exception {
        var body = new InProcessBody((buffers, b) -> received.add(text(buffers)));
        assertThat(body.write(bytes("a"))).isTrue();
        assertThat(body.write(bytes("b"))).isTrue();
        assertThat(received).as("nothing asked for yet").isEmpty();
        body.consume();
        assertThat(received).containsExactly("a");
        body.consume();
        body.consume(); // asked ahead: the next piece goes out as it is written
        assertThat(received).containsExactly("a", "b");
        assertThat(body.write(bytes("c"))).isTrue();
        assertThat(received).containsExactly("a", "b", "c");
        assertThat(body.done()).isNotDone();
        body.close();
        assertThat(body.done().get(5, TimeUnit.SECONDS)).isNull();
        assertThat(body.write(bytes("late"))).as("nothing after the end").isFalse();
    }

    @Test
    void aConsumerAskingForMoreFromItsCallbackGetsEverythingWithoutRecursion() throws Exception {
        var depth = new java.util.concurrent.atomic.AtomicInteger();
        var deepest = new java.util.concurrent.atomic.AtomicInteger();
        var body = new InProcessBody((buffers, b) -> {
            deepest.accumulateAndGet(depth.incrementAndGet(), Math::max);
            received.add(text(buffers));
            b.consume();
            depth.decrementAndGet();
        });
        for (int i = 0; i < 1000; i++) {
            body.write(bytes(String.valueOf(i)));
        }
        body.close();
        body.consume();
        assertThat(received).hasSize(1000).startsWith("0", "1").endsWith("999");
        assertThat(deepest.get()).isEqualTo(1);
        assertThat(body.done().get(5, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void aWholeBodyIsOnePieceThenDone() throws Exception {
        var body = InProcessBody.of((buffers, b) -> received.add(text(buffers)), bytes("{\"kind\":\"Status\"}"));
        assertThat(body.done()).isNotDone();
        body.consume();
        assertThat(received).containsExactly("{\"kind\":\"Status\"}");
        assertThat(body.done().get(5, TimeUnit.SECONDS)).isNull();
        var empty = InProcessBody.of((buffers, b) -> received.add("unexpected"), new byte[0]);
        empty.consume();
        assertThat(empty.done().get(5, TimeUnit.SECONDS)).isNull();
        assertThat(received).hasSize(1);
    }

    @Test
    void aCancelTellsTheWriterTheClientHasGoneAndFailsTheBody() {
        var body = new InProcessBody((buffers, b) -> received.add(text(buffers)));
        assertThat(body.open()).isTrue();
        body.write(bytes("a"));
        body.cancel();
        assertThat(body.open()).isFalse();
        assertThat(body.write(bytes("b"))).isFalse();
        body.consume();
        assertThat(received).as("what was unread is dropped").isEmpty();
        assertThat(body.done()).isCompletedExceptionally();
    }

    @Test
    void aWriterWaitsWhileTooMuchIsUnreadAndGoesOnOnceTheClientReads() throws Exception {
        var body = new InProcessBody((buffers, b) -> received.add("piece of " + buffers.getFirst().remaining()));
        var wrote = new AtomicBoolean();
        Thread writer = Thread.ofVirtual().start(() -> {
            body.write(new byte[InProcessBody.MAX_QUEUED_BYTES]);
            body.write(new byte[1]); // over the limit: waits for the client
            wrote.set(true);
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (writer.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(writer.getState()).isEqualTo(Thread.State.WAITING);
        assertThat(wrote).isFalse();
        body.consume();
        assertThat(writer.join(Duration.ofSeconds(10))).isTrue();
        assertThat(wrote).isTrue();
        assertThat(received).containsExactly("piece of " + InProcessBody.MAX_QUEUED_BYTES);
    }

    @Test
    void aConsumerThatThrowsFailsTheBodyAndStopsTheWriter() {
        var body = new InProcessBody((buffers, b) -> {
            throw new IllegalStateException("cannot decode");
        });
        body.consume();
        body.write(bytes("a"));
        assertThat(body.done()).isCompletedExceptionally();
        assertThat(body.open()).isFalse();
    }

    @Test
    void aWriterInterruptedWhileHeldBackFailsTheBodyAsADroppedConnection() throws Exception {
        var body = new InProcessBody((buffers, b) -> received.add("piece"));
        var result = new java.util.concurrent.atomic.AtomicReference<Boolean>();
        Thread writer = Thread.ofVirtual().start(() -> {
            body.write(new byte[InProcessBody.MAX_QUEUED_BYTES + 1]);
            result.set(body.write(new byte[1]));
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (writer.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        writer.interrupt();
        assertThat(writer.join(Duration.ofSeconds(10))).isTrue();
        assertThat(result.get()).isFalse();
        assertThat(body.open()).isFalse();
        assertThat(body.done()).isCompletedExceptionally();
    }
}
