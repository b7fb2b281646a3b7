package dev.skiff.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real etcdctl (v3 API) against one endpoint. */
record Etcdctl(String endpoint) {

    record Result(int exit, String out, String err) {
    }

    Result run(String... args) {
        var command = new ArrayList<String>(List.of("etcdctl", "--endpoints=" + endpoint, "--dial-timeout=5s", "--command-timeout=20s"));
        command.addAll(List.of(args));
        var pb = new ProcessBuilder(command);
        pb.environment().put("ETCDCTL_API", "3");
        try {
            var p = pb.start();
            p.getOutputStream().close();
            var out = p.getInputStream().readAllBytes();
            var err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("etcdctl " + String.join(" ", args) + " hung");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    String ok(String... args) {
        var r = run(args);
        if (r.exit() != 0) {
            throw new AssertionError("etcdctl " + String.join(" ", args) + " failed (" + r.exit() + "): " + r.err());
        }
        return r.out();
    }
}
