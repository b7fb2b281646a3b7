package dev.skiff.proxy.iptables;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the real {@code iptables-save} and {@code iptables-restore} (upstream's pkg/util/iptables), optionally
 * behind a command prefix such as {@code ip netns exec <name>} so a test or benchmark programs a network
 * namespace of its own and never the host's rules.
 */
public final class IptablesRunner {
    private final List<String> prefix;
    private final String binary;

    /** @param prefix prepended to every command, e.g. {@code List.of("ip", "netns", "exec", "ns1")}; empty for this namespace */
    public IptablesRunner(List<String> prefix) {
        this(prefix, "iptables");
    }

    /**
     * @param binary {@code iptables} (whichever backend the host's alternatives pick; nf_tables here), or
     *     {@code iptables-legacy} / {@code iptables-nft} to pick one (the benchmark compares them)
     */
    public IptablesRunner(List<String> prefix, String binary) {
        this.prefix = List.copyOf(prefix);
        this.binary = binary;
    }

    /** The host's (or the prefix's) own namespace. */
    public static IptablesRunner host() {
        return new IptablesRunner(List.of());
    }

    /** {@code iptables-save -t <table>}: the table's rules in restore format. */
    public String save(String table) throws IOException, InterruptedException {
        return run(List.of(binary + "-save", "-t", table), null);
    }

    /**
     * {@code iptables-restore --noflush} of {@code data}: every table in it is replaced in one
     * transaction, touching only the chains it declares (which are flushed) or names; others stay.
     */
    public void restore(String data) throws IOException, InterruptedException {
        run(List.of(binary + "-restore", "--noflush"), data);
    }

    private String run(List<String> command, String stdin) throws IOException, InterruptedException {
        var full = new ArrayList<>(prefix);
        full.addAll(command);
        Process process = new ProcessBuilder(full).redirectErrorStream(false).start();
        // stderr is read on its own thread so neither pipe can fill and stall the child
        var stderr = new StringBuilder();
        Thread errors = Thread.ofVirtual().start(() -> {
            try {
                stderr.append(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                stderr.append(e);
            }
        });
        try (var in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = process.waitFor();
        errors.join();
        if (rc != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + rc + "): " + stderr.toString().strip());
        }
        return out;
    }
}
