package dev.skiff.agent.kuberuntime.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CriLogReaderTest {
    @TempDir
    Path dir;

    @Test
    void joinsPartialLinesAndKeepsStreamAndTime() throws IOException {
        Path log = Files.writeString(dir.resolve("0.log"), """
                2026-01-02T03:04:05.1Z stdout P hel
                2026-01-02T03:04:05.2Z stdout F lo
                2026-01-02T03:04:06.000000001+00:00 stderr F
                2026-01-02T03:04:07Z stdout F with spaces  inside
                """);
        var lines = CriLogReader.read(log);
        assertThat(lines).extracting(CriLogReader.LogLine::content).containsExactly("hello", "", "with spaces  inside");
        assertThat(lines).extracting(CriLogReader.LogLine::stream).containsExactly("stdout", "stderr", "stdout");
        assertThat(lines.getFirst().time()).isEqualTo(Instant.parse("2026-01-02T03:04:05.2Z"));
        assertThat(lines.get(1).time()).isEqualTo(Instant.parse("2026-01-02T03:04:06.000000001Z"));
    }

    @Test
    void rejectsLinesNotInTheCriFormatNamingFileAndLine() throws IOException {
        Path badStream = Files.writeString(dir.resolve("a.log"), "2026-01-02T03:04:05Z stdout F ok\n2026-01-02T03:04:05Z stdin F x\n");
        assertThatThrownBy(() -> CriLogReader.read(badStream)).isInstanceOf(IOException.class).hasMessageContaining("a.log:2: not a CRI log line");
        Path badTime = Files.writeString(dir.resolve("b.log"), "yesterday stdout F x\n");
        assertThatThrownBy(() -> CriLogReader.read(badTime)).isInstanceOf(IOException.class).hasMessageContaining("b.log:1: bad CRI log timestamp");
        Path badTag = Files.writeString(dir.resolve("c.log"), "2026-01-02T03:04:05Z stdout X x\n");
        assertThatThrownBy(() -> CriLogReader.read(badTag)).isInstanceOf(IOException.class).hasMessageContaining("c.log:1");
    }

    private static final String LOG = """
            2026-01-02T03:04:01.5Z stdout F one
            2026-01-02T03:04:02Z stderr P tw
            2026-01-02T03:04:02.1Z stderr F o
            2026-01-02T03:04:03Z stdout F three
            """;

    /** What readLogs writes, collected. */
    private static String read(Path file, LogOptions options, java.util.function.BooleanSupplier running) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        CriLogReader.readLogs(file, options, new CriLogReader.Sink() {
            @Override
            public boolean write(byte[] bytes) {
                out.writeBytes(bytes);
                return true;
            }

            @Override
            public boolean open() {
                return true;
            }
        }, running);
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void servesLogsAsTheKubeletDoesWithTailSinceLimitAndTimestamps() throws Exception {
        Path log = Files.writeString(dir.resolve("0.log"), LOG);
        assertThat(read(log, new LogOptions(-1, null, -1, false, false), () -> false)).isEqualTo("one\ntwo\nthree\n");
        assertThat(read(log, new LogOptions(1, null, -1, false, false), () -> false)).isEqualTo("three\n");
        assertThat(read(log, new LogOptions(0, null, -1, false, false), () -> false)).isEmpty();
        assertThat(read(log, new LogOptions(-1, Instant.parse("2026-01-02T03:04:02Z"), -1, false, false), () -> false))
                .isEqualTo("two\nthree\n");
        assertThat(read(log, new LogOptions(-1, null, 6, false, false), () -> false)).isEqualTo("one\ntw");
        assertThat(read(log, new LogOptions(2, null, -1, false, true), () -> false))
                .isEqualTo("2026-01-02T03:04:02.1Z o\n2026-01-02T03:04:03Z three\n");
    }

    @Test
    void followReadsWhatIsAppendedUntilTheContainerStops() throws Exception {
        Path log = Files.writeString(dir.resolve("0.log"), LOG);
        var checks = new java.util.concurrent.atomic.AtomicInteger();
        // the container "writes" one more line on the second check, then stops: the last line is still read
        String out = read(log, new LogOptions(1, null, -1, true, false), () -> {
            int n = checks.incrementAndGet();
            if (n == 2) {
                try {
                    Files.writeString(log, "2026-01-02T03:04:09Z stdout F four\n", java.nio.file.StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return n < 3;
        });
        assertThat(out).isEqualTo("three\nfour\n");
    }
}
