package dev.skiff.bench.scheduler;

import dev.skiff.bench.store.Latencies;
import dev.skiff.scheduler.PodWriter;
import dev.skiff.scheduler.Scheduler;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration;
import dev.skiff.scheduler.framework.plugins.defaultbinder.Binder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The scheduler core in memory (no API server): scheduler_perf-shaped workloads run through the
 * real queue, cache, framework and plugins; bindings go to a counting sink and are confirmed back
 * into the cache as an informer would. Prints a markdown table of pods/s and per-pod scheduling
 * latency (pop to bound, binding inline); asserts nothing.
 *
 * <p>Usage: {@code bin/bench scheduler [--nodes N] [--pods N] [--only NAME]}
 */
public final class SchedulerBench {
    private static final String ZONE = "topology.kubernetes.io/zone";

    record Workload(String name, int nodes, int pods, IntFunction<Pod> pod) {
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
                    System.err.println("usage: bin/bench scheduler [--nodes N] [--pods N] [--only NAME]");
                    System.exit(2);
                }
            }
        }
        List<Workload> workloads = List.of(
                new Workload("SchedulingBasic", nodes, pods, i -> basePod("basic-" + i).build()),
                new Workload("NodeAffinity", nodes, pods / 2, i -> basePod("aff-" + i).editSpec().withNewAffinity().withNewNodeAffinity()
                        .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm()
                        .withMatchExpressions(new NodeSelectorRequirementBuilder().withKey("pool").withOperator("In").withValues("a").build())
                        .endNodeSelectorTerm().endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity()
                        .endSpec().build()),
                new Workload("PodAntiAffinity", nodes, Math.min(pods, nodes) / 5, i -> basePod("anti-" + i).editMetadata()
                        .addToLabels("color", "green").endMetadata().editSpec().withNewAffinity().withNewPodAntiAffinity()
                        .addToRequiredDuringSchedulingIgnoredDuringExecution(new PodAffinityTermBuilder().withTopologyKey("kubernetes.io/hostname")
                                .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels("color", "green").build()).build())
                        .endPodAntiAffinity().endAffinity().endSpec().build()),
                new Workload("TopologySpread", nodes, pods / 2, i -> basePod("spread-" + i).editMetadata().addToLabels("app", "spread")
                        .endMetadata().editSpec().addToTopologySpreadConstraints(new TopologySpreadConstraintBuilder().withMaxSkew(1)
                                .withTopologyKey(ZONE).withWhenUnsatisfiable("DoNotSchedule")
                                .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels("app", "spread").build()).build())
                        .endSpec().build()));
        System.out.printf(Locale.ROOT, "| workload | nodes | pods | pods/s | p50 ms | p99 ms |%n|---|---|---|---|---|---|%n");
        // warm-up: JIT the cycle before measuring
        run(new Workload("warmup", 500, 3000, i -> basePod("w-" + i).build()));
        for (Workload w : workloads) {
            if (only != null && !only.equals(w.name())) {
                continue;
            }
            Result r = run(w);
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %.0f | %.2f | %.2f |%n", w.name(), w.nodes(), w.pods(),
                    r.podsPerSecond, r.latencies.percentileMillis(0.5), r.latencies.percentileMillis(0.99));
        }
    }

    record Result(double podsPerSecond, Latencies latencies) {
    }

    static Result run(Workload w) throws Exception {
        AtomicInteger bound = new AtomicInteger();
        Scheduler[] self = new Scheduler[1];
        Binder binder = (pod, node) -> {
            bound.incrementAndGet();
            self[0].onPodAdd(new PodBuilder(pod).editSpec().withNodeName(node).endSpec().build());
        };
        PodWriter failures = new PodWriter() {
            @Override
            public void recordFailure(Pod pod, String reason, String message, String nominatedNodeName) {
                throw new IllegalStateException("workload " + w.name() + " left pod " + pod.getMetadata().getName() + " unscheduled: " + message);
            }

            @Override
            public void deleteVictim(Pod victim, Pod preemptor) {
            }
        };
        Latencies latencies = new Latencies();
        try (Scheduler s = new Scheduler(KubeSchedulerConfiguration.defaults(), Clock.systemUTC(), new SplittableRandom(1), binder,
                failures, Runnable::run)) {
            self[0] = s;
            for (int i = 0; i < w.nodes(); i++) {
                s.onNodeAdd(node(i));
            }
            List<Pod> pods = new ArrayList<>(w.pods());
            for (int i = 0; i < w.pods(); i++) {
                pods.add(w.pod().apply(i));
            }
            pods.forEach(s::onPodAdd);
            long start = System.nanoTime();
            while (bound.get() < w.pods()) {
                long t0 = System.nanoTime();
                if (!s.scheduleNext(1, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("queue ran dry at " + bound.get() + " of " + w.pods());
                }
                latencies.add(System.nanoTime() - t0);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Result(w.pods() / seconds, latencies);
        }
    }

    /** upstream scheduler_perf's node-default: 4 cpu, 32Gi, 110 pods; ten zones; half the nodes in pool a. */
    static Node node(int i) {
        return new NodeBuilder().withNewMetadata().withName("node-" + i).addToLabels("kubernetes.io/hostname", "node-" + i)
                .addToLabels(ZONE, "zone-" + (i % 10)).addToLabels("pool", i % 2 == 0 ? "a" : "b").endMetadata()
                .withNewSpec().endSpec().withNewStatus().addToAllocatable("cpu", new Quantity("4"))
                .addToAllocatable("memory", new Quantity("32Gi")).addToAllocatable("pods", new Quantity("110")).endStatus().build();
    }

    /** upstream scheduler_perf's pod-default: one container requesting 100m cpu and 500Mi memory. */
    static PodBuilder basePod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().addNewContainer().withName("pause").withImage("registry.k8s.io/pause:3.10").withNewResources()
                .addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("500Mi")).endResources()
                .endContainer().endSpec();
    }
}
