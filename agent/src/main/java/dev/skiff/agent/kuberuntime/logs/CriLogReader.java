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
