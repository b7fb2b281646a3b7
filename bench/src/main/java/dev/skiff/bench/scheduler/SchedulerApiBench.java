package dev.skiff.bench.scheduler;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.bench.store.Latencies;
import dev.skiff.client.rest.RestClients;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration;
import dev.skiff.scheduler.app.SchedulerServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
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
 * (leader election off) and, per workload, its init pods (created and bound, not measured) and its
 * measured pods, created through the API by 64 concurrent writers. Per-pod latency is from just
 * before the pod's create request to when a watch sees it bound; throughput is pods over the time
 * from the first create to the last bind. Each workload's pods are deleted (grace period 0) before
 * the next one starts, so every workload starts on empty nodes as in upstream's fresh cluster per
 * workload. Scheduler, API server, store and this client share the JVM and the machine's cores, as
 * inside `skiff server`; the scheduler's client uses the API server's in-process transport (by default, as in `skiff server`)
 * (or, with {@code --scheduler-transport network}, HTTPS over loopback as a separate scheduler's), while the benchmark's
 * writers and watch use HTTPS. Asserts nothing.
 *
 * <p>Usage: {@code bin/bench scheduler-api [--nodes N] [--pods N] [--warmup N] [--repeat N] [--only NAME[,NAME...]] [--creates-only]
 * [--scheduler-transport in-process|network] [--writers-transport in-process|network] [--parallelism N]}; {@code --warmup}
 * is the number of unmeasured pods scheduled first (default 500), to see how much of a run is the JIT compiler's;
 * {@code --repeat} runs each workload that many times in a row (default 1): the warm-up's pods are plain, so the first run
 * of a workload also compiles the code paths only it takes (its plugins' PreFilter, Filter and Score);
 * {@code --parallelism} the scheduler's (KubeSchedulerConfiguration's, default 16, at most the cores less one as in `skiff server`).
 */
public final class SchedulerApiBench {
    private static final int WRITERS = 64;
    /** {@code --creates-only}: no scheduler; a pod counts once the watch has seen it created (the create path's share). */
    private static boolean createsOnly;
    /** {@code --parallelism}: the scheduler configuration's parallelism (upstream's default 16). */
    private static int parallelism = 16;
    private static final String NAMES = "SchedulingBasic|NodeAffinity|PodAntiAffinity|PodAffinity|TopologySpread|Preemption";

    /** scheduler_perf's workload: initPods created and bound first (not measured), then the measured pods. */
    record Workload(String name, int initPods, IntFunction<Pod> initPod, int pods, IntFunction<Pod> pod) {
        Workload(String name, int pods, IntFunction<Pod> pod) {
            this(name, 0, i -> null, pods, pod);
        }

        String namespace() {
            return name.toLowerCase(Locale.ROOT);
        }

        String initNamespace() {
            return namespace() + "-init";
        }
    }

    /** One batch of pods: when the first create was sent, when the last create returned, when the last bind was seen. */
    record Batch(long first, long created, long lastBound, Latencies latencies, Latencies watched, long cpuNanos) {
    }

    public static void main(String[] args) throws Exception {
        int nodes = 5000;
        int pods = 10_000;
        int warmup = 500;
        int repeat = 1;
        String only = null;
        boolean inProcess = true;
        boolean writersInProcess = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--nodes" -> nodes = Integer.parseInt(args[++i]);
                case "--pods" -> pods = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--only" -> only = args[++i];
                case "--creates-only" -> createsOnly = true;
                case "--parallelism" -> parallelism = Integer.parseInt(args[++i]);
                case "--scheduler-transport" -> inProcess = inProcess(args[++i]);
                case "--writers-transport" -> writersInProcess = inProcess(args[++i]);
                default -> {
                    System.err.println("usage: bin/bench scheduler-api [--nodes N] [--pods N] [--warmup N] [--repeat N] [--only NAME[,NAME...]] [--creates-only]"
                            + " [--scheduler-transport in-process|network] [--writers-transport in-process|network] [--parallelism N] (" + NAMES + ")");
                    System.exit(2);
                }
            }
        }
        // sizes of upstream's 5000Nodes cases, scaled with the node count
        String anti = "podantiaffinity";
        String affinity = "podaffinity";
        List<Workload> workloads = List.of(
                new Workload("SchedulingBasic", pods, i -> SchedulerBench.basePod("basic-" + i).build()),
                new Workload("NodeAffinity", pods / 2, i -> SchedulerBench.nodeAffinityPod("aff-" + i)),
                new Workload("PodAntiAffinity", nodes / 5, i -> SchedulerBench.antiAffinityPod("anti-init-" + i, List.of(anti, anti + "-init")),
                        nodes / 5, i -> SchedulerBench.antiAffinityPod("anti-" + i, List.of(anti, anti + "-init"))),
                new Workload("PodAffinity", nodes, i -> SchedulerBench.affinityPod("podaff-init-" + i, List.of(affinity, affinity + "-init")),
                        nodes, i -> SchedulerBench.affinityPod("podaff-" + i, List.of(affinity, affinity + "-init"))),
                new Workload("TopologySpread", nodes, i -> SchedulerBench.basePod("spread-init-" + i).build(),
                        nodes * 2 / 5, i -> SchedulerBench.spreadPod("spread-" + i)),
                new Workload("Preemption", 4 * nodes, i -> SchedulerBench.lowPriorityPod("low-" + i),
                        nodes, i -> SchedulerBench.highPriorityPod("high-" + i)));
        List<String> selected = only == null ? workloads.stream().map(Workload::name).toList() : List.of(only.split(","));
        for (String name : selected) {
            if (workloads.stream().noneMatch(w -> w.name().equals(name))) {
                System.err.println("no workload " + name + "; one of " + NAMES);
                System.exit(2);
            }
        }
        Path dir = Files.createTempDirectory("skiff-scheduler-bench");
        try (var controlPlane = LocalControlPlane.start(dir); KubernetesClient client = writersInProcess
                ? RestClients.inProcess(controlPlane.kubeconfig(), controlPlane.controlPlane().apiServer()::inProcessClients)
                : RestClients.fromKubeconfig(controlPlane.kubeconfig())) {
            long t0 = System.nanoTime();
            createAll(nodes, i -> client.resource(node(i)).create());
            System.out.printf(Locale.ROOT, "# %d nodes created through the API in %.1f s; %d cores, JDK %s%n", nodes,
                    (System.nanoTime() - t0) / 1e9, Runtime.getRuntime().availableProcessors(), Runtime.version());
            client.resource(new PriorityClassBuilder().withNewMetadata().withName(SchedulerBench.HIGH_PRIORITY_CLASS).endMetadata()
                    .withValue(SchedulerBench.HIGH_PRIORITY).build()).create();
            if (createsOnly) {
                System.out.println("# --creates-only: no scheduler; pods/s and latencies are of creates seen by the watch");
            }
            System.out.printf(Locale.ROOT, "# the scheduler's client: %s; the writers': %s%n", inProcess ? "in-process transport" : "HTTPS over loopback",
                    writersInProcess ? "in-process transport" : "HTTPS over loopback");
            System.out.printf(Locale.ROOT, "# the scheduler's parallelism: %d (configured %d, at most the cores less one)%n",
                    config(parallelism).parallelism(), parallelism);
            try (KubernetesClient schedulerClient = inProcess
                    ? RestClients.inProcess(controlPlane.kubeconfig(), controlPlane.controlPlane().apiServer()::inProcessClients)
                    : RestClients.fromKubeconfig(controlPlane.kubeconfig());
                 var scheduler = createsOnly ? null : SchedulerServer.start(schedulerClient, config(parallelism), false)) {
                long w0 = System.nanoTime();
                run(client, new Workload("warmup", warmup, i -> SchedulerBench.basePod("w-" + i).build()), nodes, false);
                System.out.printf(Locale.ROOT, "# warm-up: %d pods scheduled and deleted in %.1f s%n", warmup, (System.nanoTime() - w0) / 1e9);
                System.out.printf(Locale.ROOT, "| workload | nodes | init pods | pods | pods/s | p50 ms | p99 ms | creates/s |%n"
                        + "|---|---|---|---|---|---|---|---|%n");
                for (Workload w : workloads) {
                    if (selected.contains(w.name())) {
                        for (int r = 1; r <= repeat; r++) {
                            if (repeat > 1) {
                                System.out.printf(Locale.ROOT, "#   %s: run %d of %d%n", w.name(), r, repeat);
                            }
                            run(client, w, nodes, true);
                        }
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
        if (w.initPods() > 0) {
            long t0 = System.nanoTime();
            schedule(client, w.name(), w.initNamespace(), w.initPods(), w.initPod());
            if (print) {
                System.out.printf(Locale.ROOT, "#   %s: %d init pods created and bound in %.1f s%n", w.name(), w.initPods(), (System.nanoTime() - t0) / 1e9);
            }
        }
        Batch b = schedule(client, w.name(), w.namespace(), w.pods(), w.pod());
        if (print) {
            double seconds = (b.lastBound() - b.first()) / 1e9;
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %.0f | %.1f | %.1f | %.0f |%n", w.name(), nodes, w.initPods(), w.pods(),
                    w.pods() / seconds, b.latencies().percentileMillis(0.5), b.latencies().percentileMillis(0.99),
                    w.pods() / ((b.created() - b.first()) / 1e9));
            System.out.printf(Locale.ROOT, "#   %s: create -> seen unbound by a watch: p50 %.1f ms, p99 %.1f ms (%d seen before binding)%n",
                    w.name(), b.watched().percentileMillis(0.5), b.watched().percentileMillis(0.99), b.watched().count());
            System.out.printf(Locale.ROOT, "#   %s: CPU of this process (API server, store, scheduler, writers, watch) per pod %.2f ms, %.2f cores busy%n",
                    w.name(), b.cpuNanos() / 1e6 / w.pods(), b.cpuNanos() / (double) (b.lastBound() - b.first()));
            if (w.initPods() > 0) {
                int left = client.pods().inNamespace(w.initNamespace()).list().getItems().size();
                System.out.printf(Locale.ROOT, "#   %s: %d of the %d init pods deleted by preemption%n", w.name(), w.initPods() - left, w.initPods());
            }
        }
        long t0 = System.nanoTime();
        for (String ns : w.initPods() > 0 ? List.of(w.namespace(), w.initNamespace()) : List.of(w.namespace())) {
            client.pods().inNamespace(ns).withGracePeriod(0).delete();
        }
        if (print) {
            System.out.printf(Locale.ROOT, "#   %s: its pods deleted in %.1f s%n", w.name(), (System.nanoTime() - t0) / 1e9);
        }
    }

    /** The defaults with {@code parallelism} made what `skiff server` makes it. */
    private static KubeSchedulerConfiguration config(int parallelism) {
        return KubeSchedulerConfiguration.defaults().withParallelism(parallelism).sharingTheApiServerProcess();
    }

    private static boolean inProcess(String transport) {
        return switch (transport) {
            case "in-process" -> true;
            case "network" -> false;
            default -> throw new IllegalArgumentException("a transport is in-process or network, not " + transport);
        };
    }

    /** Creates count pods in ns (made if new; a repeated run finds it empty) and waits until a watch has seen every one bound. */
    private static Batch schedule(KubernetesClient client, String workload, String ns, int count, IntFunction<Pod> template) throws Exception {
        if (client.namespaces().withName(ns).get() == null) {
            client.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }
        // a repeated run reuses the pod names: its informer must not see the last run's bound pods
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); !client.pods().inNamespace(ns).list().getItems().isEmpty(); ) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(workload + ": the pods of the last run in " + ns + " are still there");
            }
            Thread.sleep(50);
        }
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Latencies latencies = new Latencies();
        Latencies watched = new Latencies();
        CountDownLatch allBound = new CountDownLatch(count);
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
                if ((createsOnly || pod.getSpec().getNodeName() != null) && seen.add(name)) {
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
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long first = System.nanoTime();
        createAll(count, i -> {
            Pod pod = template.apply(i);
            pod.getMetadata().setNamespace(ns);
            sent.put(pod.getMetadata().getName(), System.nanoTime());
            client.resource(pod).create();
        });
        long created = System.nanoTime();
        if (!allBound.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException(workload + ": only " + (count - allBound.getCount()) + " of " + count + " pods in " + ns + " bound");
        }
        long cpu = os.getProcessCpuTime() - cpu0;
        informer.close();
        synchronized (latencies) {
            return new Batch(first, created, lastBound[0], latencies, watched, cpu);
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

    /**
     * The in-memory benchmark's node (4 cpu, 32Gi, 110 pods, ten zones, pools a/b), Ready as a kubelet reports it, and
     * labelled hollow (no kubelet to scrape metrics from).
     */
    private static Node node(int i) {
        return new NodeBuilder(SchedulerBench.node(i)).editMetadata().addToLabels(dev.skiff.api.core.v1.SimulatedNodes.LABEL, "true")
                .endMetadata().editStatus().withCapacity(SchedulerBench.node(i).getStatus().getAllocatable())
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").endCondition().endStatus().build();
    }
}
