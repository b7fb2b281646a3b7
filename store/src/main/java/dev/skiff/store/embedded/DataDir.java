package dev.skiff.store.embedded;

import dev.skiff.store.UnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The on-disk layout: {@code <dataDir>/skiff-store} (a marker saying whose directory this is)
 * and {@code <dataDir>/db} (RocksDB). The marker is written before the database, so a directory
 * with files but no marker is someone else's and is never touched.
 */
final class DataDir {
    static final String MARKER = "skiff-store";
    static final String DB = "db";
    static final String MARKER_CONTENT = "skiff embedded store\nformat=1\n";

    private DataDir() {
    }

    /** Prepares {@code dir} and returns whether its database must be created. */
    static boolean prepare(Path dir) {
        try {
            Files.createDirectories(dir);
            Path marker = dir.resolve(MARKER);
            if (!Files.exists(marker)) {
                List<String> foreign = list(dir);
                if (!foreign.isEmpty()) {
                    throw new UnavailableException("cannot open skiff store at " + dir
                            + ": directory is not empty and has no '" + MARKER + "' marker (contains "
                            + String.join(", ", foreign.subList(0, Math.min(5, foreign.size())))
                            + "); refusing to use a directory that is not a skiff store");
                }
                writeMarker(dir);
            } else {
                String content = Files.readString(marker, StandardCharsets.UTF_8);
                if (!content.equals(MARKER_CONTENT)) {
                    throw new UnavailableException("cannot open skiff store at " + dir + ": marker file '" + MARKER
                            + "' has unexpected content (another version or a corrupt store)");
                }
            }
            Path db = dir.resolve(DB);
            if (!Files.isDirectory(db) || list(db).isEmpty()) {
                return true; // fresh, or a crash between writing the marker and creating the database
            }
            if (!Files.exists(db.resolve("CURRENT"))) {
                throw new UnavailableException("cannot open skiff store at " + dir
                        + ": database directory has files but no CURRENT file (corrupt or partially deleted)");
            }
            return false;
        } catch (IOException e) {
            throw new UnavailableException("cannot open skiff store at " + dir + ": " + e, e);
        }
    }

    /**
     * Creates the database beside its final place and renames it in once it carries the format
     * marker, so a crash during the first open leaves either no database (created afresh next
     * time) or a complete one - never a database without its marker.
     */
    static void createDatabase(Path dir) {
        Path fresh = dir.resolve(DB + ".new");
        deleteRecursively(fresh); // a leftover of a crash during an earlier first open
        Backend.open(fresh, true).close();
        try {
            Path db = dir.resolve(DB);
            if (Files.isDirectory(db)) {
                Files.delete(db); // known empty (prepare said so)
            }
            Files.move(fresh, db, StandardCopyOption.ATOMIC_MOVE);
            fsyncDir(dir);
        } catch (IOException e) {
            throw new UnavailableException("cannot create skiff store at " + dir + ": " + e, e);
        }
    }

    static void writeMarker(Path dir) throws IOException {
        Path tmp = dir.resolve(MARKER + ".tmp");
        Files.writeString(tmp, MARKER_CONTENT, StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(MARKER), StandardCopyOption.ATOMIC_MOVE);
        fsyncDir(dir);
    }

    static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some filesystems refuse to open directories; the rename is still ordered by the journal
        }
    }

    static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    EmbeddedStore.LOG.warn("cannot delete path={} error={}", p, e.toString());
                }
            });
        } catch (IOException e) {
            EmbeddedStore.LOG.warn("cannot delete dir={} error={}", dir, e.toString());
        }
    }
}
