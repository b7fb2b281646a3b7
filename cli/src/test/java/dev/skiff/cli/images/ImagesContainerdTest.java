package dev.skiff.cli.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.containerd.Containerd;
import dev.skiff.agent.containerd.ContainerdConfig;
import dev.skiff.agent.images.ImageImporter;
import dev.skiff.agent.images.ImageRecipe;
import dev.skiff.agent.images.LocalImages;
import dev.skiff.agent.images.OciArchive;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code skiff images} and the airgap directory against a real containerd laid out as an agent's
 * ({@code <data-dir>/agent/containerd}). Needs root and Debian's containerd and busybox-static.
 */
@Tag("containerd")
class ImagesContainerdTest {
    private Path dataDir;
    private Containerd containerd;

    @BeforeEach
    void startContainerd() throws IOException {
        // short path: containerd's socket path must fit a sockaddr_un
        dataDir = Files.createTempDirectory(Path.of("/tmp"), "skiff-img-");
        containerd = Containerd.start(ContainerdConfig.defaults(dataDir.resolve("agent/containerd"), "10.88.86.0/24", "skiff-st0"),
                Duration.ofSeconds(60));
    }

    @AfterEach
    void stopContainerd() throws IOException {
        if (containerd != null) {
            containerd.teardown();
            containerd.close();
        }
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private Path archive(String name, Path file) throws IOException {
        var busybox = LocalImages.fromDebian().busybox();
        OciArchive.write(new ImageRecipe(name, busybox.layers(), busybox.entrypoint(), busybox.cmd(), busybox.env()), file);
        return file;
    }

    @Test
    void importedArchivesAreListedAndABadOneFailsInOneLine() throws Exception {
        Path good = archive("skiff.local/imported:1.0", dataDir.resolve("imported.tar"));
        var imported = ImagesCommandTest.run("images", "import", "--data-dir", dataDir.toString(), good.toString());
        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("imported skiff.local/imported:1.0 from " + good);

        var list = ImagesCommandTest.run("images", "list", "-d", dataDir.toString());
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out().lines().findFirst().orElseThrow()).matches("IMAGE\\s+TAG\\s+IMAGE ID\\s+SIZE");
        assertThat(list.out()).containsPattern("skiff.local/imported\\s+1.0\\s+[0-9a-f]{13}\\s+\\d");

        Path bad = Files.write(dataDir.resolve("bad.tar"), "not a tar archive at all".getBytes());
        var failed = ImagesCommandTest.run("images", "import", "-d", dataDir.toString(), bad.toString());
        assertThat(failed.exit()).isEqualTo(1);
        assertThat(failed.err().lines()).hasSize(1);
        assertThat(failed.err()).startsWith("skiff: " + bad + " is not an image archive containerd can import");
    }

    @Test
    void theAirgapDirectoryImportsEveryArchiveAndSkipsABadOne() throws Exception {
        Path airgap = Files.createDirectories(dataDir.resolve("agent/images"));
        Path plain = archive("skiff.local/airgap-plain:1", airgap.resolve("a-plain.tar"));
        Path tar = archive("skiff.local/airgap-gz:1", dataDir.resolve("gz.tar"));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(airgap.resolve("b-gzipped.tar.gz")))) {
            Files.copy(tar, out);
        }
        Files.writeString(airgap.resolve("c-broken.tar"), "garbage");
        Files.writeString(airgap.resolve("notes.txt"), "not an archive, not tried");

        int imported = new ImageImporter(ImageImporter.CTR, containerd.config().socket()).importDirectory(airgap);
        assertThat(imported).isEqualTo(2);
        var list = ImagesCommandTest.run("images", "list", "-d", dataDir.toString());
        assertThat(list.out()).contains("skiff.local/airgap-plain").contains("skiff.local/airgap-gz");
        assertThat(plain).exists();
    }
}
