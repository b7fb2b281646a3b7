package dev.skiff.agent.volume.emptydir;

import dev.skiff.agent.volume.Volume;
import dev.skiff.agent.volume.util.AtomicWriter;
import dev.skiff.agent.volume.util.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An emptyDir (upstream: pkg/volume/emptydir): a directory in the pod's volume dir, mode 0777, on
 * the node's disk - or a tmpfs for medium Memory of the size the volume manager computes (upstream:
 * the smallest of node allocatable memory, the pod's memory limit and sizeLimit). configMap, secret, downwardAPI and projected volumes are written onto one, as upstream
 * wraps them (secrets and the downward API on tmpfs so they never touch the disk).
 */
public final class EmptyDir implements Volume {
    /** The plugin's directory name under a pod's volumes dir. */
    public static final String PLUGIN_DIR = "kubernetes.io~empty-dir";

    private final Path dir;
    private final boolean memory;
    private final Long sizeLimitBytes;

    public EmptyDir(Path dir, boolean memory, Long sizeLimitBytes) {
        this.dir = dir;
        this.memory = memory;
        this.sizeLimitBytes = sizeLimitBytes;
    }

    @Override
    public Path path() {
        return dir;
    }

    @Override
    public void setUp() throws IOException {
        if (Files.isDirectory(dir) && (!memory || Mounts.isMountPoint(dir))) {
            return;
        }
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, AtomicWriter.permissions(0777));
        if (memory) {
            Mounts.mountTmpfs(dir, sizeLimitBytes);
            Files.setPosixFilePermissions(dir, AtomicWriter.permissions(0777));
        }
    }

    @Override
    public void tearDown() throws IOException {
        while (Mounts.isMountPoint(dir)) {
            Mounts.unmount(dir);
        }
        AtomicWriter.deleteRecursively(dir);
    }
}
