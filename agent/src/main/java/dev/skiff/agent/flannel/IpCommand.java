package dev.skiff.agent.flannel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs iproute2 ({@code ip}, {@code bridge}) in this process's network namespace; its output, or an IOException with it. */
public final class IpCommand {
    private IpCommand() {
    }

    public static String run(String... command) throws IOException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command));
        }
        return out;
    }
}
