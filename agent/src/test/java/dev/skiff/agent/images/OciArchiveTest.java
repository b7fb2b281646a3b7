package dev.skiff.agent.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciArchiveTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    static ImageRecipe recipe() {
        return new ImageRecipe("hello:1", List.of(List.of(
                new ImageRecipe.Directory("/bin", 0755),
                new ImageRecipe.Content("/bin/hello", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), 0755),
                new ImageRecipe.Symlink("/bin/hi", "/bin/hello"))),
                List.of("/bin/hello"), List.of(), List.of("PATH=/bin"));
    }

    static Map<String, byte[]> entries(Path archive) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (InputStream in = Files.newInputStream(archive); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                entries.put(e.getName(), tar.readAllBytes());
            }
        }
        return entries;
    }

    @Test
    void writesAnOciLayoutWhoseBlobsMatchTheirDigestsAndNameTheImage() throws IOException {
        Path archive = dir.resolve("hello.tar");
        String manifestDigest = OciArchive.write(recipe(), archive);
        Map<String, byte[]> entries = entries(archive);
        assertThat(JSON.readTree(entries.get("oci-layout")).get("imageLayoutVersion").asText()).isEqualTo("1.0.0");
        entries.forEach((name, bytes) -> {
            if (name.startsWith("blobs/sha256/") && !name.endsWith("/")) {
                assertThat(OciArchive.digest(bytes)).isEqualTo("sha256:" + name.substring("blobs/sha256/".length()));
            }
        });
        JsonNode descriptor = JSON.readTree(entries.get("index.json")).get("manifests").get(0);
        assertThat(descriptor.get("digest").asText()).isEqualTo(manifestDigest);
        assertThat(descriptor.get("annotations").get("io.containerd.image.name").asText()).isEqualTo("docker.io/library/hello:1");
        assertThat(descriptor.get("annotations").get("org.opencontainers.image.ref.name").asText()).isEqualTo("1");
        JsonNode manifest = JSON.readTree(entries.get("blobs/sha256/" + manifestDigest.substring(7)));
        JsonNode config = JSON.readTree(entries.get("blobs/sha256/" + manifest.get("config").get("digest").asText().substring(7)));
        String layerDigest = manifest.get("layers").get(0).get("digest").asText();
        assertThat(config.get("rootfs").get("diff_ids").get(0).asText()).isEqualTo(layerDigest);
        assertThat(config.get("config").get("Entrypoint").get(0).asText()).isEqualTo("/bin/hello");
    }

    @Test
    void sameRecipeGivesTheSameDigest() throws IOException {
        assertThat(OciArchive.write(recipe(), dir.resolve("a.tar"))).isEqualTo(OciArchive.write(recipe(), dir.resolve("b.tar")));
    }

    @Test
    void rejectsEntryPathsEscapingTheRoot() {
        var escaping = new ImageRecipe("x", List.of(List.of(new ImageRecipe.Content("/../etc/passwd", new byte[0], 0644))),
                List.of(), List.of(), List.of());
        assertThatThrownBy(() -> OciArchive.write(escaping, dir.resolve("x.tar"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'..'");
    }

    @Test
    void normalizesReferencesAsTheRuntimeDoes() {
        assertThat(ImageNames.normalize("busybox")).isEqualTo("docker.io/library/busybox:latest");
        assertThat(ImageNames.normalize("busybox:1.35")).isEqualTo("docker.io/library/busybox:1.35");
        assertThat(ImageNames.normalize("me/app:2")).isEqualTo("docker.io/me/app:2");
        assertThat(ImageNames.normalize("localhost:5000/app")).isEqualTo("localhost:5000/app:latest");
        assertThat(ImageNames.repository("localhost:5000/app:1")).isEqualTo("localhost:5000/app");
        assertThat(ImageNames.repository("127.0.0.1:5000/team/app")).isEqualTo("127.0.0.1:5000/team/app");
        assertThat(ImageNames.repository("busybox@sha256:abc")).isEqualTo("docker.io/library/busybox");
        assertThat(ImageNames.normalize("registry.k8s.io/pause:3.10")).isEqualTo("registry.k8s.io/pause:3.10");
        assertThat(ImageNames.tag("registry.k8s.io/pause:3.10")).isEqualTo("3.10");
        assertThatThrownBy(() -> ImageNames.normalize(" busybox")).isInstanceOf(IllegalArgumentException.class);
    }
}
