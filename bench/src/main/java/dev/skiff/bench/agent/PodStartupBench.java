package dev.skiff.bench.agent;

import dev.skiff.agent.NodeAgent;
import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.bench.store.Latencies;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Pod startup latency on a real node (issue 4): an in-process control plane (embedded store) and a
 * real {@code skiff agent} process with its own containerd; N one-container busybox pods bound to
 * its node (no scheduler: the agent is what is measured), images
 * present, {@code sleep 3600}, created at a steady rate, each timed from just before its create
 * request to the watch event that shows it Running - upstream's pod startup SLI, whose SLO is
 * p99 <= 5 s. With half of them running, the resident memory (VmRSS) of the agent process and of
 * its containerd is read from /proc. At the end the agent's node is torn down as {@code skiff killall}
 * does. Asserts nothing.
 *
 * <p>Usage: {@code bin/bench pods [--pods 100] [--rate 5] [--each]} (root: containerd, runc, CNI); {@code --each} also
 * prints every pod's create time and latency, to be lined up with the agent log's per-pod timings.
 */
public final class PodStartupBench {
    private static final String NS = "bench";
    private static final String BRIDGE = "skiff-bench0";
    private static final String POD_CIDR = "10.88.95.0/24";

    public static void main(String[] args) throws Exception {
        int pods = 100;
        double rate = 5;
        boolean each = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pods" -> pods = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--each" -> each = true;
                default -> {
                    System.err.println("usage: bin/bench pods [--pods N] [--rate pods-per-second] [--each]");
                    System.exit(2);
                }
            }
        }
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "skiff-pods-bench-"); // short: containerd's socket path
        Process agent = null;
        try (var controlPlane = LocalControlPlane.start(dir.resolve("server"));
             KubernetesClient client = RestClients.fromKubeconfig(controlPlane.kubeconfig())) {
            Path agentLog = dir.resolve("agent.log");
            agent = new ProcessBuilder("bin/skiff", "agent", "--kubeconfig", controlPlane.kubeconfig().toString(),
                    "--node-name", "bench", "--node-ip", "127.0.0.1", "--data-dir", dir.resolve("agent").toString(),
                    "--pod-cidr", POD_CIDR, "--cni-bridge", BRIDGE, "--kubelet-port", String.valueOf(freePort()),
                    "--disable-kube-proxy", "--max-pods", String.valueOf(pods + 10))
                    .redirectErrorStream(true).redirectOutput(agentLog.toFile()).start();
            awaitLine(agentLog, "node bench registered", Duration.ofMinutes(3));
            client.resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();

            Map<String, Long> created = new ConcurrentHashMap<>();
            Map<String, Long> running = new ConcurrentHashMap<>();
            try (var watch = client.pods().inNamespace(NS).watch(new Watcher<Pod>() {
                @Override
                public void eventReceived(Action action, Pod pod) {
                    if (pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase())) {
                        running.putIfAbsent(pod.getMetadata().getName(), System.nanoTime());
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            })) {
                createAndAwait(client, "warmup", created, running); // first sandbox and image lookups, not counted
                long period = (long) (1e9 / rate);
                double cpu0 = cpuSeconds(agent.pid());
                long start = System.nanoTime(); // when pod 0 is due; moved past the mid-run pause
                long begin = start;
                String rss = "";
                for (int i = 0; i < pods; i++) {
                    long due = start + i * period;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    String name = "p-" + i;
                    created.put(name, System.nanoTime());
                    client.resource(pod(name)).create();
                    if (i + 1 == pods / 2) {
                        long paused = System.nanoTime();
                        awaitRunning(running, pods / 2 + 1, Duration.ofMinutes(5));
                        Thread.sleep(5000);
                        rss = String.format(Locale.ROOT, "RSS with %d pods running: agent %d MiB, its containerd %d MiB",
                                running.size(), rssMiB(agent.pid()) , containerdRssMiB(dir));
                        start += System.nanoTime() - paused; // the rest keeps the rate, not a burst catching up on the pause
                    }
                }
                awaitRunning(running, pods + 1, Duration.ofMinutes(10));
                double cpu = cpuSeconds(agent.pid()) - cpu0;
                double wall = (System.nanoTime() - begin) / 1e9;
                Latencies latencies = new Latencies();
                for (int i = 0; i < pods; i++) {
                    latencies.add(running.get("p-" + i) - created.get("p-" + i));
                }
                System.out.printf(Locale.ROOT, "pods=%d rate=%.1f/s create->Running(watch): p50=%.0f ms p90=%.0f ms p99=%.0f ms max=%.0f ms%n",
                        pods, rate, latencies.percentileMillis(0.5), latencies.percentileMillis(0.9), latencies.percentileMillis(0.99),
                        latencies.percentileMillis(1.0));
                System.out.println(rss);
                if (each) { // each pod's create time (wall clock, to line up with the agent's log) and latency
                    long wallOffset = System.currentTimeMillis() * 1_000_000 - System.nanoTime();
                    for (int i = 0; i < pods; i++) {
                        long createdAt = created.get("p-" + i);
                        System.out.printf(Locale.ROOT, "p-%d created=%s latency=%d ms%n", i,
                                java.time.Instant.ofEpochMilli((createdAt + wallOffset) / 1_000_000),
                                (running.get("p-" + i) - createdAt) / 1_000_000);
                    }
                    Files.readAllLines(agentLog).stream().filter(l -> l.contains("pod started pod=" + NS + "/")).forEach(System.out::println);
                }
                System.out.printf(Locale.ROOT, "agent CPU from the first create to all Running: %.1f s in %.1f s (%.0f ms per pod)%n",
                        cpu, wall, cpu * 1000 / pods);
            }
            // tear down through the kubelet: pods ask for 1 s of grace, the kubelet confirms once they are gone
            client.pods().inNamespace(NS).delete();
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (!client.pods().inNamespace(NS).list().getItems().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
        } finally {
            if (agent != null) {
                agent.destroy();
                agent.waitFor();
            }
            tearDown(dir);
        }
    }

    /**
     * Removes what the run made: a stopped agent leaves, for its next start to adopt, any pods still running (their
     * shims and network), the bridge {@value #BRIDGE}, containerd's state and the host network it noted, so they are
     * torn down as {@code skiff killall} does, then {@code dir} is deleted. When the teardown fails, {@code dir} is kept
     * for {@code bin/skiff killall}.
     */
    private static void tearDown(Path dir) throws IOException, InterruptedException {
        Path agentDataDir = dir.resolve("agent"); // the agent's --data-dir; its state is under agent/ there
        try {
            NodeAgent.killall(agentDataDir.resolve("agent"));
        } catch (IOException | RuntimeException e) {
            System.err.println("tearing down the agent's node failed, kept for 'bin/skiff killall --data-dir " + agentDataDir
                    + "': " + e);
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static Pod pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec().withNodeName("bench").withTerminationGracePeriodSeconds(1L).addNewContainer().withName("c").withImage("busybox:1.35")
                .withImagePullPolicy("IfNotPresent").withCommand("sleep", "3600").endContainer().endSpec().build();
    }

    private static void createAndAwait(KubernetesClient client, String name, Map<String, Long> created, Map<String, Long> running)
            throws InterruptedException {
        created.put(name, System.nanoTime());
        client.resource(pod(name)).create();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!running.containsKey(name)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " not Running within 3 minutes");
            }
            Thread.sleep(50);
        }
    }

    private static void awaitRunning(Map<String, Long> running, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (running.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + running.size() + " of " + count + " pods Running within " + timeout);
            }
            Thread.sleep(50);
        }
    }

    private static void awaitLine(Path log, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(log) || !Files.readString(log).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no '" + text + "' in " + log + " within " + timeout);
            }
            Thread.sleep(200);
        }
    }

    /** User plus system CPU time of a process so far (its threads, not its children), seconds. */
    private static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0; // utime, stime in USER_HZ (100)
    }

    /** VmRSS of a process, MiB. */
    private static long rssMiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }

    /** The containerd the agent started under {@code dir} (not its shims). */
    private static long containerdRssMiB(Path dir) throws IOException {
        List<Long> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
                    if (cmdline.startsWith("containerd ") || cmdline.contains("/containerd --config") || cmdline.contains("bin/containerd ")) {
                        if (cmdline.contains(dir.toString())) {
                            found.add(rssMiB(Long.parseLong(proc.getFileName().toString())));
                        }
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        return found.isEmpty() ? -1 : found.getFirst();
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
