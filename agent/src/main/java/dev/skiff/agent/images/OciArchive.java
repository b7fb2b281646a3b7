package dev.skiff.agent.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes an image as an OCI image-layout tar archive ({@code oci-layout}, {@code index.json},
 * {@code blobs/sha256/...}), the format {@code ctr images import} reads. Layers are plain
 * (uncompressed) tars, so a layer's digest is also its diff ID; entries carry a fixed mtime and
 * owner, so the same recipe always gives the same digests.
 */
public final class OciArchive {
    static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";
    static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar";
    private static final ObjectMapper JSON = new ObjectMapper();

    private OciArchive() {
    }

    /** Builds the recipe's image into {@code archive}; returns the manifest digest. */
    public static String write(ImageRecipe recipe, Path archive) throws IOException {
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        List<Map<String, Object>> layerDescriptors = new ArrayList<>();
        List<String> diffIds = new ArrayList<>();
        for (List<ImageRecipe.Entry> layer : recipe.layers()) {
            byte[] tar = layerTar(layer);
            String digest = digest(tar);
            blobs.put(digest, tar);
            diffIds.add(digest);
            layerDescriptors.add(descriptor(LAYER_TYPE, digest, tar.length));
        }
        Map<String, Object> processConfig = new LinkedHashMap<>();
        processConfig.put("Env", recipe.env());
        if (!recipe.entrypoint().isEmpty()) {
            processConfig.put("Entrypoint", recipe.entrypoint());
        }
        if (!recipe.cmd().isEmpty()) {
            processConfig.put("Cmd", recipe.cmd());
        }
        processConfig.put("WorkingDir", "/");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architecture", architecture());
        config.put("os", "linux");
        config.put("config", processConfig);
        config.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds));
        byte[] configJson = JSON.writeValueAsBytes(config);
        String configDigest = digest(configJson);
        blobs.put(configDigest, configJson);

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MANIFEST_TYPE);
        manifest.put("config", descriptor(CONFIG_TYPE, configDigest, configJson.length));
        manifest.put("layers", layerDescriptors);
        byte[] manifestJson = JSON.writeValueAsBytes(manifest);
        String manifestDigest = digest(manifestJson);
        blobs.put(manifestDigest, manifestJson);

        Map<String, Object> manifestDescriptor = descriptor(MANIFEST_TYPE, manifestDigest, manifestJson.length);
        // containerd names the imported image from io.containerd.image.name; the OCI ref name is the tag
        manifestDescriptor.put("annotations", Map.of(
                "io.containerd.image.name", ImageNames.normalize(recipe.name()),
                "org.opencontainers.image.ref.name", ImageNames.tag(recipe.name())));
        manifestDescriptor.put("platform", Map.of("architecture", architecture(), "os", "linux"));
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        index.put("manifests", List.of(manifestDescriptor));

        Files.createDirectories(archive.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(archive); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            addFile(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(), 0644);
            addFile(tar, "index.json", JSON.writeValueAsBytes(index), 0644);
            addDirectory(tar, "blobs/", 0755);
            addDirectory(tar, "blobs/sha256/", 0755);
            for (var blob : blobs.entrySet()) {
                addFile(tar, "blobs/sha256/" + blob.getKey().substring("sha256:".length()), blob.getValue(), 0644);
            }
        }
        return manifestDigest;
    }

    static byte[] layerTar(List<ImageRecipe.Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (ImageRecipe.Entry entry : entries) {
                String path = relative(entry.path());
                switch (entry) {
                    case ImageRecipe.Directory d -> addDirectory(tar, path + "/", d.mode());
                    case ImageRecipe.HostFile f -> addFile(tar, path, Files.readAllBytes(f.source()), f.mode());
                    case ImageRecipe.Content c -> addFile(tar, path, c.bytes(), c.mode());
                    case ImageRecipe.Symlink s -> {
                        TarArchiveEntry link = new TarArchiveEntry(path, TarConstants.LF_SYMLINK);
                        link.setLinkName(s.target());
                        link.setMode(0120777);
                        stamp(link);
                        tar.putArchiveEntry(link);
                        tar.closeArchiveEntry();
                    }
                }
            }
        }
        return bytes.toByteArray();
    }

    private static String relative(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        if (p.isEmpty() || p.contains("..")) {
            throw new IllegalArgumentException("image entry path must name something below / without '..': " + path);
        }
        return p;
    }

    private static void addFile(TarArchiveOutputStream tar, String name, byte[] content, int mode) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        entry.setMode(0100000 | mode);
        stamp(entry);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static void addDirectory(TarArchiveOutputStream tar, String name, int mode) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(040000 | mode);
        stamp(entry);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    private static void stamp(TarArchiveEntry entry) {
        entry.setModTime(0);
        entry.setIds(0, 0);
        entry.setNames("root", "root");
    }

    private static Map<String, Object> descriptor(String mediaType, String digest, long size) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", mediaType);
        d.put("digest", digest);
        d.put("size", size);
        return d;
    }

    static String digest(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The OCI architecture name of this machine. */
    static String architecture() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> System.getProperty("os.arch");
        };
    }
}
