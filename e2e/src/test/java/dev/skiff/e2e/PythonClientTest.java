package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Kubernetes Python client (Debian's python3-kubernetes, run by the system Python)
 * against a real {@code skiff server}: the script {@code clients/python_client.py} asserts each
 * step itself - discovery of the version, CRUD, label and field selectors, pagination, patches,
 * conflicts and error Statuses, a watch, the scale subresource, deletecollection - and prints
 * "ok STEP" for each one that passed.
 */
class PythonClientTest {
    /** Debian's interpreter, which sees Debian's python3-kubernetes (a pyenv python3 on PATH may not). */
    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    static Path dir;
    static SkiffProcess server;
    static Path kubeconfig;

    @BeforeAll
    static void startServer() {
        kubeconfig = dir.resolve("admin.yaml");
        server = SkiffProcess.apiServer(dir, SkiffProcess.freePort(), kubeconfig);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            assertThat(server.stop()).isEqualTo(143);
        }
    }

    @Test
    void theOfficialPythonClientWorksUnmodified() throws Exception {
        String output = runScript(dir, "python_client.py", kubeconfig.toString());
        assertThat(output.lines().filter(l -> l.startsWith("ok ")).map(l -> l.substring(3))).containsExactly(
                "version", "namespaces", "create and list by label selector", "pagination", "bad continue token", "patch",
                "replace and conflict", "errors", "watch", "deployment and scale", "delete collection", "pods and field selector");
    }

    /** Runs the script {@code clients/NAME} with Debian's Python; its output, once it exited 0 within two minutes. */
    static String runScript(Path dir, String name, String... args) throws IOException, InterruptedException {
        Path script = dir.resolve(name);
        try (InputStream in = PythonClientTest.class.getResourceAsStream("/clients/" + name)) {
            Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        var command = new java.util.ArrayList<>(java.util.List.of(PYTHON, script.toString()));
        command.addAll(java.util.List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the script finishes").isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
