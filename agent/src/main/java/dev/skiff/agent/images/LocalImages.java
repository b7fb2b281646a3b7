package dev.skiff.agent.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The images a node needs without internet, built from binaries on this machine: busybox
 * (Debian's busybox-static with a symlink per applet), the pod sandbox ("pause") image and a
 * small HTTP server (busybox httpd).
 */
public final class LocalImages {
    public static final String BUSYBOX = "docker.io/library/busybox:1.35";
    public static final String PAUSE = "registry.k8s.io/pause:3.10";
    public static final String HTTPD = "skiff.local/httpd:1.35";
    /** The page the httpd image serves at / (tests read it back). */
    public static final String HTTPD_INDEX = "skiff httpd\n";
    static final List<String> PATH_ENV = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

    private final Path busybox;

    public LocalImages(Path busybox) {
        this.busybox = busybox;
    }

    /** Debian's busybox-static installs here. */
    public static LocalImages fromDebian() {
        return new LocalImages(Path.of("/bin/busybox"));
    }

    public List<ImageRecipe> all() throws IOException {
        return List.of(busybox(), pause(), httpd());
    }

    public ImageRecipe busybox() throws IOException {
        return new ImageRecipe(BUSYBOX, List.of(busyboxLayer()), List.of(), List.of("sh"), PATH_ENV);
    }

    /**
     * The sandbox image. Upstream's pause is a C program that sleeps until SIGINT/SIGTERM and
     * reaps zombies. The same behaviour from busybox: PID 1 is a shell that exits 0 on TERM or
     * INT (PID 1 gets no default signal handling, so the trap is what makes it stoppable) and
     * waits on a sleeping child, and a waiting shell reaps any child handed to it. Pods share
     * the sandbox's network and IPC namespaces, not its PID namespace (upstream's default), so
     * zombie reaping matters only with shareProcessNamespace, which the trap loop also covers.
     */
    public ImageRecipe pause() throws IOException {
        return new ImageRecipe(PAUSE, List.of(busyboxLayer()),
                List.of("/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"), List.of(), PATH_ENV);
    }

    public ImageRecipe httpd() throws IOException {
        List<ImageRecipe.Entry> site = List.of(
                new ImageRecipe.Directory("/www", 0755),
                new ImageRecipe.Content("/www/index.html", HTTPD_INDEX.getBytes(StandardCharsets.UTF_8), 0644));
        return new ImageRecipe(HTTPD, List.of(busyboxLayer(), site),
                List.of("/usr/sbin/httpd", "-f", "-v", "-p", "80", "-h", "/www"), List.of(), PATH_ENV);
    }

    private List<ImageRecipe.Entry> busyboxLayer() throws IOException {
        if (!Files.isExecutable(busybox)) {
            throw new IOException("no busybox binary at " + busybox + " (Debian: apt-get install busybox-static)");
        }
        List<ImageRecipe.Entry> entries = new ArrayList<>();
        for (String dir : List.of("/bin", "/sbin", "/usr", "/usr/bin", "/usr/sbin", "/etc", "/root", "/var", "/proc", "/sys", "/dev")) {
            entries.add(new ImageRecipe.Directory(dir, 0755));
        }
        entries.add(new ImageRecipe.Directory("/tmp", 01777));
        entries.add(new ImageRecipe.HostFile("/bin/busybox", busybox, 0755));
        entries.add(new ImageRecipe.Content("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
                .getBytes(StandardCharsets.UTF_8), 0644));
        entries.add(new ImageRecipe.Content("/etc/group", "root:x:0:\nnogroup:x:65534:\n".getBytes(StandardCharsets.UTF_8), 0644));
        for (String applet : applets()) {
            if (!applet.equals("bin/busybox")) {
                entries.add(new ImageRecipe.Symlink("/" + applet, "/bin/busybox"));
            }
        }
        return entries;
    }

    /** The applets this busybox was built with, as paths ("bin/sh", "usr/sbin/httpd"). */
    private List<String> applets() throws IOException {
        Process list = new ProcessBuilder(busybox.toString(), "--list-full").redirectErrorStream(true).start();
        String out = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!list.waitFor(10, TimeUnit.SECONDS) || list.exitValue() != 0) {
                throw new IOException(busybox + " --list-full failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted listing busybox applets", e);
        }
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).sorted().toList();
    }
}
