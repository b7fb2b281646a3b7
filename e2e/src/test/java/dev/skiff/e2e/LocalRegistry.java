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
 * port, plain HTTP, its storage and config under {@code dir}; with a user, behind htpasswd (bcrypt) basic auth.
 * Images are pushed to it with skopeo. Closing stops the process.
 */
final class LocalRegistry implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private LocalRegistry(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** An open registry: anyone may pull and push. */
    static LocalRegistry open(Path dir) throws IOException, InterruptedException {
        return start(dir, null, null);
    }

    /** A registry that takes only {@code user} with {@code password}. */
    static LocalRegistry withAuth(Path dir, String user, String password) throws IOException, InterruptedException {
        return start(dir, user, password);
    }

    private static LocalRegistry start(Path dir, String user, String password) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port = SkiffProcess.freePort();
        String auth = "";
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
                %s""".formatted(dir.resolve("storage"), port, auth));
        Path log = dir.resolve("registry.log");
        Process process = new ProcessBuilder("docker-registry", "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        var registry = new LocalRegistry(process, port, log);
        try {
            registry.awaitServing(Duration.ofSeconds(30));
        } catch (IOException | RuntimeException e) {
            registry.close();
            throw e;
        }
        return registry;
    }

    /** Waits until GET /v2/ answers (200 open, 401 with auth). */
    private void awaitServing(Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("docker-registry exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            try {
                var connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/v2/").toURL().openConnection();
                connection.setConnectTimeout(1000);
                int code = connection.getResponseCode();
                connection.disconnect();
                if (code == 200 || code == 401) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("docker-registry did not serve /v2/ on port " + port + " within " + timeout + ": " + Files.readString(log));
            }
            Thread.sleep(100);
        }
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
