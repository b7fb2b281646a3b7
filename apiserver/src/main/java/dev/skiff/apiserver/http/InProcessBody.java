package dev.skiff.apiserver.http;

import dev.skiff.apiserver.endpoints.ResponseStream;
import io.fabric8.kubernetes.client.http.AsyncBody;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A response body handed from the request chain to an in-process client: the chain writes pieces
 * ({@link ResponseStream}), the client asks for them one at a time ({@link AsyncBody#consume}), as
 * a network body's reader does. A piece is given to the client's consumer on the thread that made it
 * available - the writer's, or the one asking - so nothing is handed to another thread. The writer
 * waits while more than {@link #MAX_QUEUED_BYTES} are unread (a slow client slows its watch, as TCP's
 * window does), and learns that the client has gone once it cancels.
 */
final class InProcessBody implements AsyncBody, ResponseStream {
    /** Unread bytes beyond which a writer waits for the client. */
    static final int MAX_QUEUED_BYTES = 16 * 1024 * 1024;

    private final AsyncBody.Consumer<List<ByteBuffer>> consumer;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private final ArrayDeque<byte[]> pieces = new ArrayDeque<>();
    private long queuedBytes;
    private long demand;
    private boolean delivering;
    private boolean ended;
    private boolean cancelled;

    InProcessBody(AsyncBody.Consumer<List<ByteBuffer>> consumer) {
        this.consumer = consumer;
    }

    /** A whole body, already ended. */
    static InProcessBody of(AsyncBody.Consumer<List<ByteBuffer>> consumer, byte[] body) {
        var whole = new InProcessBody(consumer);
        if (body.length > 0) {
            whole.pieces.add(body);
            whole.queuedBytes = body.length;
        }
        whole.ended = true;
        return whole;
    }

    // -- the client's side

    @Override
    public void consume() {
        lock.lock();
        try {
            demand++;
        } finally {
            lock.unlock();
        }
        deliver();
    }

    @Override
    public CompletableFuture<Void> done() {
        return done;
    }

    @Override
    public void cancel() {
        lock.lock();
        try {
            cancelled = true;
            pieces.clear();
            queuedBytes = 0;
            drained.signalAll();
        } finally {
            lock.unlock();
        }
        done.completeExceptionally(new CancellationException("the client cancelled the response body"));
    }

    // -- the chain's side

    @Override
    public boolean write(byte[] chunk) {
        if (chunk.length == 0) {
            return open();
        }
        lock.lock();
        try {
            if (cancelled || ended) {
                return false;
            }
            pieces.add(chunk);
            queuedBytes += chunk.length;
        } finally {
            lock.unlock();
        }
        deliver();
        lock.lock();
        try {
            while (queuedBytes > MAX_QUEUED_BYTES && !cancelled) {
                drained.await();
            }
            return !cancelled;
        } catch (InterruptedException e) {
            // the server is shutting down: the client sees its body fail, as a dropped connection
            Thread.currentThread().interrupt();
            lock.unlock();
            try {
                fail(new java.io.IOException("the API server ended the response"));
            } finally {
                lock.lock();
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Ends the body with an error: nothing more is delivered, the writer learns the client is gone. */
    private void fail(Throwable cause) {
        done.completeExceptionally(cause);
        cancel();
    }

    @Override
    public boolean open() {
        lock.lock();
        try {
            return !cancelled;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            ended = true;
        } finally {
            lock.unlock();
        }
        deliver();
    }

    /**
     * Gives the consumer what it asked for and what there is, one piece per request; one thread at a time (a consumer
     * asks for the next piece from within its callback: that request is served by the loop, not by recursion).
     */
    private void deliver() {
        while (true) {
            byte[] piece;
            lock.lock();
            try {
                if (delivering || cancelled) {
                    return;
                }
                if (pieces.isEmpty()) {
                    if (ended && !done.isDone()) {
                        delivering = true; // completes below, once
                    } else {
                        return;
                    }
                    piece = null;
                } else if (demand > 0) {
                    demand--;
                    piece = pieces.poll();
                    queuedBytes -= piece.length;
                    drained.signalAll();
                    delivering = true;
                } else {
                    return;
                }
            } finally {
                lock.unlock();
            }
            if (piece == null) {
                done.complete(null);
                return;
            }
            try {
                consumer.consume(List.of(ByteBuffer.wrap(piece)), this);
            } catch (Throwable e) {
                fail(e);
                return;
            } finally {
                lock.lock();
                try {
                    delivering = false;
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
