package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * exec and port-forward over WebSocket as kubectl 1.30+/1.31+ speak them (KEP-4006), through the
 * API server to a real agent and containerd, whose streaming server speaks neither v5.channel.k8s.io
 * nor tunnelled SPDY: the API server translates v5 to SPDY and unwraps the port-forward tunnel. A raw
 * JDK WebSocket client checks the v5 protocol itself (stdin, its CLOSE signal, the Status on the error
 * channel); the server's log shows which path each kubectl took.
 */
class WebSocketStreamingTest {
    private static final String BRIDGE = "skiff-ws0";
    private static final String POD_CIDR = "10.88.108.0/24";
    private static final String TRANSLATED = "stream translator: v5.channel.k8s.io -> SPDY v4.channel.k8s.io";
    private static final String TUNNELLED = "stream tunnel: SPDY/3.1+portforward.k8s.io -> SPDY portforward.k8s.io";

    @TempDir
    Path dir;

    @Test
    void execAndPortForwardOverWebSocketReachRealContainers() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        Path serverLog = dir.resolve("server.log");
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            var agent = SkiffProcess.realAgent(dir, port, "wsnode", POD_CIDR, BRIDGE, SkiffProcess.freePort());
            try {
                kubectl.ok("kubectl", "run", "shell", "--image=busybox:1.35", "--", "sleep", "3600");
                kubectl.ok("kubectl", "run", "web", "--image=skiff.local/httpd:1.35");
                var reader = kubectl.runWithInput("""
                        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "reader"}, "spec": {"restartPolicy": "Never", "containers": [
                          {"name": "reader", "image": "busybox:1.35", "stdin": true, "command": ["sh", "-c", "read line; echo got $line"]}]}}
                        """, "kubectl", "apply", "-f", "-");
                assertThat(reader.exit()).as(reader.err()).isZero();
                for (String pod : List.of("shell", "web", "reader")) {
                    KubectlAgentTest.await(pod + " runs", () -> "Running".equals(KubectlAgentTest.get(kubectl, pod, "{.status.phase}")));
                }
                var ssl = sslContext(kubeconfig);
                String base = "wss://127.0.0.1:" + port + "/api/v1/namespaces/default/pods/";

                // raw v5: stdin to cat, then CLOSE of stdin ends cat; its output, then Success on the error channel
                var cat = Channels.open(ssl, URI.create(base + "shell/exec?command=cat&stdin=true&stdout=true&stderr=true"));
                cat.send(0, "hello over v5\n".getBytes(StandardCharsets.UTF_8));
                cat.send(255, new byte[] {0});
                cat.closed.get(60, TimeUnit.SECONDS);
                assertThat(cat.socket.getSubprotocol()).isEqualTo("v5.channel.k8s.io");
                assertThat(cat.text(1)).isEqualTo("hello over v5\n");
                assertThat(cat.text(3)).contains("\"status\":\"Success\"");

                // raw v5: a non-zero exit is a Status with reason NonZeroExitCode and the ExitCode cause
                var exit3 = Channels.open(ssl, URI.create(base + "shell/exec?" + command("sh", "-c", "echo err >&2; exit 3")
                        + "&stdout=true&stderr=true"));
                exit3.closed.get(60, TimeUnit.SECONDS);
                assertThat(exit3.text(2)).isEqualTo("err\n");
                assertThat(exit3.text(3)).contains("\"status\":\"Failure\"").contains("\"reason\":\"NonZeroExitCode\"")
                        .contains("\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]");

                // raw v5: more output than SPDY's initial 64 KiB window arrives whole
                var big = Channels.open(ssl, URI.create(base + "shell/exec?" + command("sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x")
                        + "&stdout=true&stderr=true"));
                big.closed.get(60, TimeUnit.SECONDS);
                assertThat(big.text(1)).hasSize(300000).matches("x+");
                assertThat(big.text(3)).contains("\"status\":\"Success\"");

                // raw v5 with a TTY: a resize on channel 4 reaches the terminal the command sees
                var tty = Channels.open(ssl, URI.create(base + "shell/exec?" + command("sh", "-c", "sleep 2; stty size")
                        + "&stdin=true&stdout=true&tty=true"));
                tty.send(4, "{\"Width\":77,\"Height\":33}".getBytes(StandardCharsets.UTF_8));
                tty.closed.get(60, TimeUnit.SECONDS);
                assertThat(tty.text(1).strip()).isEqualTo("33 77");
                assertThat(tty.text(3)).contains("\"status\":\"Success\"");

                // bad input: a v5 exec asking for no stream at all is refused before any upgrade
                var none = HttpClient.newBuilder().sslContext(ssl).build().newWebSocketBuilder().subprotocols("v5.channel.k8s.io")
                        .buildAsync(URI.create(base + "shell/exec?command=true"), new WebSocket.Listener() { });
                var refused = org.assertj.core.api.Assertions.catchThrowable(() -> none.get(30, TimeUnit.SECONDS));
                assertThat(refused).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(WebSocketHandshakeException.class);
                var handshake = (WebSocketHandshakeException) refused.getCause();
                assertThat(handshake.getResponse().statusCode()).isEqualTo(400);
                Object body = handshake.getResponse().body(); // the JDK may or may not keep a refused handshake's body
                if (body instanceof byte[] bytes && bytes.length > 0) {
                    assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("you must specify at least 1 of stdin, stdout, stderr");
                }
                long translated = count(serverLog, TRANSLATED);
                assertThat(translated).as("the raw clients' four execs were translated").isEqualTo(4);

                // the newest kubectl: exec over WebSocket v5 (translated), piped stdin ends, the exit code arrives
                String newest = Kubectl.newest();
                var echoed = kubectl.runWithInput("piped line\n", newest, "exec", "-i", "shell", "--", "cat");
                assertThat(echoed.exit()).as(echoed.err()).isZero();
                assertThat(echoed.out()).isEqualTo("piped line\n");
                var failed = kubectl.run(newest, "exec", "shell", "--", "sh", "-c", "echo out; exit 3");
                assertThat(failed.exit()).as("the command's exit code").isEqualTo(3);
                assertThat(failed.out()).isEqualTo("out\n");
                assertThat(count(serverLog, TRANSLATED)).as("kubectl 1.33 took the WebSocket path").isEqualTo(translated + 2);
                // attach: kubectl 1.33's stdin reaches the main process over the translated WebSocket
                var attached = kubectl.runWithInput("hello\n", newest, "attach", "-i", "reader");
                assertThat(attached.exit()).as(attached.err()).isZero();
                KubectlAgentTest.await("the attached input was read", () -> kubectl.run("kubectl", "logs", "reader").out().equals("got hello\n"));
                assertThat(count(serverLog, TRANSLATED)).as("kubectl 1.33's attach took the WebSocket path").isEqualTo(translated + 3);

                // the oldest kubectl speaks SPDY, proxied as before: it still works and nothing is translated
                var oldEchoed = kubectl.runWithInput("old line\n", Kubectl.oldest(), "exec", "-i", "shell", "--", "cat");
                assertThat(oldEchoed.exit()).as(oldEchoed.err()).isZero();
                assertThat(oldEchoed.out()).isEqualTo("old line\n");
                assertThat(count(serverLog, TRANSLATED)).isEqualTo(translated + 3);

                // port-forward: the newest kubectl tunnels SPDY in a WebSocket, the oldest speaks SPDY
                KubectlStreamingTest.portForwardReachesHttpd(kubectl, newest, 2); // two connections: two data streams in one SPDY session
                assertThat(count(serverLog, TUNNELLED)).as("kubectl 1.33's port-forward took the tunnel").isEqualTo(1);
                KubectlStreamingTest.portForwardReachesHttpd(kubectl, Kubectl.oldest(), 2);
                assertThat(count(serverLog, TUNNELLED)).isEqualTo(1);
            } finally {
                assertThat(agent.stop(Duration.ofSeconds(60))).as("the agent stops on SIGTERM").isTrue();
                agent.close();
            }
            assertThat(Files.exists(Path.of("/sys/class/net/" + BRIDGE))).as("the bridge is removed").isFalse();
        }
    }

    private static String command(String... words) {
        var query = new StringBuilder();
        for (String word : words) {
            query.append(query.isEmpty() ? "" : "&").append("command=").append(URLEncoder.encode(word, StandardCharsets.UTF_8));
        }
        return query.toString();
    }

    private static long count(Path log, String text) {
        return SkiffProcess.lines(log).stream().filter(l -> l.contains(text)).count();
    }

    private static javax.net.ssl.SSLContext sslContext(Path kubeconfig) throws Exception {
        var config = io.fabric8.kubernetes.client.Config.fromKubeconfig(Files.readString(kubeconfig));
        config.setClientKeyAlgo("EC");
        return io.fabric8.kubernetes.client.internal.SSLUtils.sslContext(config);
    }

    /** A raw channel.k8s.io client: what arrives on each channel, and when the server closed. */
    private static final class Channels implements WebSocket.Listener {
        private final ByteArrayOutputStream[] received = new ByteArrayOutputStream[256];
        private final ByteArrayOutputStream message = new ByteArrayOutputStream();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket socket;

        static Channels open(javax.net.ssl.SSLContext ssl, URI uri) throws Exception {
            var channels = new Channels();
            channels.socket = HttpClient.newBuilder().sslContext(ssl).build().newWebSocketBuilder().subprotocols("v5.channel.k8s.io")
                    .buildAsync(uri, channels).get(30, TimeUnit.SECONDS);
            return channels;
        }

        void send(int channel, byte[] payload) throws Exception {
            var frame = ByteBuffer.allocate(payload.length + 1).put((byte) channel).put(payload).flip();
            socket.sendBinary(frame, true).get(10, TimeUnit.SECONDS);
        }

        synchronized String text(int channel) {
            return received[channel] == null ? "" : received[channel].toString(StandardCharsets.UTF_8);
        }

        @Override
        public synchronized CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            message.writeBytes(bytes);
            if (last) {
                byte[] whole = message.toByteArray();
                message.reset();
                if (whole.length > 0) {
                    int channel = whole[0] & 0xff;
                    if (received[channel] == null) {
                        received[channel] = new ByteArrayOutputStream();
                    }
                    received[channel].write(whole, 1, whole.length - 1);
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }
    }
}
