package dev.skiff.bench.proxy;

import dev.skiff.proxy.Endpoint;
import dev.skiff.proxy.ServicePort;
import dev.skiff.proxy.ServicePortName;
import dev.skiff.proxy.iptables.IptablesRunner;
import dev.skiff.proxy.iptables.Proxier;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The service proxy's sync time: rule generation plus the real {@code iptables-restore} (nf_tables
 * backend) into a throwaway network namespace, never the host's rules. For each size: the first full
 * sync into an empty namespace, partial syncs after one service's endpoints changed, a periodic sync
 * with no change, a full resync by a restarted proxy (iptables-save included), and the cleanup.
 * Services are ClusterIP on port 80, every tenth also a NodePort, with 2-5 endpoints each.
 *
 * <p>Usage: {@code bin/bench proxy [--services 1000,10000] [--rounds 5] [--iptables iptables|iptables-legacy]}
 * ({@code iptables} is the host's choice, nf_tables here). Needs root. Prints figures; asserts nothing.
 */
public final class ProxyBench {
    private ProxyBench() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = List.of(1000, 10000);
        int rounds = 5;
        String binary = "iptables";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--services" -> sizes = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--iptables" -> binary = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--services N,M --rounds R --iptables iptables|iptables-legacy)");
            }
        }
        for (int size : sizes) {
            run(size, rounds, binary);
        }
    }

    private static void run(int size, int rounds, String binary) throws Exception {
        String ns = "skpbench-" + ProcessHandle.current().pid();
        sh("ip", "netns", "add", ns);
        try {
            var iptables = new IptablesRunner(List.of("ip", "netns", "exec", ns), binary);
            var state = services(size);
            int endpoints = state.values().stream().mapToInt(p -> p.getFirst().endpoints().size()).sum();
            System.out.printf("services=%d endpoints=%d binary=%s%n", size, endpoints, binary);
            var proxier = new Proxier(iptables, new Proxier.Config("10.244.0.0/16", Duration.ofHours(1)), Clock.systemUTC());
            print("full sync (empty namespace)", proxier.sync(state));
            System.out.printf("  rules in the namespace: %d lines of iptables-save%n", iptables.save("nat").lines().count()
                    + iptables.save("filter").lines().count());
            var partial = new ArrayList<Proxier.SyncResult>();
            for (int r = 0; r < rounds; r++) {
                // one service gains or loses an endpoint, as a rollout step does
                String key = "bench/svc-" + (r * 7919 % size);
                ServicePort port = state.get(key).getFirst();
                var eps = new ArrayList<>(port.endpoints());
                if (r % 2 == 0) {
                    eps.add(new Endpoint("10.245." + (r / 256) + "." + (r % 256), 8080, true, true, false, false));
                } else {
                    eps.removeLast();
                }
                state.put(key, List.of(withEndpoints(port, eps)));
                partial.add(proxier.sync(state));
            }
            print("partial sync, one service changed (median of " + rounds + ")", median(partial));
            print("periodic sync, nothing changed", proxier.sync(state));
            var restarted = new Proxier(iptables, new Proxier.Config("10.244.0.0/16", Duration.ofHours(1)), Clock.systemUTC());
            print("full resync by a restarted proxy", restarted.sync(state));
            long start = System.nanoTime();
            restarted.cleanup();
            System.out.printf("  cleanup: %.0f ms%n", (System.nanoTime() - start) / 1e6);
        } finally {
            sh("ip", "netns", "del", ns);
        }
    }

    private static Map<String, List<ServicePort>> services(int size) {
        var state = new HashMap<String, List<ServicePort>>();
        int next = 0;
        for (int i = 0; i < size; i++) {
            var eps = new ArrayList<Endpoint>();
            for (int e = 0; e < 2 + i % 4; e++, next++) {
                eps.add(new Endpoint("10.244." + (next / 256) + "." + (next % 256), 8080, true, true, false, false));
            }
            String ip = "10.96." + (i / 250) + "." + (1 + i % 250);
            state.put("bench/svc-" + i, List.of(new ServicePort(new ServicePortName("bench", "svc-" + i, "http"), ip, 80, "tcp",
                    i % 10 == 0 ? 30000 + i / 10 % 2768 : 0, List.of(), List.of(), 0, false, false, List.copyOf(eps))));
        }
        return state;
    }

    private static ServicePort withEndpoints(ServicePort p, List<Endpoint> endpoints) {
        return new ServicePort(p.name(), p.clusterIp(), p.port(), p.protocol(), p.nodePort(), p.externalIps(), p.loadBalancerIps(),
                p.stickyMaxAgeSeconds(), p.externalPolicyLocal(), p.internalPolicyLocal(), List.copyOf(endpoints));
    }

    private static Proxier.SyncResult median(List<Proxier.SyncResult> results) {
        var sorted = new ArrayList<>(results);
        sorted.sort((a, b) -> a.generate().plus(a.restore()).compareTo(b.generate().plus(b.restore())));
        return sorted.get(sorted.size() / 2);
    }

    private static void print(String what, Proxier.SyncResult r) {
        System.out.printf("  %s: total %.0f ms = prepare %.0f ms (rules%s) + iptables-restore %.0f ms; input %d KiB, %d chains written, %d deleted%n",
                what, (r.generate().toNanos() + r.restore().toNanos()) / 1e6, r.generate().toNanos() / 1e6,
                r.full() ? " and iptables-save" : "", r.restore().toNanos() / 1e6, r.bytes() / 1024, r.chainsWritten(), r.chainsDeleted());
    }

    private static void sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed");
        }
    }
}
