package dev.skiff.bench.scheduler;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.bench.store.Latencies;
import dev.skiff.client.rest.RestClients;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration;
import dev.skiff.scheduler.app.SchedulerServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * scheduler_perf against the real API server: an in-process control plane (embedded store), N Node
 * objects created through the API (no kubelets, as upstream's scheduler_perf), then the scheduler
 * (leader election off) and pods created through the API by 64 concurrent writers. Per-pod latency
 * is from just before the pod's create request to when a watch sees it bound; throughput is pods
 * over the time from the first create to the last bind. Scheduler, API server, store and this
 * client share the JVM and the machine's cores, as inside `skiff server`. Asserts nothing.
 *
 * <p>Usage: {@code bin/bench scheduler-api [--nodes N] [--pods N] [--only NAME]}
 */
public final class SchedulerApiBench {
    private static final int WRITERS = 64;

    record Workload(String name, int pods, IntFunction<Pod> pod) {
    }

    public static void main(String[] args) throws Exception {
        int nodes = 5000;
        int pods = 10_000;
        String only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--nodes" -> nodes = Integer.parseInt(args[++i]);
                case "--pods" -> pods = Integer.parseInt(args[++i]);
                case "--only" -> only = args[++i];
                default -> {
                    System.err.println("usage: bin/bench scheduler-api [--nodes N] [--pods N] [--only SchedulingBasic|NodeAffinity]");
                    System.exit(2);
                }
            }
        }
        List<Workload> workloads = List.of(
                new Workload("SchedulingBasic", pods, i -> SchedulerBench.basePod("basic-" + i).build()),
                new Workload("NodeAffinity", pods / 2, i -> SchedulerBench.basePod("aff-" + i).editSpec().withNewAffinity().withNewNodeAffinity()
                        .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm()
                        .withMatchExpressions(new NodeSelectorRequirementBuilder().withKey("pool").withOperator("In").withValues("a").build())
                        .endNodeSelectorTerm().endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity()
                        .endSpec().build()));
        Path dir = Files.createTempDirectory("skiff-scheduler-bench");
        try (var controlPlane = LocalControlPlane.start(dir); KubernetesClient client = RestClients.fromKubeconfig(controlPlane.kubeconfig())) {
            long t0 = System.nanoTime();
            createAll(nodes, i -> client.resource(node(i)).create());
            System.out.printf(Locale.ROOT, "# %d nodes created through the API in %.1f s; %d cores, JDK %s%n", nodes,
                    (System.nanoTime() - t0) / 1e9, Runtime.getRuntime().availableProcessors(), Runtime.version());
            System.out.printf(Locale.ROOT, "| workload | nodes | pods | pods/s | p50 ms | p99 ms | creates/s |%n|---|---|---|---|---|---|---|%n");
            try (var scheduler = SchedulerServer.start(client, KubeSchedulerConfiguration.defaults(), false)) {
                run(client, new Workload("warmup", 500, i -> SchedulerBench.basePod("w-" + i).build()), nodes, false);
                for (Workload w : workloads) {
                    if (only == null || only.equals(w.name())) {
                        run(client, w, nodes, true);
                    }
                }
            }
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0);
    }

    private static void run(KubernetesClient client, Workload w, int nodes, boolean print) throws Exception {
        String ns = w.name().toLowerCase(Locale.ROOT);
        client.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Latencies latencies = new Latencies();
        Latencies watched = new Latencies();
        CountDownLatch allBound = new CountDownLatch(w.pods());
        long[] lastBound = new long[1];
        var seen = ConcurrentHashMap.<String>newKeySet();
        var seenUnbound = ConcurrentHashMap.<String>newKeySet();
        var informer = client.pods().inNamespace(ns).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                check(pod);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
                check(newPod);
            }

            @Override
            public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
            }

            private void check(Pod pod) {
                String name = pod.getMetadata().getName();
                if (pod.getSpec().getNodeName() == null && seenUnbound.add(name)) {
                    Long start = sent.get(name);
                    if (start != null) {
                        synchronized (watched) {
                            watched.add(System.nanoTime() - start);
                        }
                    }
                }
                if (pod.getSpec().getNodeName() != null && seen.add(name)) {
                    long now = System.nanoTime();
                    Long start = sent.get(name);
                    synchronized (latencies) {
                        if (start != null) {
                            latencies.add(now - start);
                        }
                        lastBound[0] = Math.max(lastBound[0], now);
                    }
                    allBound.countDown();
                }
            }
        }, 0);
        long first = System.nanoTime();
        createAll(w.pods(), i -> {
            Pod pod = w.pod().apply(i);
            pod.getMetadata().setNamespace(ns);
            sent.put(pod.getMetadata().getName(), System.nanoTime());
            client.resource(pod).create();
        });
        long created = System.nanoTime();
        if (!allBound.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException(w.name() + ": only " + (w.pods() - allBound.getCount()) + " of " + w.pods() + " bound");
        }
        informer.close();
        if (print) {
            double seconds = (lastBound[0] - first) / 1e9;
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %.0f | %.1f | %.1f | %.0f |%n", w.name(), nodes, w.pods(), w.pods() / seconds,
                    latencies.percentileMillis(0.5), latencies.percentileMillis(0.99), w.pods() / ((created - first) / 1e9));
            System.out.printf(Locale.ROOT, "#   %s: create -> seen unbound by a watch: p50 %.1f ms, p99 %.1f ms (%d seen before binding)%n",
                    w.name(), watched.percentileMillis(0.5), watched.percentileMillis(0.99), watched.count());
        }
    }

    /** Runs {@code create} for 0..count-1 with {@link #WRITERS} requests in flight. */
    private static void createAll(int count, java.util.function.IntConsumer create) throws InterruptedException {
        Semaphore inFlight = new Semaphore(WRITERS);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                int index = i;
                inFlight.acquire();
                pool.submit(() -> {
                    try {
                        create.accept(index);
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
    }

    /** The in-memory benchmark's node (4 cpu, 32Gi, 110 pods, ten zones, pools a/b), Ready as a kubelet reports it. */
    private static Node node(int i) {
        return new NodeBuilder(SchedulerBench.node(i)).editStatus().withCapacity(SchedulerBench.node(i).getStatus().getAllocatable())
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").endCondition().endStatus().build();
    }
}
