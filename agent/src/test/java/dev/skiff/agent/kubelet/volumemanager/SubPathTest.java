package dev.skiff.agent.kubelet.volumemanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** subPath checks: a volumeMount's subPath never reaches outside its volume. */
class SubPathTest {
    @TempDir
    Path dir;

    @Test
    void subPathsStayInsideTheVolume() throws Exception {
        Path volume = Files.createDirectories(dir.resolve("volume"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        assertThat(VolumeManager.subPath(volume, "a/b")).isEqualTo(volume.toRealPath().resolve("a/b"));
        assertThat(volume.resolve("a/b")).isDirectory();
        assertThatThrownBy(() -> VolumeManager.subPath(volume, "/etc")).hasMessage("error SubPath `/etc` must not be an absolute path");
        assertThatThrownBy(() -> VolumeManager.subPath(volume, "a/../../outside")).hasMessage("error SubPath `a/../../outside` must not contain '..'");
        Files.createSymbolicLink(volume.resolve("escape"), outside);
        assertThatThrownBy(() -> VolumeManager.subPath(volume, "escape"))
                .hasMessage("subpath \"escape\" not within volume path \"" + volume + "\"");
    }
}
