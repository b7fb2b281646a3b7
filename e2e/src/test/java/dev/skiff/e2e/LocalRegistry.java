package dev.skiff.e2e;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real image registry for tests: Debian's docker-registry (distribution) as a child process on a free loopback
 * port, plain HTTP, its storage and config under {@code dir}; with a user, behind htpasswd (bcrypt) basic auth; or
 * HTTPS with a certificate for 127.0.0.1 that a CA made here for it signed ({@link #caFile()}).
 * Images are pushed to it with skopeo. Closing stops the process.
 */
final class LocalRegistry implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;
    private final Path caFile;

    private LocalRegistry(Process process, int port, Path log, Path caFile) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.caFile = caFile;
    }

    /** An open registry: anyone may pull and push. */
    static LocalRegistry open(Path dir) throws IOException, InterruptedException {
        return start(dir, null, null, false);
    }

    /** A registry that takes only {@code user} with {@code password}. */
    static LocalRegistry withAuth(Path dir, String user, String password) throws IOException, InterruptedException {
        return start(dir, user, password, false);
    }

    /** An open registry on HTTPS, its certificate (for IP 127.0.0.1) signed by a CA of its own: {@link #caFile()}. */
    static LocalRegistry withTls(Path dir) throws IOException, InterruptedException {
        return start(dir, null, null, true);
    }

    private static LocalRegistry start(Path dir, String user, String password, boolean tls) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port = SkiffProcess.freePort();
        String auth = "";
        Path caFile = null;
        if (tls) {
            caFile = dir.resolve("ca.pem");
            Path openssl = dir.resolve("openssl.log");
            run(openssl, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=skiff test registry CA",
                    "-keyout", dir.resolve("ca.key").toString(), "-out", caFile.toString());
            run(openssl, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
                    dir.resolve("server.key").toString(), "-out", dir.resolve("server.csr").toString());
            Path ext = Files.writeString(dir.resolve("server.ext"), "subjectAltName = IP:127.0.0.1\n");
            run(openssl, "openssl", "x509", "-req", "-days", "1", "-in", dir.resolve("server.csr").toString(), "-CA", caFile.toString(),
                    "-CAkey", dir.resolve("ca.key").toString(), "-CAcreateserial", "-extfile", ext.toString(),
                    "-out", dir.resolve("server.pem").toString());
        }
        if (user != null) {
            Path htpasswd = dir.resolve("htpasswd");
            run(dir.resolve("htpasswd.log"), "htpasswd", "-B", "-b", "-c", htpasswd.toString(), user, password);
            auth = """
                    auth:
                      htpasswd:
                        realm: skiff-test
                        path: %s
                    """.formatted(htpasswd);
        }
        Path config = dir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: info
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                %s%s""".formatted(dir.resolve("storage"), port, !tls ? "" : """
                  tls:
                    certificate: %s
                    key: %s
                """.formatted(dir.resolve("server.pem"), dir.resolve("server.key")), auth));
        Path log = dir.resolve("registry.log");
        Process process = new ProcessBuilder("docker-registry", "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        var registry = new LocalRegistry(process, port, log, caFile);
        try {
            registry.awaitServing(Duration.ofSeconds(30));
        } catch (IOException | RuntimeException e) {
            registry.close();
            throw e;
        }
        return registry;
    }

    /** Waits until GET /v2/ answers (200 open, 401 with auth); with TLS until the port takes connections. */
    private void awaitServing(Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("docker-registry exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            if (caFile != null) {
                try (var socket = new java.net.Socket()) {
                    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
                    return;
                } catch (IOException notYet) {
                    // not listening yet
                }
            } else if (answersV2()) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("docker-registry did not serve /v2/ on port " + port + " within " + timeout + ": " + Files.readString(log));
            }
            Thread.sleep(100);
        }
    }

    private boolean answersV2() {
        try {
            var connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/v2/").toURL().openConnection();
            connection.setConnectTimeout(1000);
            int code = connection.getResponseCode();
            connection.disconnect();
            return code == 200 || code == 401;
        } catch (IOException notYet) {
            return false; // not listening yet
        }
    }

    /** The CA certificate that signed a TLS registry's certificate; null for plain HTTP. */
    Path caFile() {
        return caFile;
    }

    /** host:port as image references name it. */
    String host() {
        return "127.0.0.1:" + port;
    }

    /** Pushes the image in the OCI archive to {@code repositoryAndTag} here, as {@code user:password} when not null. */
    void push(Path ociArchive, String repositoryAndTag, String credentials, Path log) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false"));
        if (credentials != null) {
            command.addAll(List.of("--dest-creds", credentials));
        }
        command.addAll(List.of("oci-archive:" + ociArchive, "docker://" + host() + "/" + repositoryAndTag));
        run(log, command.toArray(String[]::new));
    }

    private static void run(Path log, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command[0] + " did not finish within 120 s: " + Files.readString(log, StandardCharsets.UTF_8));
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command).replaceAll("--dest-creds \\S+", "--dest-creds ***") + " failed with "
                    + p.exitValue() + ": " + Files.readString(log, StandardCharsets.UTF_8));
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
