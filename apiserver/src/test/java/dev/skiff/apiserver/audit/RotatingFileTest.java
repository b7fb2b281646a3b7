package dev.skiff.apiserver.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingFileTest {
    /** A time source a test moves by hand. */
    private static final class ManualClock implements InstantSource {
        Instant now = Instant.parse("2026-12-03T10:00:00.123Z");

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static byte[] line(char c) {
        return (String.valueOf(c).repeat(9) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void rotatesBeforeAWriteWouldPassTheLimitIntoATimestampedBackup(@TempDir Path dir) throws Exception {
        var clock = new ManualClock();
        try (var file = new RotatingFile(dir.resolve("audit.log"), 25, 0, Duration.ZERO, clock)) {
            file.write(line('a'));
            file.write(line('b'));
            clock.now = clock.now.plusSeconds(1);
            file.write(line('c')); // 30 bytes would pass 25: a and b go to the backup
            file.flush();
        }
        assertThat(names(dir)).containsExactly("audit-2026-12-03T10-00-01.123.log", "audit.log");
        assertThat(Files.readString(dir.resolve("audit-2026-12-03T10-00-01.123.log"))).isEqualTo("aaaaaaaaa\nbbbbbbbbb\n");
        assertThat(Files.readString(dir.resolve("audit.log"))).isEqualTo("ccccccccc\n");
        assertThat(Files.getPosixFilePermissions(dir.resolve("audit.log"))).hasToString("[OWNER_READ, OWNER_WRITE]");
    }

    @Test
    void appendsToAnExistingFileAndRotatesItWhenFull(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("audit.log"), "old\n");
        var clock = new ManualClock();
        try (var file = new RotatingFile(dir.resolve("audit.log"), 15, 0, Duration.ZERO, clock)) {
            file.write(line('a'));
            file.flush();
            assertThat(Files.readString(dir.resolve("audit.log"))).isEqualTo("old\naaaaaaaaa\n");
            file.write(line('b'));
        }
        assertThat(names(dir)).hasSize(2);
        assertThat(Files.readString(dir.resolve("audit.log"))).isEqualTo("bbbbbbbbb\n");
    }

    @Test
    void keepsOnlyMaxBackupsNewestAndNoneOlderThanMaxAge(@TempDir Path dir) throws Exception {
        var clock = new ManualClock();
        try (var file = new RotatingFile(dir.resolve("audit.log"), 10, 2, Duration.ZERO, clock)) {
            for (char c = 'a'; c <= 'e'; c++) {
                clock.now = clock.now.plusSeconds(1);
                file.write(line(c));
            }
        }
        assertThat(names(dir)).containsExactly("audit-2026-12-03T10-00-04.123.log", "audit-2026-12-03T10-00-05.123.log", "audit.log");
        assertThat(Files.readString(dir.resolve("audit-2026-12-03T10-00-05.123.log"))).isEqualTo("ddddddddd\n");

        Path aged = dir.resolve("aged");
        Files.createDirectory(aged);
        Files.writeString(aged.resolve("other.txt"), "not a backup");
        var later = new ManualClock();
        try (var file = new RotatingFile(aged.resolve("audit.log"), 10, 0, Duration.ofDays(1), later)) {
            file.write(line('a'));
            later.now = later.now.plusSeconds(1);
            file.write(line('b')); // a's backup is named 10-00-01.123
            later.now = later.now.plus(Duration.ofDays(2));
            file.write(line('c')); // that backup is two days old now
        }
        assertThat(names(aged)).containsExactly("audit-2026-12-05T10-00-01.123.log", "audit.log", "other.txt");
    }
}
