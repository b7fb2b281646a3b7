package dev.skiff.agent.volume.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The atomic writer's on-disk layout, as upstream's: timestamped dir, ..data symlink, per-name symlinks. */
class AtomicWriterTest {
    @TempDir
    Path dir;

    private static FileProjection file(String content, int mode) {
        return new FileProjection(content.getBytes(StandardCharsets.UTF_8), mode);
    }

    private List<String> hiddenTimestampDirs() throws Exception {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\.\\.\\d{4}_\\d\\d_\\d\\d_\\d\\d_\\d\\d_\\d\\d\\..+")).toList();
        }
    }

    @Test
    void writesThroughDataSymlinkAndUpdatesAtomically() throws Exception {
        AtomicWriter writer = new AtomicWriter(dir, Clock.systemUTC());
        assertThat(writer.write(Map.of("a", file("one", 0644), "sub/b", file("two", 0400)))).isTrue();
        assertThat(Files.readSymbolicLink(dir.resolve("..data")).toString()).isEqualTo(hiddenTimestampDirs().getFirst());
        assertThat(Files.readSymbolicLink(dir.resolve("a"))).isEqualTo(Path.of("..data/a"));
        assertThat(Files.readSymbolicLink(dir.resolve("sub"))).isEqualTo(Path.of("..data/sub"));
        assertThat(Files.readString(dir.resolve("a"))).isEqualTo("one");
        assertThat(Files.readString(dir.resolve("sub/b"))).isEqualTo("two");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sub/b")))).isEqualTo("r--------");
        String first = hiddenTimestampDirs().getFirst();

        assertThat(writer.write(Map.of("a", file("one", 0644), "sub/b", file("two", 0400)))).isFalse();
        assertThat(hiddenTimestampDirs()).containsExactly(first);

        assertThat(writer.write(Map.of("a", file("changed", 0644), "c", file("three", 0644)))).isTrue();
        assertThat(hiddenTimestampDirs()).hasSize(1).doesNotContain(first);
        assertThat(Files.readString(dir.resolve("a"))).isEqualTo("changed");
        assertThat(Files.readString(dir.resolve("c"))).isEqualTo("three");
        assertThat(dir.resolve("sub")).doesNotExist();
        assertThat(Files.exists(dir.resolve("sub"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void rejectsPathsThatLeaveTheVolume() {
        AtomicWriter writer = new AtomicWriter(dir, Clock.systemUTC());
        assertThatThrownBy(() -> writer.write(Map.of("../x", file("", 0644)))).hasMessage("invalid path: must not start with '..': ../x");
        assertThatThrownBy(() -> writer.write(Map.of("a/../../x", file("", 0644)))).hasMessage("invalid path: must not contain '..': a/../../x");
        assertThatThrownBy(() -> writer.write(Map.of("/etc/x", file("", 0644)))).hasMessage("invalid path: must be relative path: /etc/x");
    }
}
