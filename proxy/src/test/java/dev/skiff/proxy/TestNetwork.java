package dev.skiff.proxy;

import dev.skiff.proxy.iptables.IptablesRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A small real network for proxy tests, in network namespaces of its own (the host's rules are never
 * touched): a node namespace where the proxy's rules go, {@code backends} backend namespaces each linked
 * to the node by a veth pair (backend i is {@code 10.99.i.2}, the node's side {@code 10.99.i.1}; the
 * cluster CIDR is {@link #CLUSTER_CIDR}), and a client namespace outside the cluster ({@code 10.98.0.2},
 * the node's side {@link #NODE_IP}). Each backend runs busybox httpd on port {@link #BACKEND_PORT},
 * answering {@code /cgi-bin/who} with {@code <backend name> <client address>}. Closing kills the servers
 * and deletes every namespace (their links go with them) and file made.
 */
public final class TestNetwork implements AutoCloseable {
    public static final String CLUSTER_CIDR = "10.99.0.0/16";
    public static final String NODE_IP = "10.98.0.1";
    public static final String CLIENT_IP = "10.98.0.2";
    public static final int BACKEND_PORT = 8080;

    private final String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt(0x10000), 4);
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> servers = new ArrayList<>();
    private final Path dir;
    public final String node = "skp-" + id + "-node";
    public final String client = "skp-" + id + "-cl";

    private TestNetwork(int backends) throws IOException, InterruptedException {
        dir = Files.createTempDirectory("skp-");
        try {
            addNamespace(node);
            sh("ip netns exec " + node + " sysctl -qw net.ipv4.ip_forward=1");
            addNamespace(client);
            link(client, "skpc" + id, NODE_IP, CLIENT_IP);
            sh("ip netns exec " + client + " ip route add default via " + NODE_IP);
            // cluster IPs are routed somewhere before they are DNATed, as on a real host with a default route
            sh("ip netns exec " + node + " ip route add default via " + CLIENT_IP);
            for (int i = 1; i <= backends; i++) {
                String ns = backend(i);
                addNamespace(ns);
                link(ns, "skpb" + i + id, "10.99." + i + ".1", backendIp(i));
                sh("ip netns exec " + ns + " ip route add default via 10.99." + i + ".1");
                Path root = dir.resolve("b" + i);
                Files.createDirectories(root.resolve("cgi-bin"));
                Path who = root.resolve("cgi-bin/who");
                Files.writeString(who, "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"b" + i + " $REMOTE_ADDR\"\n");
                who.toFile().setExecutable(true);
                servers.add(new ProcessBuilder("ip", "netns", "exec", ns, "busybox", "httpd", "-f", "-p", String.valueOf(BACKEND_PORT),
                        "-h", root.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
            for (int i = 1; i <= backends; i++) {
                int backend = i;
                await("backend b" + i + " answers", Duration.ofSeconds(30),
                        () -> get(node, backendIp(backend), BACKEND_PORT).startsWith("b" + backend + " "));
            }
        } catch (Throwable e) {
            close();
            throw e;
        }
    }

    public static TestNetwork create(int backends) throws IOException, InterruptedException {
        return new TestNetwork(backends);
    }

    public String backend(int i) {
        return "skp-" + id + "-b" + i;
    }

    public static String backendIp(int i) {
        return "10.99." + i + ".2";
    }

    /** iptables in the node namespace. */
    public IptablesRunner iptables() {
        return new IptablesRunner(List.of("ip", "netns", "exec", node));
    }

    /** {@code iptables-save} of the node namespace (every table). */
    public String iptablesSave() throws IOException, InterruptedException {
        return sh("ip netns exec " + node + " iptables-save");
    }

    /**
     * One HTTP request from namespace {@code ns} to {@code ip:port}/cgi-bin/who (a new connection, so a new
     * source port): the answer ({@code <backend> <client address>}), or {@code error: <wget's message>}.
     */
    public String get(String ns, String ip, int port) {
        try {
            // busybox 1.35's wget crashes with -T: the timeout is kept here instead
            Process p = new ProcessBuilder("ip", "netns", "exec", ns, "busybox", "wget", "-q", "-O", "-",
                    "http://" + ip + ":" + port + "/cgi-bin/who").redirectErrorStream(true).start();
            if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return "error: no answer within 5 s";
            }
            // httpd listens on IPv6 too, so it reports IPv4 clients as [::ffff:a.b.c.d]
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip()
                    .replace("[::ffff:", "").replace("]", "");
            return p.exitValue() == 0 ? out : "error: " + out;
        } catch (IOException e) {
            return "error: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "error: interrupted";
        }
    }

    /** Which backends answer {@code n} requests, in order (e.g. {@code b1, b3, b1, ...}); errors as they come. */
    public List<String> backendsAnswering(String ns, String ip, int port, int n) {
        var answers = new ArrayList<String>();
        for (int i = 0; i < n; i++) {
            String answer = get(ns, ip, port);
            answers.add(answer.startsWith("error") ? answer : answer.split(" ")[0]);
        }
        return answers;
    }

    private void addNamespace(String ns) throws IOException, InterruptedException {
        sh("ip netns add " + ns);
        namespaces.add(ns);
        sh("ip netns exec " + ns + " ip link set lo up");
    }

    /** A veth pair: {@code name} in the node namespace with {@code nodeIp}/24, its peer eth0 in {@code ns} with {@code ip}/24. */
    private void link(String ns, String name, String nodeIp, String ip) throws IOException, InterruptedException {
        sh("ip netns exec " + node + " ip link add " + name + " type veth peer name " + name + "p");
        sh("ip netns exec " + node + " ip link set " + name + "p netns " + ns);
        sh("ip netns exec " + ns + " ip link set " + name + "p name eth0");
        sh("ip netns exec " + node + " ip addr add " + nodeIp + "/24 dev " + name);
        sh("ip netns exec " + node + " ip link set " + name + " up");
        sh("ip netns exec " + ns + " ip addr add " + ip + "/24 dev eth0");
        sh("ip netns exec " + ns + " ip link set eth0 up");
    }

    public static String sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(command + " failed: " + out.strip());
        }
        return out;
    }

    /** Polls {@code condition} every 50 ms; an AssertionError naming {@code what} after {@code timeout}. */
    public static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process server : servers) {
            server.destroy();
            server.waitFor();
        }
        // deleting a namespace deletes the veth ends in it, and so their peers
        for (String ns : namespaces.reversed()) {
            sh("ip netns del " + ns);
        }
        namespaces.clear();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
