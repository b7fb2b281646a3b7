package dev.skiff.bench.dns;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.bench.store.Latencies;
import dev.skiff.client.rest.RestClients;
import dev.skiff.dns.DnsServer;
import dev.skiff.dns.kubernetes.KubernetesZone;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Cluster DNS: service A lookups over UDP on loopback against {@link DnsServer} fed by a real API server
 * (embedded store) holding {@code --services} services. Closed-loop clients (one platform thread and one UDP
 * socket each) ask for random services' {@code <svc>.default.svc.cluster.local} A records; each answer is
 * checked (NOERROR, one A record). Prints queries/s and latency percentiles per client count; asserts nothing.
 * The load generator runs in the same JVM on the same 2 cores as the server.
 */
public final class DnsBench {
    public static void main(String[] args) throws Exception {
        int services = 1000;
        int seconds = 10;
        int warmup = 3;
        List<Integer> clientCounts = List.of(1, 4, 16, 64);
        boolean dnsperf = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--services" -> services = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--clients" -> clientCounts = java.util.Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--dnsperf" -> dnsperf = true;
                default -> throw new IllegalArgumentException("usage: bin/bench dns [--services N] [--seconds N] [--warmup N] [--clients 1,4,16,64] [--dnsperf]");
            }
        }
        Path dir = Files.createTempDirectory("skiff-dns-bench");
        try (var controlPlane = LocalControlPlane.start(dir);
             KubernetesClient client = RestClients.fromKubeconfig(controlPlane.kubeconfig())) {
            long start = System.nanoTime();
            for (int i = 0; i < services; i++) {
                client.resource(new ServiceBuilder().withNewMetadata().withName("svc-" + i).withNamespace("default").endMetadata()
                        .withNewSpec().addNewPort().withName("http").withPort(80).endPort().endSpec().build()).create();
            }
            System.out.printf(Locale.ROOT, "# %d services created in %.1f s%n", services, (System.nanoTime() - start) / 1e9);
            try (var dns = DnsServer.start(client, new DnsServer.Config(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    "cluster.local", InetAddress.getByName("10.43.0.10"), KubernetesZone.DEFAULT_TTL, List.of(), Duration.ofSeconds(2)))) {
                awaitRecord(dns.address(), "svc-" + (services - 1) + ".default.svc.cluster.local.");
                System.out.printf(Locale.ROOT, "# server %s, %d services, %d s per row after %d s warm-up, UDP, closed loop%n",
                        dns.address(), services, seconds, warmup);
                System.out.printf(Locale.ROOT, "| clients | queries/s | p50 ms | p99 ms | p99.9 ms | lost |%n|---|---|---|---|---|---|%n");
                for (int clients : clientCounts) {
                    run(dns.address(), services, clients, warmup, false);
                    Result r = run(dns.address(), services, clients, seconds, true);
                    System.out.printf(Locale.ROOT, "| %d | %.0f | %.3f | %.3f | %.3f | %d |%n", clients, r.count / (double) seconds,
                            r.latencies.percentileMillis(0.5), r.latencies.percentileMillis(0.99), r.latencies.percentileMillis(0.999), r.lost);
                }
                if (dnsperf) {
                    dnsperf(dns.address(), services, seconds, dir);
                }
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * DNS-OARC's dnsperf (Debian package dnsperf) as a separate process: the tool CoreDNS's published figures were
     * measured with; it keeps up to 100 queries outstanding per run and reports queries/s and average latency.
     */
    private static void dnsperf(InetSocketAddress server, int services, int seconds, Path dir) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/dnsperf"))) {
            System.out.println("# dnsperf is not installed (Debian package dnsperf): no dnsperf row");
            return;
        }
        Path queries = dir.resolve("dnsperf-queries");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < services; i++) {
            lines.add("svc-" + i + ".default.svc.cluster.local A");
        }
        Files.write(queries, lines);
        var process = new ProcessBuilder("dnsperf", "-s", server.getAddress().getHostAddress(), "-p", String.valueOf(server.getPort()),
                "-d", queries.toString(), "-l", String.valueOf(seconds), "-c", "4", "-T", "1").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        process.waitFor();
        System.out.println("# dnsperf -c 4 -T 1 -l " + seconds + " (one A query per service in turn, up to 100 outstanding):");
        output.lines().filter(l -> l.contains("Queries sent") || l.contains("Queries completed") || l.contains("Queries lost")
                || l.contains("Queries per second") || l.contains("Average Latency") || l.contains("Latency StdDev")).forEach(l -> System.out.println("#  " + l.strip()));
    }

    private static void awaitRecord(InetSocketAddress server, String name) throws Exception {
        var resolver = new SimpleResolver(server);
        for (int i = 0; i < 6000; i++) {
            Message m = resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)));
            if (!m.getSection(org.xbill.DNS.Section.ANSWER).isEmpty()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the DNS server never answered " + name);
    }

    private record Result(long count, long lost, Latencies latencies) {
    }

    private static Result run(InetSocketAddress server, int services, int clients, int seconds, boolean record) throws Exception {
        byte[][] queries = new byte[services][];
        for (int i = 0; i < services; i++) {
            queries[i] = Message.newQuery(Record.newRecord(Name.fromString("svc-" + i + ".default.svc.cluster.local."), Type.A, DClass.IN)).toWire();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        AtomicLong lost = new AtomicLong();
        List<Latencies> all = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Latencies latencies = new Latencies();
            all.add(latencies);
            threads.add(Thread.ofPlatform().start(() -> {
                try (DatagramChannel channel = DatagramChannel.open()) {
                    channel.connect(server);
                    channel.socket().setSoTimeout(1000);
                    ByteBuffer in = ByteBuffer.allocate(512);
                    int id = 0;
                    while (System.nanoTime() < deadline) {
                        byte[] query = queries[ThreadLocalRandom.current().nextInt(services)].clone();
                        id = (id + 1) & 0xffff;
                        query[0] = (byte) (id >> 8);
                        query[1] = (byte) id;
                        long t0 = System.nanoTime();
                        channel.write(ByteBuffer.wrap(query));
                        if (!receive(channel, in, id)) {
                            lost.incrementAndGet();
                            continue;
                        }
                        long t1 = System.nanoTime();
                        // NOERROR with one answer record
                        if ((in.get(3) & 0x0f) != 0 || in.getShort(6) != 1) {
                            throw new IllegalStateException("unexpected answer rcode=" + (in.get(3) & 0x0f) + " answers=" + in.getShort(6));
                        }
                        if (record) {
                            latencies.add(t1 - t0);
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        Latencies merged = new Latencies();
        all.forEach(merged::addAll);
        return new Result(merged.count(), lost.get(), merged);
    }

    /** Reads answers until the one with {@code id} (a late answer to a lost query is skipped); false after a second without it. */
    private static boolean receive(DatagramChannel channel, ByteBuffer in, int id) throws Exception {
        var socket = channel.socket();
        byte[] buffer = in.array();
        var packet = new java.net.DatagramPacket(buffer, buffer.length);
        while (true) {
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                return false;
            }
            if ((((buffer[0] & 0xff) << 8) | (buffer[1] & 0xff)) == id) {
                return true;
            }
        }
    }
}
