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
}
