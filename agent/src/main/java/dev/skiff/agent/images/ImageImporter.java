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
    /** The containerd namespace the CRI plugin keeps its images and containers in. */
    public static final String CRI_NAMESPACE = "k8s.io";

    private final Path ctr;
    private final Path socket;

    public ImageImporter(Path ctr, Path socket) {
        this.ctr = ctr;
        this.socket = socket;
    }

    public void importArchive(Path archive) throws IOException {
        List<String> command = List.of(ctr.toString(), "--address", socket.toString(), "--namespace", CRI_NAMESPACE,
                "images", "import", "--snapshotter", "overlayfs", archive.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IOException("ctr import of " + archive + " did not finish within 2 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted importing " + archive, e);
        }
        if (process.exitValue() != 0) {
            throw new IOException("ctr import of " + archive + " failed (exit " + process.exitValue() + "): " + out.strip());
        }
    }
}
