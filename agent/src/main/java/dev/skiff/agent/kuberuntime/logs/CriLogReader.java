package dev.skiff.agent.kuberuntime.logs;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads container logs in the CRI format the runtime writes: one line per write,
 * {@code <RFC 3339 nano time> <stdout|stderr> <P|F> <content>}, where P marks a partial line
 * the next one continues and F a full one (upstream: kuberuntime/logs).
 */
public final class CriLogReader {
    /** One log line, partial pieces joined. */
    public record LogLine(Instant time, String stream, String content) {
    }

    private CriLogReader() {
    }

    public static List<LogLine> read(Path file) throws IOException {
        List<LogLine> lines = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            StringBuilder partial = new StringBuilder();
            String raw;
            int number = 0;
            while ((raw = in.readLine()) != null) {
                number++;
                LogLine piece = parse(raw, file, number);
                boolean full = raw.split(" ", 4)[2].equals("F");
                partial.append(piece.content());
                if (full) {
                    lines.add(new LogLine(piece.time(), piece.stream(), partial.toString()));
                    partial.setLength(0);
                }
            }
        }
        return lines;
    }

    /** Where a log goes: false once the reader on the other end has gone. */
    public interface Sink {
        boolean write(byte[] bytes);

        /** False once the reader has gone, so a quiet followed log stops without writing. */
        boolean open();
    }

    /** How often a followed log is read again once its end is reached. */
    static final java.time.Duration FOLLOW_POLL = java.time.Duration.ofMillis(200);

    /**
     * Streams a container's log file as the kubelet serves it (upstream: kuberuntime/logs.ReadLogs):
     * each piece's content, a full line ending in a newline, the time prefixed with timestamps;
     * {@code tail} counts from the end of the file, {@code since} skips older lines, {@code limitBytes}
     * cuts the output there. Following, what is appended is read until {@code running} says the
     * container has stopped (then what it wrote last is read too) or the sink is gone.
     */
    public static void readLogs(Path file, LogOptions options, Sink out, java.util.function.BooleanSupplier running)
            throws IOException, InterruptedException {
        long[] budget = {options.limitBytes() < 0 ? Long.MAX_VALUE : options.limitBytes()};
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            var pending = new java.io.ByteArrayOutputStream();
            List<String> first = completeLines(channel, pending);
            int number = 0;
            int skip = options.tail() < 0 ? 0 : (int) Math.max(0, first.size() - options.tail());
            for (String raw : first.subList(skip, first.size())) {
                if (!emit(raw, file, ++number, options, out, budget)) {
                    return;
                }
            }
            while (options.follow()) {
                boolean wasRunning = running.getAsBoolean();
                List<String> more = completeLines(channel, pending);
                for (String raw : more) {
                    if (!emit(raw, file, ++number, options, out, budget)) {
                        return;
                    }
                }
                if (!wasRunning) {
                    return;
                }
                if (more.isEmpty()) {
                    if (!out.open()) {
                        return;
                    }
                    Thread.sleep(FOLLOW_POLL);
                }
            }
        }
    }

    /** The whole lines from the channel's position on; a trailing part without its newline stays in {@code pending}. */
    private static List<String> completeLines(java.nio.channels.FileChannel channel, java.io.ByteArrayOutputStream pending)
            throws IOException {
        List<String> lines = new ArrayList<>();
        var buffer = java.nio.ByteBuffer.allocate(64 * 1024);
        while (channel.read(buffer) > 0) {
            buffer.flip();
            while (buffer.hasRemaining()) {
                byte b = buffer.get();
                if (b == '\n') {
                    lines.add(pending.toString(StandardCharsets.UTF_8));
                    pending.reset();
                } else {
                    pending.write(b);
                }
            }
            buffer.clear();
        }
        return lines;
    }

    /** Writes one CRI line as the client sees it; false when the limit is reached or the sink is gone. */
    private static boolean emit(String raw, Path file, int number, LogOptions options, Sink out, long[] budget) throws IOException {
        LogLine line = parse(raw, file, number);
        if (options.since() != null && line.time().isBefore(options.since())) {
            return true;
        }
        String text = (options.timestamps() ? raw.split(" ", 2)[0] + " " : "") + line.content()
                + (raw.split(" ", 4)[2].equals("F") ? "\n" : "");
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= budget[0]) {
            out.write(java.util.Arrays.copyOf(bytes, (int) budget[0]));
            budget[0] = 0;
            return false;
        }
        budget[0] -= bytes.length;
        return out.write(bytes);
    }

    /** The content of every full line, in order (stdout and stderr interleaved as written). */
    public static List<String> contents(Path file) throws IOException {
        return read(file).stream().map(LogLine::content).toList();
    }

    static LogLine parse(String raw, Path file, int number) throws IOException {
        String[] parts = raw.split(" ", 4);
        if (parts.length < 3 || !(parts[1].equals("stdout") || parts[1].equals("stderr"))
                || !(parts[2].equals("P") || parts[2].equals("F"))) {
            throw new IOException(file + ":" + number + ": not a CRI log line: " + raw);
        }
        Instant time;
        try {
            time = Instant.parse(parts[0]);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IOException(file + ":" + number + ": bad CRI log timestamp " + parts[0], e);
        }
        return new LogLine(time, parts[1], parts.length == 4 ? parts[3] : "");
    }
}
