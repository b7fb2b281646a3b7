package dev.skiff.agent.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Imports OCI archives into a containerd's CRI namespace (k8s.io) with containerd's own
 * {@code ctr}, which also unpacks them for the overlayfs snapshotter the CRI plugin uses.
 */
public final class ImageImporter {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ImageImporter.class);
    /** The containerd namespace the CRI plugin keeps its images and containers in. */
    public static final String CRI_NAMESPACE = "k8s.io";
    /** Debian's containerd package installs ctr here. */
    public static final Path CTR = Path.of("/usr/bin/ctr");
    /** What ctr says for each image it imported: {@code unpacking <name> (sha256:...)...done}. */
    private static final java.util.regex.Pattern UNPACKED = java.util.regex.Pattern.compile("^unpacking (\\S+) \\(", java.util.regex.Pattern.MULTILINE);

    private final Path ctr;
    private final Path socket;

    public ImageImporter(Path ctr, Path socket) {
        this.ctr = ctr;
        this.socket = socket;
    }

    /**
     * Imports an OCI or docker archive, plain or gzipped (unpacked here first: this containerd's ctr reads plain tar
     * only); returns the names of the images it held, as ctr reports them.
     */
    public List<String> importArchive(Path archive) throws IOException {
        if (!isGzip(archive)) {
            return importTar(archive);
        }
        Path tar = java.nio.file.Files.createTempFile("skiff-image-", ".tar");
        try {
            try (var in = new java.util.zip.GZIPInputStream(java.nio.file.Files.newInputStream(archive))) {
                java.nio.file.Files.copy(in, tar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (java.util.zip.ZipException e) {
                throw new IOException("cannot gunzip " + archive + ": " + e.getMessage(), e);
            }
            return importTar(tar);
        } finally {
            java.nio.file.Files.deleteIfExists(tar);
        }
    }

    private static boolean isGzip(Path archive) throws IOException {
        try (var in = java.nio.file.Files.newInputStream(archive)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private List<String> importTar(Path archive) throws IOException {
        String out = ctr(java.time.Duration.ofMinutes(2), "images", "import", "--snapshotter", "overlayfs", archive.toString());
        return UNPACKED.matcher(out).results().map(m -> m.group(1)).toList();
    }

    /**
     * Runs {@code ctr <args>} on this containerd's CRI namespace; returns its output. Not finishing within
     * {@code timeout} or a non-zero exit is an IOException with ctr's output in one line.
     */
    public String ctr(java.time.Duration timeout, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(ctr.toString(), "--address", socket.toString(), "--namespace", CRI_NAMESPACE));
        command.addAll(List.of(args));
        String what = "ctr " + String.join(" ", args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(what + " did not finish within " + timeout.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + what, e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(what + " failed (exit " + process.exitValue() + "): " + out.strip().replaceAll("\\s*\\R\\s*", "; "));
        }
        return out;
    }

    /**
     * The airgap directory (k3s's {@code agent/images}): every image archive in {@code dir} ({@code .tar}, {@code .tar.gz},
     * {@code .tgz}) imported in name order; one that fails is logged in one line and the rest go on.
     * A missing directory holds nothing. Returns how many archives were imported.
     */
    public int importDirectory(Path dir) throws IOException {
        if (!java.nio.file.Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> archives;
        try (var files = java.nio.file.Files.list(dir)) {
            archives = files.filter(ImageImporter::isArchive).filter(java.nio.file.Files::isRegularFile).sorted().toList();
        }
        int imported = 0;
        for (Path archive : archives) {
            try {
                LOG.info("airgap images imported archive={} images={}", archive, importArchive(archive));
                imported++;
            } catch (IOException e) {
                LOG.error("airgap image archive {} not imported: {}", archive, e.getMessage());
            }
        }
        return imported;
    }

    static boolean isArchive(Path file) {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return !name.startsWith(".") && (name.endsWith(".tar") || name.endsWith(".tar.gz") || name.endsWith(".tgz"));
    }
}
