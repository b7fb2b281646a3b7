package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A busybox pod's view of the API server, without containerd: busybox wget's own TLS 1.2 client (what
 * runs in a busybox image, where no openssl binary is found) against a real {@code skiff server}.
 * That client sends no signature_algorithms extension and so needs a SHA-1 signed key exchange,
 * which the JDK refuses by default (the handshake then ended with alert 80). Skipped without busybox.
 */
class BusyboxWgetTest {
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    @TempDir
    static Path dir;
    static SkiffProcess server;
    static Kubectl kubectl;
    static int port;

    @BeforeAll
    static void startServer() {
        assumeTrue(Files.isExecutable(BUSYBOX), "busybox (busybox-static) is not installed");
        Path kubeconfig = dir.resolve("admin.yaml");
        port = SkiffProcess.freePort();
        server = SkiffProcess.apiServer(dir, port, kubeconfig);
        kubectl = new Kubectl(kubeconfig, dir);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            assertThat(server.stop()).isEqualTo(143);
        }
    }

    private record Wget(int exit, String out) {
    }

    /**
     * {@code busybox wget} with an empty environment and a PATH without openssl: busybox would
     * otherwise hand TLS to {@code openssl s_client}, which is not what a busybox container has.
     * (No -T: busybox 1.35's wget crashes with a timeout on https.)
     */
    private static Wget wget(String path, String... headers) throws Exception {
        var command = new ArrayList<>(List.of(BUSYBOX.toString(), "wget", "-q", "--no-check-certificate", "-O-"));
        for (String header : headers) {
            command.addAll(List.of("--header", header));
        }
        command.add("https://127.0.0.1:" + port + path);
        Path out = Files.createTempFile(dir, "wget", ".out");
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        builder.environment().clear();
        builder.environment().put("PATH", dir.resolve("no-openssl").toString());
        var process = builder.start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("busybox wget " + path + " did not finish in 30 s: " + Files.readString(out));
        }
        return new Wget(process.exitValue(), Files.readString(out));
    }

    @Test
    void busyboxWgetCompletesTheHandshakeAndIsAnsweredAsAnonymous() throws Exception {
        var anonymous = wget("/version");
        // TLS worked: the answer is HTTP (anonymous is not let in), not "TLS error from peer (alert code 80)"
        assertThat(anonymous.out()).doesNotContain("TLS error").contains("401 Unauthorized");
    }

    @Test
    void busyboxWgetWithAServiceAccountTokenReadsTheApi() throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (kubectl.run("kubectl", "get", "serviceaccount", "default", "-n", "default").exit() != 0) {
            assertThat(Instant.now()).as("default service account").isBefore(deadline);
            Thread.sleep(200);
        }
        String token = kubectl.ok("kubectl", "create", "token", "default");
        var version = wget("/version", "Authorization: Bearer " + token);
        assertThat(version.exit()).as(version.out()).isZero();
        assertThat(version.out()).contains("\"gitVersion\":\"v1.33.0+skiff\"");
    }
}
