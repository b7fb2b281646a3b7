package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kubectl logs, exec, attach and port-forward against a real agent (its own containerd): the API
 * server proxies to the agent's kubelet server, which reads the CRI log files or proxies the
 * SPDY/WebSocket upgrade to containerd's streaming server. The newest kubectl speaks WebSocket v5,
 * which the API server translates to SPDY (see WebSocketStreamingTest); the oldest speaks SPDY only -
 * both are run.
 */
class KubectlStreamingTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String BRIDGE = "skiff-st0";
    private static final String POD_CIDR = "10.88.81.0/24";

    @TempDir
    Path dir;

    @Test
    void logsExecAttachAndPortForwardReachRealContainers() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        int kubeletPort = SkiffProcess.freePort();
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            var agent = SkiffProcess.realAgent(dir, port, "streamer", POD_CIDR, BRIDGE, kubeletPort);
            try {
                assertThat(kubectl.ok("kubectl", "get", "node", "streamer", "-o", "jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}"))
                        .isEqualTo(String.valueOf(kubeletPort));
                Path pods = dir.resolve("pods.yaml");
                Files.writeString(pods, """
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: two}
                        spec:
                          containers:
                          - {name: a, image: busybox:1.35, command: ["sleep", "3600"]}
                          - {name: b, image: busybox:1.35, command: ["sleep", "3600"]}
                        ---
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: reader}
                        spec:
                          restartPolicy: Never
                          containers:
                          - {name: reader, image: busybox:1.35, stdin: true, command: ["sh", "-c", "read line; echo got $line"]}
                        """);
                kubectl.ok("kubectl", "run", "talker", "--image=busybox:1.35", "--", "sh", "-c", "echo one; echo two; echo three; sleep 3600");
                kubectl.ok("kubectl", "run", "ticker", "--image=busybox:1.35", "--", "sh", "-c",
                        "i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done");
                kubectl.ok("kubectl", "run", "crasher", "--image=busybox:1.35", "--", "sh", "-c", "echo ran at $(date +%s%N); exit 1");
                kubectl.ok("kubectl", "run", "web", "--image=skiff.local/httpd:1.35");
                kubectl.ok("kubectl", "apply", "-f", pods.toString());
                for (String pod : List.of("talker", "ticker", "web", "two", "reader")) {
                    await(pod + " runs", () -> "Running".equals(get(kubectl, pod, "{.status.phase}")));
                }

                // logs: plain, --tail, --timestamps
                await("talker wrote its lines", () -> kubectl.run("kubectl", "logs", "talker").out().equals("one\ntwo\nthree\n"));
                assertThat(kubectl.ok("kubectl", "logs", "talker", "--tail=1")).isEqualTo("three");
                assertThat(kubectl.ok(Kubectl.oldest(), "logs", "talker", "--tail=2")).isEqualTo("two\nthree");
                var stamped = kubectl.ok("kubectl", "logs", "talker", "--timestamps").lines().toList();
                assertThat(stamped).hasSize(3);
                assertThat(stamped.getFirst()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z one");
                assertThat(kubectl.ok("kubectl", "logs", "talker", "--limit-bytes=5")).isEqualTo("one\ntw".substring(0, 5));

                // logs -f: sees lines written after it started, ends when the container exits
                kubectl.ok("kubectl", "run", "counter", "--image=busybox:1.35", "--restart=Never", "--", "sh", "-c",
                        "for i in 1 2 3 4 5 6; do echo line $i; sleep 1; done");
                await("counter runs", () -> "Running".equals(get(kubectl, "counter", "{.status.phase}")));
                var followed = kubectl.run("kubectl", "logs", "-f", "counter");
                assertThat(followed.exit()).as(followed.err()).isZero();
                assertThat(followed.out()).isEqualTo("line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n");

                // --previous after a restart
                await("crasher restarted", () -> Integer.parseInt(get(kubectl, "crasher", "{.status.containerStatuses[0].restartCount}")) >= 1
                        && !kubectl.run("kubectl", "logs", "crasher", "--previous").out().isBlank());
                assertThat(kubectl.ok("kubectl", "logs", "crasher", "--previous")).startsWith("ran at ");
                var noPrevious = kubectl.run("kubectl", "logs", "talker", "--previous");
                assertThat(noPrevious.exit()).isNotZero();
                assertThat(noPrevious.err()).contains("previous terminated container \"talker\" in pod \"talker\" not found");

                // exec with the newest (WebSocket, falling back to SPDY) and the oldest kubectl (SPDY)
                for (String binary : List.of("kubectl", Kubectl.oldest())) {
                    assertThat(kubectl.ok(binary, "exec", "talker", "--", "echo", "hello from", "exec")).isEqualTo("hello from exec");
                    var exit3 = kubectl.run(binary, "exec", "talker", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
                    assertThat(exit3.exit()).as("the command's exit code").isEqualTo(3);
                    assertThat(exit3.out()).isEqualTo("out\n");
                    assertThat(exit3.err()).contains("err");
                    var echoed = kubectl.runWithInput("input line\n", binary, "exec", "-i", "talker", "--", "cat");
                    assertThat(echoed.exit()).as(echoed.err()).isZero();
                    assertThat(echoed.out()).isEqualTo("input line\n");
                    assertThat(kubectl.ok(binary, "exec", "two", "-c", "b", "--", "hostname")).isEqualTo("two");
                }

                // the official Python client's exec: WebSocket (v4.channel.k8s.io) through the API server and the kubelet
                assertThat(PythonClientTest.runScript(dir, "python_exec.py", kubeconfig.toString(), "talker").lines()
                        .filter(l -> l.startsWith("ok "))).containsExactly("ok output", "ok exit code", "ok stdin");

                // attach: stdin reaches the container's main process (kubectl ends at the end of its input, so the
                // answer is read from the log), and the main process's output reaches an attached kubectl
                var attached = kubectl.runWithInput("hello\n", "kubectl", "attach", "-i", "reader");
                assertThat(attached.exit()).as(attached.err()).isZero();
                await("the attached input was read", () -> kubectl.run("kubectl", "logs", "reader").out().equals("got hello\n"));
                var watcher = new ProcessBuilder(kubectl.command("kubectl", "attach", "ticker")).start();
                try {
                    var lines = new BufferedReader(new InputStreamReader(watcher.getInputStream(), StandardCharsets.UTF_8));
                    assertThat(lines.readLine()).matches("tick \\d+");
                } finally {
                    watcher.destroy();
                    watcher.waitFor(10, TimeUnit.SECONDS);
                }

                // port-forward to busybox httpd in the pod, newest and oldest kubectl
                for (String binary : List.of("kubectl", Kubectl.oldest())) {
                    portForwardReachesHttpd(kubectl, binary, 1);
                }

                // the kubelet server serves only callers with a client certificate of the cluster CA (the API server's)
                try (var socket = dev.skiff.client.rest.RestClients.trustingAnyServer().getSocketFactory()
                        .createSocket("127.0.0.1", kubeletPort)) {
                    socket.getOutputStream().write(("GET /containerLogs/default/talker/talker HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    var answer = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                    assertThat(answer.readLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
                }

                // bad input: upstream's messages, non-zero exits
                kubectl.ok("kubectl", "run", "nosuchimage", "--image=skiff.invalid/none:1", "--restart=Never");
                await("nosuchimage cannot pull", () -> java.util.Set.of("ErrImagePull", "ImagePullBackOff").contains(get(kubectl,
                        "nosuchimage", "{.status.containerStatuses[0].state.waiting.reason}")));
                var waiting = kubectl.run("kubectl", "logs", "nosuchimage");
                assertThat(waiting.exit()).isNotZero();
                // the reason alternates between pulls (ErrImagePull) and the back-off between them (ImagePullBackOff)
                assertThat(waiting.err()).containsPattern("container \"nosuchimage\" in pod \"nosuchimage\" is waiting to start: "
                        + "(image can't be pulled|trying and failing to pull image)");
                var unknownContainer = kubectl.run("kubectl", "logs", "talker", "-c", "nope");
                assertThat(unknownContainer.exit()).isNotZero();
                assertThat(unknownContainer.err()).contains("container nope is not valid for pod talker");
                var noContainer = kubectl.run("kubectl", "get", "--raw", "/api/v1/namespaces/default/pods/two/log");
                assertThat(noContainer.exit()).isNotZero();
                assertThat(noContainer.err()).contains("a container name must be specified for pod two, choose one of: [a b]");
                var badTail = kubectl.run("kubectl", "get", "--raw", "/api/v1/namespaces/default/pods/talker/log?tailLines=-1");
                assertThat(badTail.exit()).isNotZero();
                assertThat(badTail.err()).contains("must be greater than or equal to 0");
                await("counter finished", () -> "Succeeded".equals(get(kubectl, "counter", "{.status.phase}")));
                var completed = kubectl.run("kubectl", "exec", "counter", "--", "true");
                assertThat(completed.exit()).isNotZero();
                assertThat(completed.err()).contains("cannot exec into a container in a completed pod; current phase is Succeeded");
                kubectl.ok("kubectl", "run", "pending", "--image=busybox:1.35", "--overrides",
                        "{\"spec\":{\"nodeSelector\":{\"none\":\"such\"}}}", "--", "sleep", "3600");
                var unbound = kubectl.run("kubectl", "get", "--raw",
                        "/api/v1/namespaces/default/pods/pending/exec?command=true&stdout=true");
                assertThat(unbound.exit()).isNotZero();
                assertThat(unbound.err()).contains("pod pending does not have a host assigned");
            } finally {
                assertThat(agent.stop(Duration.ofSeconds(60))).as("the agent stops on SIGTERM").isTrue();
                agent.close();
            }
            assertThat(Files.exists(Path.of("/sys/class/net/" + BRIDGE))).as("the bridge is removed").isFalse();
        }
    }

    /** kubectl port-forward to the busybox httpd pod {@code web}; {@code connections} HTTP clients, one connection each, get its page. */
    static void portForwardReachesHttpd(Kubectl kubectl, String binary, int connections) throws Exception {
        int local = SkiffProcess.freePort();
        var forward = new ProcessBuilder(kubectl.command(binary, "port-forward", "pod/web", local + ":80")).redirectErrorStream(true).start();
        try {
            var lines = new BufferedReader(new InputStreamReader(forward.getInputStream(), StandardCharsets.UTF_8));
            assertThat(lines.readLine()).startsWith("Forwarding from 127.0.0.1:" + local + " -> 80");
            for (int i = 0; i < connections; i++) {
                try (var http = HttpClient.newHttpClient()) {
                    var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local + "/"))
                            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(response.statusCode()).isEqualTo(200);
                    assertThat(response.body()).contains("skiff httpd");
                }
            }
        } finally {
            forward.destroy();
            forward.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String get(Kubectl kubectl, String pod, String jsonpath) {
        return KubectlAgentTest.get(kubectl, pod, jsonpath);
    }

    private static void await(String what, KubectlAgentTest.Check condition) throws Exception {
        KubectlAgentTest.await(what, condition);
    }
}
