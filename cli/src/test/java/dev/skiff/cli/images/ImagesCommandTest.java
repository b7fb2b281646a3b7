package dev.skiff.cli.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.cli.Skiff;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code skiff images} failing cleanly without containerd: one line on stderr and exit 1. */
class ImagesCommandTest {
    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        int exit = Skiff.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static void assertOneLineFailure(Result r, String... mentions) {
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith("skiff: ").contains(mentions);
    }

    @Test
    void aMissingFileIsNamedBeforeAnythingIsImported() {
        assertOneLineFailure(run("images", "import", "-d", dir.toString(), dir.resolve("nope.tar").toString()),
                "no such file: " + dir.resolve("nope.tar"));
    }

    @Test
    void noContainerdRunningIsSaidInOneLine() throws Exception {
        Path archive = Files.writeString(dir.resolve("a.tar"), "x");
        Path socket = dir.resolve("agent/containerd/containerd.sock");
        assertOneLineFailure(run("images", "import", "--data-dir", dir.toString(), archive.toString()),
                "no containerd running: " + socket + " does not exist", "--data-dir " + dir);
        assertOneLineFailure(run("images", "list", "--data-dir", dir.toString()), "no containerd running");
        // a socket path nothing listens on
        Files.createDirectories(socket.getParent());
        Files.writeString(socket, "");
        assertOneLineFailure(run("images", "ls", "--container-runtime-endpoint", "unix://" + socket), "no containerd answering on " + socket);
    }

    @Test
    void importNeedsAFile() {
        Result r = run("images", "import");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("FILE");
    }

    @Test
    void sizesReadAsCrictlPrintsThem() {
        assertThat(ImagesCommand.humanSize(999)).isEqualTo("999B");
        assertThat(ImagesCommand.humanSize(1_234_567)).isEqualTo("1.235MB");
        assertThat(ImagesCommand.humanSize(2_000_000_000L)).isEqualTo("2GB");
    }
}
