package dev.skiff.agent.volume.util;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes a volume's files so a container never sees a half-updated set (upstream:
 * pkg/volume/util's AtomicWriter, the layout configMap, secret, downwardAPI and projected volumes
 * share): the files go into a fresh hidden directory {@code ..<timestamp>.<random>}, the symlink
 * {@code ..data} is switched to it in one rename, and each top-level name the user sees is a symlink
 * through {@code ..data} ({@code key -> ..data/key}). A write whose payload equals what is there
 * changes nothing; names no longer in the payload disappear; the previous timestamped directory is
 * removed after the switch.
 */
public final class AtomicWriter {
    public static final String DATA_DIR = "..data";
    private static final String DATA_DIR_TMP = "..data_tmp";
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss").withZone(ZoneOffset.UTC);
    private static final int MAX_PATH_LENGTH = 4096;
    private static final int MAX_FILE_NAME_LENGTH = 255;

    private final Path target;
    private final Clock clock;

    public AtomicWriter(Path target, Clock clock) {
        this.target = target;
        this.clock = clock;
    }

    /** Makes the target directory show exactly {@code payload} (relative path -> content and mode); returns whether anything changed. */
    public boolean write(Map<String, FileProjection> payload) throws IOException {
        Map<String, FileProjection> files = new TreeMap<>();
        for (var e : payload.entrySet()) {
            files.put(validate(e.getKey()), e.getValue());
        }
        Files.createDirectories(target);
        Path dataLink = target.resolve(DATA_DIR);
        Path oldTsDir = Files.isSymbolicLink(dataLink) ? target.resolve(Files.readSymbolicLink(dataLink)) : null;
        Set<String> oldVisible = oldTsDir == null ? Set.of() : topLevelNames(oldTsDir);
        boolean changed = oldTsDir == null || !Files.isDirectory(oldTsDir) || !sameContent(oldTsDir, files);
        if (changed) {
            Path tsDir = newTimestampDir();
            for (var e : files.entrySet()) {
                Path file = tsDir.resolve(e.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, e.getValue().data());
                Files.setPosixFilePermissions(file, permissions(e.getValue().mode()));
            }
            Path tmpLink = target.resolve(DATA_DIR_TMP);
            Files.deleteIfExists(tmpLink);
            Files.createSymbolicLink(tmpLink, tsDir.getFileName());
            Files.move(tmpLink, dataLink, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        Set<String> visible = new HashSet<>();
        for (String path : files.keySet()) {
            String top = path.split("/", 2)[0];
            visible.add(top);
            Path link = target.resolve(top);
            if (!Files.isSymbolicLink(link)) {
                try {
                    Files.createSymbolicLink(link, Path.of(DATA_DIR, top));
                } catch (FileAlreadyExistsException e) {
                    throw new IOException("cannot project " + path + ": " + link + " exists and is not a symlink", e);
                }
            }
        }
        for (String old : oldVisible) {
            if (!visible.contains(old)) {
                Files.deleteIfExists(target.resolve(old));
            }
        }
        if (changed && oldTsDir != null) {
            deleteRecursively(oldTsDir);
        }
        return changed;
    }

    /** Upstream's validatePath: relative, no {@code ..} element, not starting with {@code ..}, within length limits. */
    static String validate(String path) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException("invalid path: must not be empty");
        }
        if (path.length() > MAX_PATH_LENGTH) {
            throw new IllegalArgumentException("invalid path: must be less than or equal to " + MAX_PATH_LENGTH + " characters");
        }
        if (path.startsWith("/")) {
            throw new IllegalArgumentException("invalid path: must be relative path: " + path);
        }
        if (path.startsWith("..")) {
            throw new IllegalArgumentException("invalid path: must not start with '..': " + path);
        }
        for (String element : path.split("/")) {
            if (element.equals("..")) {
                throw new IllegalArgumentException("invalid path: must not contain '..': " + path);
            }
            if (element.length() > MAX_FILE_NAME_LENGTH) {
                throw new IllegalArgumentException("invalid path: filenames must be less than or equal to " + MAX_FILE_NAME_LENGTH
                        + " characters");
            }
        }
        return path;
    }

    private Path newTimestampDir() throws IOException {
        String name = ".." + TIMESTAMP.format(clock.instant()) + "." + Integer.toUnsignedString(ThreadLocalRandom.current().nextInt());
        Path dir = Files.createDirectory(target.resolve(name));
        Files.setPosixFilePermissions(dir, permissions(0755));
        return dir;
    }

    private static boolean sameContent(Path tsDir, Map<String, FileProjection> files) throws IOException {
        Set<String> existing = new HashSet<>();
        try (Stream<Path> walk = Files.walk(tsDir)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                existing.add(tsDir.relativize(p).toString());
            }
        }
        if (!existing.equals(files.keySet())) {
            return false;
        }
        for (var e : files.entrySet()) {
            Path file = tsDir.resolve(e.getKey());
            if (!Arrays.equals(Files.readAllBytes(file), e.getValue().data())
                    || !Files.getPosixFilePermissions(file).equals(permissions(e.getValue().mode()))) {
                return false;
            }
        }
        return true;
    }

    private static Set<String> topLevelNames(Path tsDir) throws IOException {
        if (!Files.isDirectory(tsDir)) {
            return Set.of();
        }
        Set<String> names = new HashSet<>();
        try (Stream<Path> list = Files.list(tsDir)) {
            list.forEach(p -> names.add(p.getFileName().toString()));
        }
        return names;
    }

    /** A file mode's permission bits (setuid/setgid/sticky are not kept, as upstream's projection masks them too). */
    public static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }

    /** Deletes a directory tree without following symlinks; a missing one is fine. */
    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted((a, b) -> b.getNameCount() - a.getNameCount())::iterator) {
                try {
                    Files.delete(p);
                } catch (NoSuchFileException ignored) {
                    // gone meanwhile
                }
            }
        }
    }
}
