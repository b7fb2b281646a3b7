package dev.skiff.agent.volume.hostpath;

import dev.skiff.agent.volume.Volume;
import dev.skiff.agent.volume.util.AtomicWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * A hostPath volume (upstream: pkg/volume/hostpath): the node's own path, checked against its type
 * at each setUp with upstream's messages; DirectoryOrCreate makes the directory (0755) and
 * FileOrCreate the file (0644) when missing. Nothing is removed at teardown: the path is the node's.
 * Also what a persistentVolumeClaim bound to a hostPath or local PersistentVolume mounts.
 */
public final class HostPath implements Volume {
    private final Path path;
    private final String type;

    /** @param type the HostPathType; null or "" checks nothing */
    public HostPath(Path path, String type) {
        this.path = path;
        this.type = type == null ? "" : type;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public void setUp() throws IOException {
        checkType(path, type);
    }

    @Override
    public void tearDown() {
    }

    /** Upstream's checkType: what the path must be for each HostPathType. */
    static void checkType(Path path, String type) throws IOException {
        switch (type) {
            case "" -> {
            }
            case "DirectoryOrCreate" -> {
                if (!Files.exists(path)) {
                    Files.createDirectories(path);
                    Files.setPosixFilePermissions(path, AtomicWriter.permissions(0755));
                } else if (!Files.isDirectory(path)) {
                    throw new IOException("hostPath type check failed: " + path + " is not a directory");
                }
            }
            case "Directory" -> {
                if (!Files.isDirectory(path)) {
                    throw new IOException("hostPath type check failed: " + path + " is not a directory");
                }
            }
            case "FileOrCreate" -> {
                if (!Files.exists(path)) {
                    Files.createFile(path, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(AtomicWriter.permissions(0644)));
                } else if (!Files.isRegularFile(path)) {
                    throw new IOException("hostPath type check failed: " + path + " is not a file");
                }
            }
            case "File" -> {
                if (!Files.isRegularFile(path)) {
                    throw new IOException("hostPath type check failed: " + path + " is not a file");
                }
            }
            case "Socket" -> {
                if (!is(path, "socket")) {
                    throw new IOException("hostPath type check failed: " + path + " is not a socket file");
                }
            }
            case "CharDevice" -> {
                if (!is(path, "character")) {
                    throw new IOException("hostPath type check failed: " + path + " is not a character device");
                }
            }
            case "BlockDevice" -> {
                if (!is(path, "block")) {
                    throw new IOException("hostPath type check failed: " + path + " is not a block device");
                }
            }
            default -> throw new IOException(type + " is an invalid volume type");
        }
    }

    /** The file type from the mode bits ({@code unix:mode}), which the Posix view does not tell. */
    private static boolean is(Path path, String kind) throws IOException {
        if (!Files.exists(path)) {
            return false;
        }
        Files.readAttributes(path, PosixFileAttributes.class); // fails clearly when the path is unreadable
        int mode = (Integer) Files.getAttribute(path, "unix:mode");
        int format = mode & 0170000;
        return switch (kind) {
            case "socket" -> format == 0140000;
            case "character" -> format == 0020000;
            case "block" -> format == 0060000;
            default -> false;
        };
    }
}
