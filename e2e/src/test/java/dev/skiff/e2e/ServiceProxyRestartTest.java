package dev.skiff.e2e;

import static dev.skiff.e2e.KubectlAgentTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service proxy survives an agent restart as kube-proxy does: SIGTERM of {@code skiff agent} leaves its iptables rules
 * (and flannel's masquerade) in the node's network namespace, so a ClusterIP service keeps reaching its pod while no agent
 * runs; the agent started again takes the rules over in place (the same rules, none twice, no failed connection meanwhile);
 * {@code skiff killall} removes them with everything else. The agent runs in a network namespace of the test's own
 * ({@value #NETNS}, on the test bridge {@value #TEST_BRIDGE}), never programming the host's iptables; the server runs on
 * the host, on the test bridge's address.
 */
@Tag("containerd")
class ServiceProxyRestartTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String NETNS = "skiff-sr-node";
    /** The host's side: the server listens on its address. */
    private static final String TEST_BRIDGE = "skiff-sr1";
    private static final String HOST_IP = "10.88.110.254";
    private static final String NODE_IP = "10.88.110.1";
    private static final String HOST_LINK = "skiff-sr-h";
    /** The node's pod bridge and CIDR, inside its namespace. */
    private static final String POD_BRIDGE = "skiff-sr0";
    private static final String POD_CIDR = "10.88.109.0/24";

    @TempDir
    Path dir;
    private Path agentData;

    @Test
    void stoppedAgentsServiceRulesKeepServingAreTakenOverWithoutDuplicatesAndKillallRemovesThem() throws Exception {
        setUpNetwork();
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        agentData = Files.createTempDirectory(Path.of("/tmp"), "skiff-sr-"); // short: containerd's socket path
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig, "--bind-address", HOST_IP,
                "--service-cluster-ip-range", "10.109.0.0/16")) {
            var kubectl = new Kubectl(kubeconfig, dir);
            Path token = dir.resolve("data").resolve("server").resolve("token");
            var first = agent(port, token, "first.log");
            SkiffProcess second = null;
            var poller = new Poller();
            try {
                first.awaitLine("node sr-node registered", 0, TIMEOUT);
                kubectl.ok("kubectl", "run", "web", "--image=skiff.local/httpd:1.35", "--restart=Never", "--labels=app=web");
                kubectl.ok("kubectl", "create", "service", "clusterip", "web", "--tcp=80:80");
                String clusterIp = kubectl.ok("kubectl", "get", "service", "web", "-o", "jsonpath={.spec.clusterIP}");
                assertThat(clusterIp).startsWith("10.109.");
                await("the service answers from the node's namespace", TIMEOUT, () -> fetch(clusterIp).equals("skiff httpd\n"));
                List<String> rules = ourRules();
                assertThat(rules).as("the proxy's and flannel's rules").anyMatch(r -> r.contains("default/web")).anyMatch(r -> r.startsWith("-A FLANNEL-POSTRTG"))
                        .doesNotHaveDuplicates();
                poller.start(clusterIp);

                assertThat(first.stopKeepingPods(Duration.ofSeconds(90))).as("the agent exits 0 on SIGTERM").isZero();
                assertThat(ourRules()).as("the rules stay as the stopped agent left them").isEqualTo(rules);
                assertThat(fetch(clusterIp)).as("the cluster IP reaches the pod with no agent running").isEqualTo("skiff httpd\n");

                second = agent(port, token, "second.log");
                second.awaitLine("service proxy synced", 0, TIMEOUT);
                assertThat(ourRules()).as("taken over in place: the same rules, none twice").isEqualTo(rules);
                assertThat(fetch(clusterIp)).isEqualTo("skiff httpd\n");
                int fetched = poller.stop();
                assertThat(poller.failures()).as("connections to the service that failed while the agent restarted (of " + fetched + ")")
                        .isEmpty();
                assertThat(fetched).as("connections made while the agent restarted").isGreaterThan(5);

                var killall = SkiffProcess.runInNetns(NETNS, dir.resolve("killall.log"), "killall", "--data-dir", agentData.toString());
                assertThat(killall.exit()).as(String.join("\n", killall.output())).isZero();
                assertThat(killall.output()).anyMatch(l -> l.contains("stopping the agent running on " + agentData.resolve("agent")))
                        .anyMatch(l -> l.contains("skiff killall: 1 pod sandbox(es)"))
                        .anyMatch(l -> l.contains("removed the service proxy's iptables rules, the masquerade of " + POD_CIDR
                                + ", 0 route(s) to other nodes' pods"));
                assertThat(second.isAlive()).as("killall stopped the running agent first").isFalse();
                assertThat(sh("ip", "netns", "exec", NETNS, "iptables-save")).as("no skiff chain or rule is left")
                        .doesNotContain("KUBE-").doesNotContain("FLANNEL-");
                assertThat(sh("ip", "netns", "exec", NETNS, "ip", "-o", "link", "show")).as("the pod bridge is gone").doesNotContain(POD_BRIDGE);
                assertThat(fetch(clusterIp)).as("the service is gone with its rules").startsWith("error");

                var again = SkiffProcess.runInNetns(NETNS, dir.resolve("killall.log"), "killall", "--data-dir", agentData.toString());
                assertThat(again.exit()).isZero();
                assertThat(again.output()).containsExactly("skiff killall: nothing to tear down under " + agentData);
            } finally {
                poller.stop();
                first.close();
                if (second != null) {
                    second.close();
                }
            }
        }
    }

    private SkiffProcess agent(int port, Path token, String log) {
        return SkiffProcess.startInNetns(NETNS, dir.resolve(log), "agent", "--server", "https://" + HOST_IP + ":" + port,
                "--token-file", token.toString(), "--node-name", "sr-node", "--node-ip", NODE_IP, "--data-dir", agentData.toString(),
                "--pod-cidr", POD_CIDR, "--cluster-cidr", POD_CIDR, "--cni-bridge", POD_BRIDGE,
                "--kubelet-port", String.valueOf(SkiffProcess.freePort()));
    }

    /** The node namespace's KUBE- and FLANNEL- rules (iptables-save, no counters), in order. */
    private static List<String> ourRules() throws Exception {
        return sh("ip", "netns", "exec", NETNS, "iptables-save").lines().filter(l -> l.startsWith("-A "))
                .filter(l -> l.contains("KUBE-") || l.contains("FLANNEL-")).toList();
    }

    /** One HTTP GET of the cluster IP from the node's namespace (a new connection): the body, or "error: ..." */
    private static String fetch(String clusterIp) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "netns", "exec", NETNS, "timeout", "5", "busybox", "wget", "-q", "-O", "-",
                "http://" + clusterIp + "/").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out : "error: " + out.strip();
    }

    /** Fetches from the service over and over on its own thread, keeping what failed. */
    private static final class Poller {
        private final AtomicBoolean running = new AtomicBoolean();
        private final AtomicInteger fetched = new AtomicInteger();
        private final java.util.Queue<String> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private Thread thread;

        void start(String clusterIp) {
            running.set(true);
            thread = Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    try {
                        String answer = fetch(clusterIp);
                        if (!answer.equals("skiff httpd\n")) {
                            failures.add(answer);
                        }
                        fetched.incrementAndGet();
                        Thread.sleep(200);
                    } catch (IOException | InterruptedException e) {
                        failures.add(e.toString());
                        return;
                    }
                }
            });
        }

        /** Stops fetching; how many fetches were made. */
        int stop() throws InterruptedException {
            running.set(false);
            if (thread != null) {
                thread.join();
            }
            return fetched.get();
        }

        List<String> failures() {
            return List.copyOf(failures);
        }
    }

    /** The node's namespace with its eth0 on the test bridge, a default route to the host (cluster IPs are DNATed before they leave). */
    private static void setUpNetwork() throws Exception {
        tearDownNetwork(); // what a crashed run left
        TestNetns.bridge(TEST_BRIDGE, HOST_IP + "/24");
        TestNetns.attach(NETNS, TEST_BRIDGE, HOST_LINK, NODE_IP);
        sh("ip", "netns", "exec", NETNS, "ip", "route", "add", "default", "via", HOST_IP);
        sh("ip", "netns", "exec", NETNS, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agentData != null && Files.isDirectory(Path.of("/var/run/netns", NETNS))) {
            SkiffProcess.runInNetns(NETNS, dir.resolve("killall.log"), "killall", "--data-dir", agentData.toString());
        }
        tearDownNetwork();
        if (agentData != null) {
            sh("rm", "-rf", agentData.toString());
        }
        assertThat(sh("ip", "-o", "link", "show")).as("no test link is left").doesNotContain(TEST_BRIDGE).doesNotContain(HOST_LINK);
    }

    private static void tearDownNetwork() throws Exception {
        TestNetns.deleteNetns(NETNS); // takes the veth pair with it
        TestNetns.deleteLink(TEST_BRIDGE);
    }

    private static String sh(String... command) throws IOException, InterruptedException {
        return TestNetns.sh(command);
    }
}
