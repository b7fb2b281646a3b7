package dev.skiff.agent.volume.util;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The host mounts volumes need (upstream: k8s.io/mount-utils): tmpfs for memory-backed volumes,
 * unmount, and the mount table read from {@code /proc/self/mountinfo}. Runs util-linux's
 * {@code mount}/{@code umount}, as mount-utils does; needs root.
 */
public final class Mounts {
    private Mounts() {
    }

    /** Mounts a tmpfs on {@code dir}; {@code sizeBytes} caps it (null: the kernel's default, half of RAM). */
    public static void mountTmpfs(Path dir, Long sizeBytes) throws IOException {
        List<String> command = new ArrayList<>(List.of("mount", "-t", "tmpfs"));
        if (sizeBytes != null) {
            command.addAll(List.of("-o", "size=" + sizeBytes));
        }
        command.addAll(List.of("tmpfs", dir.toString()));
        run(command);
    }

    public static void unmount(Path dir) throws IOException {
        run(List.of("umount", dir.toString()));
    }

    /** Whether something is mounted exactly on {@code dir}. */
    public static boolean isMountPoint(Path dir) throws IOException {
        return mountPoints().contains(dir.toAbsolutePath().normalize());
    }

    /** The mount points of this mount namespace, as /proc/self/mountinfo lists them (field 5, octal escapes decoded). */
    public static List<Path> mountPoints() throws IOException {
        List<Path> points = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields.length > 4) {
                points.add(Path.of(unescape(fields[4])));
            }
        }
        return points;
    }

    /** The /proc/self/mountinfo line of the mount on top of {@code dir} (options, type, source), or null when nothing is mounted there. */
    public static String mountInfo(Path dir) throws IOException {
        String wanted = dir.toAbsolutePath().normalize().toString();
        String found = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields.length > 4 && unescape(fields[4]).equals(wanted)) {
                found = line; // the last one listed is the one on top
            }
        }
        return found;
    }

    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + ": interrupted", e);
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + output);
        }
    }
}
