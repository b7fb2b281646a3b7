package dev.skiff.agent.volume.hostpath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hostPath type checks with upstream's messages. */
class HostPathTest {
    @TempDir
    Path dir;

    @Test
    void createsWhatTheOrCreateTypesAskForAndChecksTheOthers() throws Exception {
        Path newDir = dir.resolve("a/b");
        new HostPath(newDir, "DirectoryOrCreate").setUp();
        assertThat(newDir).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(newDir))).isEqualTo("rwxr-xr-x");
        Path newFile = dir.resolve("f");
        new HostPath(newFile, "FileOrCreate").setUp();
        assertThat(newFile).isRegularFile();
        new HostPath(newFile, "File").setUp();
        new HostPath(newDir, "Directory").setUp();
        new HostPath(dir.resolve("missing"), "").setUp();

        assertThatThrownBy(() -> new HostPath(newFile, "Directory").setUp())
                .hasMessage("hostPath type check failed: " + newFile + " is not a directory");
        assertThatThrownBy(() -> new HostPath(newFile, "DirectoryOrCreate").setUp())
                .hasMessage("hostPath type check failed: " + newFile + " is not a directory");
        assertThatThrownBy(() -> new HostPath(newDir, "FileOrCreate").setUp())
                .hasMessage("hostPath type check failed: " + newDir + " is not a file");
        assertThatThrownBy(() -> new HostPath(dir.resolve("missing"), "File").setUp())
                .hasMessage("hostPath type check failed: " + dir.resolve("missing") + " is not a file");
        assertThatThrownBy(() -> new HostPath(newFile, "Socket").setUp())
                .hasMessage("hostPath type check failed: " + newFile + " is not a socket file");
        assertThatThrownBy(() -> new HostPath(newFile, "CharDevice").setUp())
                .hasMessage("hostPath type check failed: " + newFile + " is not a character device");
        assertThatThrownBy(() -> new HostPath(newFile, "BlockDevice").setUp())
                .hasMessage("hostPath type check failed: " + newFile + " is not a block device");
        assertThatThrownBy(() -> new HostPath(newFile, "Weird").setUp()).hasMessage("Weird is an invalid volume type");
        new HostPath(Path.of("/dev/null"), "CharDevice").setUp();

        Path socket = dir.resolve("s.sock");
        try (var server = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            new HostPath(socket, "Socket").setUp();
        }
    }
}
