package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster of several real nodes on this one machine: {@code skiff server} (no embedded node, the
 * cluster DNS on its address) and three {@code skiff agent}s, each in its own network namespace with
 * its own address on a test bridge, the agents each with their own containerd, pod bridge and service
 * proxy. Node IPAM gives each node a /24 of 10.42.0.0/16; the agents' host-gw routes carry pod
 * traffic between the nodes (the test gives the server's namespace the same routes, as a server that
 * is also a node has). Tear-down leaves no namespace, link, route or rule behind.
 */
@Tag("containerd")
class MultiNodeNetworkTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String BRIDGE = "skn-br0";
    private static final String SERVER_NETNS = "skn-server";
    /** The server's address, in its own namespace. */
    private static final String SERVER_IP = "10.97.0.1";
    /** The host's address on the test bridge, from which kubectl and the NodePort checks come. */
    private static final String HOST_IP = "10.97.0.254";
    private static final int NODES = 3;

    @TempDir
    Path dir;
    private final List<SkiffProcess> agents = new ArrayList<>();
    private final List<Path> agentDirs = new ArrayList<>();

    @Test
    void podsServicesAndDnsWorkAcrossNodes() throws Exception {
        cluster("host-gw", true);
    }

    /** The same pod network over flannel's vxlan backend: routes via each peer's VTEP on flannel.1, pods reach pods. */
    @Test
    void podsReachEachOtherOverVxlan() throws Exception {
        cluster("vxlan", false);
    }

    /** A cluster whose nodes use {@code backend}; pod-to-pod checks, then (if {@code services}) services, DNS and masquerade. */
    private void cluster(String backend, boolean services) throws Exception {
        setUpNetwork();
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        try (var server = SkiffProcess.startInNetns(SERVER_NETNS, dir.resolve("server.log"), "server", "--data-dir",
                dir.resolve("data").toString(), "--etcd-listen-client-url", "http://127.0.0.1:" + SkiffProcess.freePort(),
                "--https-listen-port", String.valueOf(port), "--bind-address", SERVER_IP, "--write-kubeconfig", kubeconfig.toString(),
                "--disable-agent", "--dns-listen-address", SERVER_IP)) {
            server.awaitLine("skiff server ready", 0, TIMEOUT);
            var kubectl = new Kubectl(kubeconfig, dir);
            Path token = dir.resolve("data").resolve("server").resolve("token");
            for (int i = 1; i <= NODES; i++) {
                Path data = Files.createTempDirectory(Path.of("/tmp"), "skn" + i + "-"); // short: containerd's socket path
                agentDirs.add(data);
                agents.add(SkiffProcess.startInNetns(node(i), dir.resolve(node(i) + ".log"), "agent", "--server",
                        "https://" + SERVER_IP + ":" + port, "--token-file", token.toString(), "--node-name", node(i),
                        "--node-ip", nodeIp(i), "--data-dir", data.toString(), "--flannel-backend", backend));
            }
            for (int i = 1; i <= NODES; i++) {
                agents.get(i - 1).awaitLine("node " + node(i) + " registered", 0, TIMEOUT);
            }
            Map<String, String> cidrs = new TreeMap<>();
            for (int i = 1; i <= NODES; i++) {
                cidrs.put(node(i), kubectl.ok("kubectl", "get", "node", node(i), "-o", "jsonpath={.spec.podCIDR}"));
            }
            assertThat(new HashSet<>(cidrs.values())).as("a distinct /24 of the cluster CIDR per node").hasSize(NODES)
                    .allMatch(c -> c.matches("10\\.42\\.\\d+\\.0/24"));
            for (int i = 1; i <= NODES; i++) {
                int self = i;
                await("routes of " + node(i) + " to the other nodes' pods", () -> {
                    String routes = sh("ip", "netns", "exec", node(self), "ip", "-4", "route", "show", "proto", "200");
                    for (int j = 1; j <= NODES; j++) {
                        String cidr = cidrs.get(node(j));
                        String via = backend.equals("vxlan") ? cidr.replace("/24", "") + " dev flannel.1" : nodeIp(j);
                        if (j != self && !routes.contains(cidr + " via " + via)) {
                            return false;
                        }
                    }
                    return true;
                });
            }

            for (int i = 1; i <= NODES; i++) { // the server's namespace reaches pods as a node would
                sh("ip", "netns", "exec", SERVER_NETNS, "ip", "route", "add", cidrs.get(node(i)), "via", nodeIp(i));
            }

            // a web server on every node; a client on node 1 fetches from each and pings each
            for (int i = 1; i <= NODES; i++) {
                kubectl.ok("kubectl", "run", "web-" + i, "--image=skiff.local/httpd:1.35", "--restart=Never",
                        "--overrides={\"spec\":{\"nodeSelector\":{\"kubernetes.io/hostname\":\"" + node(i) + "\"}}}");
            }
            List<String> ips = new ArrayList<>();
            for (int i = 1; i <= NODES; i++) {
                String pod = "web-" + i;
                await(pod + " running", () -> "Running".equals(kubectl.run("kubectl", "get", "pod", pod, "-o", "jsonpath={.status.phase}").out()));
                String ip = kubectl.ok("kubectl", "get", "pod", pod, "-o", "jsonpath={.status.podIP}");
                assertThat(ip).as(pod + "'s IP is from its node's CIDR").startsWith(cidrs.get(node(i)).replace("0/24", ""));
                ips.add(ip);
            }
            // the nodes reach pods on other nodes through the routes
            for (int i = 1; i <= NODES; i++) {
                for (String ip : ips) {
                    assertThat(sh("ip", "netns", "exec", node(i), "timeout", "10", "busybox", "wget", "-q", "-O", "-", "http://" + ip + "/"))
                            .as(node(i) + " fetches from " + ip).isEqualTo("skiff httpd\n");
                }
            }
            StringBuilder script = new StringBuilder("set -e");
            for (String ip : ips) {
                script.append("; timeout 10 wget -q -O - http://").append(ip).append("/ | grep -q 'skiff httpd'; ping -c 1 -W 5 ").append(ip);
            }
            kubectl.ok("kubectl", "run", "client", "--image=busybox:1.35", "--restart=Never",
                    "--overrides={\"spec\":{\"nodeSelector\":{\"kubernetes.io/hostname\":\"" + node(1) + "\"}}}", "--", "sh", "-c", script.toString());
            await("the client finished", () -> Set.of("Succeeded", "Failed").contains(
                    kubectl.run("kubectl", "get", "pod", "client", "-o", "jsonpath={.status.phase}").out()));
            assertThat(kubectl.ok("kubectl", "get", "pod", "client", "-o", "jsonpath={.status.phase}"))
                    .as("wget and ping from node 1 reached the pods on all nodes").isEqualTo("Succeeded");

            if (services) {
                servicesAndDns(kubectl);
                leavingTheCluster(kubectl);
            }

            for (var agent : agents) {
                assertThat(agent.stop(Duration.ofSeconds(90))).as("the agent stops on SIGTERM").isTrue();
            }
            for (int i = 1; i <= NODES; i++) {
                assertThat(sh("ip", "netns", "exec", node(i), "ip", "-4", "route", "show", "proto", "200"))
                        .as("the " + backend + " routes of " + node(i) + " are gone").isBlank();
                assertThat(sh("ip", "netns", "exec", node(i), "ip", "-o", "link", "show")).as("the pod bridge of " + node(i) + " is gone")
                        .doesNotContain("skiff0").doesNotContain("flannel.1");
                assertThat(sh("ip", "netns", "exec", node(i), "iptables-save")).as("the proxy's and flannel's rules on " + node(i) + " are gone")
                        .doesNotContain("KUBE-").doesNotContain("FLANNEL-");
            }
        }
    }

    /**
     * A service over an echo pod on every node (each answers with its own name): a client pod on node
     * 1 resolves it through the cluster DNS (10.43.0.10, routed by the proxy to the server) and its
     * requests are spread over all three backends; the NodePort answers on every node's address;
     * ClientIP affinity sticks; a deleted backend leaves the rotation.
     */
    private void servicesAndDns(Kubectl kubectl) throws Exception {
        for (int i = 1; i <= NODES; i++) {
            kubectl.ok("kubectl", "run", "echo-" + i, "--image=busybox:1.35", "--restart=Never", "--labels=app=echo",
                    "--overrides={\"spec\":{\"nodeSelector\":{\"kubernetes.io/hostname\":\"" + node(i) + "\"}}}", "--",
                    "sh", "-c", "mkdir -p /tmp/www && hostname > /tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www");
        }
        kubectl.ok("kubectl", "create", "service", "nodeport", "echo", "--tcp=80:80");
        for (int i = 1; i <= NODES; i++) {
            String pod = "echo-" + i;
            await(pod + " running", () -> "Running".equals(kubectl.run("kubectl", "get", "pod", pod, "-o", "jsonpath={.status.phase}").out()));
        }
        await("three endpoints", () -> kubectl.run("kubectl", "get", "endpoints", "echo", "-o", "jsonpath={.subsets[*].addresses[*].ip}")
                .out().split(" ").length == NODES);

        String spread = "set -e; nslookup echo.default.svc.cluster.local; for i in $(seq 30); do timeout 5 wget -q -O - "
                + "http://echo.default.svc.cluster.local/ >> /tmp/seen; done; sort -u /tmp/seen; [ $(sort -u /tmp/seen | wc -l) -eq 3 ]";
        assertThat(clientRun(kubectl, "spread", spread)).as("requests through the service name reach all three backends").isEqualTo("Succeeded");

        String nodePort = kubectl.ok("kubectl", "get", "service", "echo", "-o", "jsonpath={.spec.ports[0].nodePort}");
        for (int i = 1; i <= NODES; i++) {
            assertThat(sh("timeout", "10", "busybox", "wget", "-q", "-O", "-", "http://" + nodeIp(i) + ":" + nodePort + "/"))
                    .as("the NodePort answers on " + node(i)).startsWith("echo-");
        }

        kubectl.ok("kubectl", "patch", "service", "echo", "-p", "{\"spec\":{\"sessionAffinity\":\"ClientIP\"}}");
        String sticky = "set -e; sleep 3; for i in $(seq 10); do timeout 5 wget -q -O - http://echo/ >> /tmp/seen; done; "
                + "[ $(sort -u /tmp/seen | wc -l) -eq 1 ]";
        assertThat(clientRun(kubectl, "sticky", sticky)).as("ClientIP affinity keeps one backend").isEqualTo("Succeeded");
        kubectl.ok("kubectl", "patch", "service", "echo", "-p", "{\"spec\":{\"sessionAffinity\":\"None\"}}");

        kubectl.ok("kubectl", "delete", "pod", "echo-3", "--wait=true");
        String gone = "set -e; sleep 5; for i in $(seq 20); do timeout 5 wget -q -O - http://echo/ >> /tmp/seen; done; "
                + "! grep -q echo-3 /tmp/seen && [ $(sort -u /tmp/seen | wc -l) -eq 2 ]";
        assertThat(clientRun(kubectl, "gone", gone)).as("a deleted backend left the rotation").isEqualTo("Succeeded");
    }

    /**
     * A pod reaches a server outside the cluster (on the host's test bridge address, which has no
     * route to the pod network): only possible because its node masquerades pod traffic leaving the
     * cluster CIDR.
     */
    private void leavingTheCluster(Kubectl kubectl) throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("index.html"), "outside\n");
        Process httpd = new ProcessBuilder("busybox", "httpd", "-f", "-p", HOST_IP + ":18080", "-h", www.toString()).start();
        try {
            assertThat(clientRun(kubectl, "outside", "timeout 10 wget -q -O - http://" + HOST_IP + ":18080/ | grep -q outside"))
                    .as("a pod reaches a host outside the cluster through the node's masquerade").isEqualTo("Succeeded");
        } finally {
            httpd.destroy();
        }
    }

    /** Runs {@code script} in a busybox pod on node 1 to completion; its phase. */
    private static String clientRun(Kubectl kubectl, String name, String script) throws Exception {
        kubectl.ok("kubectl", "run", name, "--image=busybox:1.35", "--restart=Never",
                "--overrides={\"spec\":{\"nodeSelector\":{\"kubernetes.io/hostname\":\"" + node(1) + "\"}}}", "--", "sh", "-c", script);
        await(name + " finished", () -> Set.of("Succeeded", "Failed").contains(
                kubectl.run("kubectl", "get", "pod", name, "-o", "jsonpath={.status.phase}").out()));
        return kubectl.ok("kubectl", "get", "pod", name, "-o", "jsonpath={.status.phase}");
    }

    private void setUpNetwork() throws Exception {
        tearDownNetwork(); // what a crashed run left
        TestNetns.bridge(BRIDGE, HOST_IP + "/24");
        TestNetns.attach(SERVER_NETNS, BRIDGE, "skn-hs", SERVER_IP);
        for (int i = 1; i <= NODES; i++) {
            TestNetns.attach(node(i), BRIDGE, "skn-h" + i, nodeIp(i));
            sh("ip", "netns", "exec", node(i), "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (var agent : agents) {
            agent.stop(Duration.ofSeconds(90)); // SIGTERM: the agent removes its pods, routes and containerd
            agent.close();
        }
        tearDownNetwork();
        for (Path data : agentDirs) {
            sh("rm", "-rf", data.toString());
        }
        String links = sh("ip", "-o", "link", "show");
        assertThat(links).as("no test link is left").doesNotContain(BRIDGE).doesNotContain("skn-h");
        assertThat(sh("ip", "netns", "list")).as("no test namespace is left").doesNotContain("skn-node");
    }

    private static void tearDownNetwork() throws Exception {
        for (int i = 0; i <= NODES; i++) {
            TestNetns.deleteNetns(i == 0 ? SERVER_NETNS : node(i)); // takes the veth pair with it
        }
        TestNetns.deleteLink(BRIDGE);
    }

    private static String node(int i) {
        return "skn-node" + i;
    }

    private static String nodeIp(int i) {
        return "10.97.0." + (10 + i);
    }

    private static String sh(String... command) throws IOException, InterruptedException {
        return TestNetns.sh(command);
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(String what, Check condition) throws Exception {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (!condition.holds()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(250);
        }
    }
}
