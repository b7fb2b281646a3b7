package dev.skiff.apiserver.audit;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A log file rotated by size as upstream's audit log (natefinch/lumberjack under kube-apiserver):
 * before a write would take it past {@code maxBytes}, the file is renamed to
 * {@code <name>-<UTC time yyyy-MM-ddTHH-mm-ss.SSS><ext>} beside it and a new one started; then
 * backups past {@code maxBackups} (newest kept) or older than {@code maxAge} are removed (0: keep).
 * New files are readable by their owner only. Used by one writer thread: not thread-safe.
 */
final class RotatingFile implements LogBackend.Sink {
    private static final DateTimeFormatter BACKUP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss.SSS");

    private final Path file;
    private final long maxBytes;
    private final int maxBackups;
    private final Duration maxAge;
    private final InstantSource clock;
    private final String prefix;
    private final String extension;
    private OutputStream out;
    private long size;

    RotatingFile(Path file, long maxBytes, int maxBackups, Duration maxAge, InstantSource clock) {
        this.file = file.toAbsolutePath();
        this.maxBytes = maxBytes;
        this.maxBackups = maxBackups;
        this.maxAge = maxAge;
        this.clock = clock;
        String name = this.file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        this.extension = dot <= 0 ? "" : name.substring(dot);
        this.prefix = name.substring(0, name.length() - extension.length()) + "-";
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        if (out == null) {
            open(bytes.length);
        } else if (size + bytes.length > maxBytes) {
            rotate();
        }
        out.write(bytes);
        size += bytes.length;
    }

    @Override
    public void flush() throws IOException {
        if (out != null) {
            out.flush();
        }
    }

    /** Creates the file (and its directories, owner-only) if missing, without opening it for writing yet. */
    void ensure() throws IOException {
        createDirectories();
        if (!Files.exists(file)) {
            create();
        }
    }

    private void createDirectories() throws IOException {
        if (file.getParent() != null && !Files.isDirectory(file.getParent())) {
            try {
                Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                Files.createDirectories(file.getParent());
            }
        }
    }

    /** Appends to the file there is, unless this write would take it past the limit. */
    private void open(int length) throws IOException {
        createDirectories();
        if (Files.isRegularFile(file) && Files.size(file) + length > maxBytes) {
            rotate();
            return;
        }
        if (!Files.exists(file)) {
            create();
        }
        size = Files.size(file);
        out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.APPEND), 64 * 1024);
    }

    private void rotate() throws IOException {
        close();
        if (Files.isRegularFile(file)) { // a device or pipe given as the path (/dev/stdout) is never renamed
            String stamp = LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC).format(BACKUP_TIME);
            Files.move(file, file.resolveSibling(prefix + stamp + extension));
        }
        if (!Files.exists(file)) {
            create();
        }
        size = 0;
        out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.APPEND), 64 * 1024);
        removeOldBackups();
    }

    private void create() throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
    }

    private void removeOldBackups() throws IOException {
        if (maxBackups <= 0 && maxAge.isZero()) {
            return;
        }
        record Backup(Path path, Instant time) {
        }
        var backups = new ArrayList<Backup>();
        try (var siblings = Files.list(file.getParent())) {
            for (Path p : (Iterable<Path>) siblings::iterator) {
                Instant time = backupTime(p.getFileName().toString());
                if (time != null) {
                    backups.add(new Backup(p, time));
                }
            }
        }
        backups.sort(Comparator.comparing(Backup::time).reversed());
        Instant cutoff = clock.instant().minus(maxAge);
        List<Backup> remove = new ArrayList<>();
        for (int i = 0; i < backups.size(); i++) {
            Backup b = backups.get(i);
            if ((maxBackups > 0 && i >= maxBackups) || (!maxAge.isZero() && b.time().isBefore(cutoff))) {
                remove.add(b);
            }
        }
        for (Backup b : remove) {
            Files.deleteIfExists(b.path());
        }
    }

    /** The time in a backup's name; null for any other file. */
    private Instant backupTime(String name) {
        if (!name.startsWith(prefix) || !name.endsWith(extension)) {
            return null;
        }
        try {
            return LocalDateTime.parse(name.substring(prefix.length(), name.length() - extension.length()), BACKUP_TIME)
                    .toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            try {
                out.close();
            } finally {
                out = null;
            }
        }
    }
}
