package dev.skiff.apiserver.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log (upstream's plugin/pkg/audit/log backend): request threads hand in finished lines
 * and return; one writer thread appends them, a batch at a time, and flushes after each batch, so
 * no request thread waits on the disk or on a lock held while writing. A full queue makes request
 * threads wait for room (upstream's default "blocking" mode: events are not dropped). A failed
 * write is logged and the events of that batch are lost; requests never fail for it.
 */
final class LogBackend implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogBackend.class);
    static final int QUEUE_CAPACITY = 10_000;
    private static final int BATCH = 512;

    /** Where the lines go: a {@link RotatingFile}, or standard output. */
    interface Sink extends AutoCloseable {
        void write(byte[] bytes) throws IOException;

        void flush() throws IOException;

        @Override
        void close() throws IOException;

        static Sink of(OutputStream stream) {
            return new Sink() {
                @Override
                public void write(byte[] bytes) throws IOException {
                    stream.write(bytes);
                }

                @Override
                public void flush() throws IOException {
                    stream.flush();
                }

                @Override
                public void close() throws IOException {
                    stream.flush();
                }
            };
        }
    }

    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Sink sink;
    private final String target;
    private final Thread writer;
    private volatile boolean closed;
    private boolean failing;

    LogBackend(Sink sink, String target) {
        this.sink = sink;
        this.target = target;
        this.writer = Thread.ofPlatform().daemon().name("audit-log-writer").start(this::run);
    }

    /** Queues one line (the newline added here); waits only while the queue is full. */
    void process(byte[] line) {
        if (closed) {
            return;
        }
        try {
            queue.put(line);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("audit event dropped: interrupted while the audit log queue was full path={}", target);
        }
    }

    private void run() {
        var batch = new ArrayList<byte[]>(BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                byte[] first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                write(batch);
                batch.clear();
            } catch (InterruptedException e) {
                // nobody interrupts the writer; the loop's condition decides when it ends
            }
        }
        try {
            sink.close();
        } catch (IOException e) {
            log.error("closing the audit log failed path={}", target, e);
        }
    }

    private void write(List<byte[]> lines) {
        try {
            for (byte[] line : lines) {
                sink.write(line);
                sink.write(NEWLINE);
            }
            sink.flush();
            if (failing) {
                failing = false;
                log.info("audit log writes succeed again path={}", target);
            }
        } catch (IOException | RuntimeException e) {
            // upstream's log backend logs the error and goes on: auditing never fails a request
            if (!failing) {
                log.error("writing the audit log failed, events are dropped until a write succeeds path={} error=\"{}\"", target, e.getMessage());
            }
            failing = true;
        }
    }

    private static final byte[] NEWLINE = {'\n'};

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
