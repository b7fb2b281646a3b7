package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real kubectl binary run against one server's kubeconfig, each binary with its own discovery cache under {@code dir}. */
record Kubectl(Path kubeconfig, Path dir) {

    record Result(int exit, String out, String err) {
    }

    /** The oldest kubectl installed (1.27), beside the one the dispatcher on PATH links to. */
    static String oldest() throws IOException {
        Path real = Path.of("/usr/bin/kubectl").toRealPath();
        return real.resolveSibling("kubectl.1.27").toString();
    }

    /** The newest kubectl installed (1.33): WebSocket first for exec, attach and port-forward. */
    static String newest() throws IOException {
        Path real = Path.of("/usr/bin/kubectl").toRealPath();
        return real.resolveSibling("kubectl.1.33").toString();
    }

    /** The command line: this server's kubeconfig and the binary's own cache, then {@code args}. */
    List<String> command(String kubectl, String... args) {
        var command = new ArrayList<String>(List.of(kubectl, "--kubeconfig", kubeconfig.toString(),
                "--cache-dir", dir.resolve("cache-" + Path.of(kubectl).getFileName()).toString()));
        command.addAll(List.of(args));
        return command;
    }

    Result run(String kubectl, String... args) throws Exception {
        return runWithInput(null, kubectl, args);
    }

    /** As {@link #run}, with {@code input} (null: none) written to kubectl's standard input, which is then closed. */
    Result runWithInput(String input, String kubectl, String... args) throws Exception {
        return runWith(java.util.Map.of(), input, kubectl, args);
    }

    /** As {@link #runWithInput}, with {@code env} added to kubectl's environment (e.g. KUBE_EDITOR). */
    Result runWith(java.util.Map<String, String> env, String input, String kubectl, String... args) throws Exception {
        var builder = new ProcessBuilder(command(kubectl, args));
        builder.environment().remove("KUBECONFIG");
        builder.environment().putAll(env);
        Path err = Files.createTempFile(dir, "kubectl", ".err");
        builder.redirectError(err.toFile());
        var process = builder.start();
        try (var stdin = process.getOutputStream()) {
            if (input != null) {
                stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), out, Files.readString(err));
    }

    /** The trimmed output of a command that must succeed. */
    String ok(String kubectl, String... args) throws Exception {
        var result = run(kubectl, args);
        assertThat(result.exit()).as("%s %s: %s%s", kubectl, String.join(" ", args), result.out(), result.err()).isZero();
        return result.out().strip();
    }
}
