package dev.skiff.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The network a multi-namespace test builds for itself: a bridge on the host with an address, and network namespaces
 * each holding an {@code eth0} on it (a veth pair), torn down again whatever a crashed run left.
 */
final class TestNetns {
    private TestNetns() {
    }

    /** A bridge on the host holding {@code ip} (with its prefix, e.g. {@code 10.97.0.254/24}), up. */
    static void bridge(String bridge, String ipWithPrefix) throws IOException, InterruptedException {
        sh("ip", "link", "add", bridge, "type", "bridge");
        sh("ip", "addr", "add", ipWithPrefix, "dev", bridge);
        sh("ip", "link", "set", bridge, "up");
    }

    /** A network namespace with its eth0 at {@code ip}/24 on {@code bridge} (host side {@code hostLink}), eth0 and lo up. */
    static void attach(String netns, String bridge, String hostLink, String ip) throws IOException, InterruptedException {
        sh("ip", "netns", "add", netns);
        sh("ip", "link", "add", hostLink, "type", "veth", "peer", "name", "eth0", "netns", netns);
        sh("ip", "link", "set", hostLink, "master", bridge, "up");
        sh("ip", "netns", "exec", netns, "ip", "addr", "add", ip + "/24", "dev", "eth0");
        sh("ip", "netns", "exec", netns, "ip", "link", "set", "eth0", "up");
        sh("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up");
    }

    /** Deletes the namespace (and so the veth pairs in it) if it exists. */
    static void deleteNetns(String netns) throws IOException, InterruptedException {
        if (Files.exists(Path.of("/var/run/netns", netns))) {
            sh("ip", "netns", "delete", netns);
        }
    }

    /** Deletes the host's link {@code name} if it exists. */
    static void deleteLink(String name) throws IOException, InterruptedException {
        if (Files.exists(Path.of("/sys/class/net", name))) {
            sh("ip", "link", "delete", name);
        }
    }

    /** Runs a command to completion; its output, or an AssertionError with it. (busybox 1.35's wget crashes with -T: tests use timeout.) */
    static String sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
