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
    private static final String REGION = "topology.kubernetes.io/region";
    /** The PriorityClass of the Preemption workload's preemptors. */
    static final String HIGH_PRIORITY_CLASS = "scheduler-perf-high";
    static final int HIGH_PRIORITY = 10_000;

    /** scheduler_perf's workload: initPods scheduled first and not measured, then the measured pods. */
    record Workload(String name, int nodes, int initPods, IntFunction<Pod> initPod, int pods, IntFunction<Pod> pod) {
        Workload(String name, int nodes, int pods, IntFunction<Pod> pod) {
            this(name, nodes, 0, i -> null, pods, pod);
        }
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
                new Workload("NodeAffinity", nodes, pods / 2, i -> nodeAffinityPod("aff-" + i)),
                new Workload("PodAntiAffinity", nodes, Math.min(pods, nodes) / 5, i -> antiAffinityPod("anti-" + i, List.of())),
                new Workload("TopologySpread", nodes, pods / 2, i -> spreadPod("spread-" + i)),
                // upstream's PreemptionBasic: every node full of low-priority pods, then pods that fit only by preempting
                new Workload("Preemption", nodes, 4 * nodes, i -> lowPriorityPod("low-" + i), Math.min(pods, nodes),
                        i -> highPriorityPod("high-" + i)));
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
        List<Pod> victims = java.util.Collections.synchronizedList(new ArrayList<>()); // preemption deletes a node's victims concurrently
        PodWriter failures = new PodWriter() {
            @Override
            public void recordFailure(Pod pod, String reason, String message, String nominatedNodeName) {
                if (nominatedNodeName == null || nominatedNodeName.isEmpty()) {
                    throw new IllegalStateException("workload " + w.name() + " left pod " + pod.getMetadata().getName() + " unscheduled: " + message);
                }
            }

            @Override
            public void deleteVictim(Pod victim, Pod preemptor) {
                victims.add(victim);
            }
        };
        try (Scheduler s = new Scheduler(KubeSchedulerConfiguration.defaults(), Clock.systemUTC(), new SplittableRandom(1), binder,
                failures, Runnable::run)) {
            self[0] = s;
            for (int i = 0; i < w.nodes(); i++) {
                s.onNodeAdd(node(i));
            }
            schedule(s, w, w.initPods(), w.initPod(), bound, victims);
            bound.set(0);
            return schedule(s, w, w.pods(), w.pod(), bound, victims);
        }
    }

    /**
     * Queues count pods and runs cycles until all are bound. A deleted victim is confirmed to the
     * scheduler after its cycle, as the informer would; the housekeeping tick (back-off flush) runs
     * whenever the queue has nothing ready, as the server's one-second tick would.
     */
    private static Result schedule(Scheduler s, Workload w, int count, IntFunction<Pod> template, AtomicInteger bound, List<Pod> victims)
            throws InterruptedException {
        Latencies latencies = new Latencies();
        List<Pod> pods = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            pods.add(template.apply(i));
        }
        pods.forEach(s::onPodAdd);
        long start = System.nanoTime();
        long lastProgress = start;
        while (bound.get() < count) {
            long t0 = System.nanoTime();
            if (s.scheduleNext(50, TimeUnit.MILLISECONDS)) {
                latencies.add(System.nanoTime() - t0);
                lastProgress = System.nanoTime();
                victims.forEach(s::onPodDelete);
                victims.clear();
            } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(30)) {
                throw new IllegalStateException(w.name() + ": queue ran dry at " + bound.get() + " of " + count);
            } else {
                s.tick();
            }
        }
        return new Result(count / ((System.nanoTime() - start) / 1e9), latencies);
    }

    /**
     * upstream scheduler_perf's node-default: 4 cpu, 32Gi, 110 pods; ten zones, all in one region;
     * half the nodes in pool a.
     */
    static Node node(int i) {
        return new NodeBuilder().withNewMetadata().withName("node-" + i).addToLabels("kubernetes.io/hostname", "node-" + i)
                .addToLabels(ZONE, "zone-" + (i % 10)).addToLabels(REGION, "region-1").addToLabels("pool", i % 2 == 0 ? "a" : "b").endMetadata()
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

    /** Required node affinity {@code pool In [a]}: half the nodes. */
    static Pod nodeAffinityPod(String name) {
        return basePod(name).editSpec().withNewAffinity().withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm()
                .withMatchExpressions(new NodeSelectorRequirementBuilder().withKey("pool").withOperator("In").withValues("a").build())
                .endNodeSelectorTerm().endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity()
                .endSpec().build();
    }

    /**
     * upstream's pod-with-pod-anti-affinity: labelled color=green, required anti-affinity to
     * color=green pods on the same hostname in the given namespaces (none: the pod's own).
     */
    static Pod antiAffinityPod(String name, List<String> namespaces) {
        return basePod(name).editMetadata().addToLabels("color", "green").endMetadata().editSpec().withNewAffinity().withNewPodAntiAffinity()
                .addToRequiredDuringSchedulingIgnoredDuringExecution(new PodAffinityTermBuilder().withTopologyKey("kubernetes.io/hostname")
                        .withNamespaces(namespaces)
                        .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels("color", "green").build()).build())
                .endPodAntiAffinity().endAffinity().endSpec().build();
    }

    /**
     * upstream's pod-with-pod-affinity: labelled color=blue, required affinity to color=blue pods in
     * the same domain, in the given namespaces. Upstream's nodes all share one zone and the
     * term's key is the zone; here the nodes have ten zones (for TopologySpread), so the term's key
     * is the region they all share: the same single domain.
     */
    static Pod affinityPod(String name, List<String> namespaces) {
        return basePod(name).editMetadata().addToLabels("color", "blue").endMetadata().editSpec().withNewAffinity().withNewPodAffinity()
                .addToRequiredDuringSchedulingIgnoredDuringExecution(new PodAffinityTermBuilder().withTopologyKey(REGION)
                        .withNamespaces(namespaces)
                        .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels("color", "blue").build()).build())
                .endPodAffinity().endAffinity().endSpec().build();
    }

    /** Spread over zones with maxSkew 1, DoNotSchedule, among color=blue pods (upstream's template uses maxSkew 5). */
    static Pod spreadPod(String name) {
        return basePod(name).editMetadata().addToLabels("color", "blue").endMetadata().editSpec()
                .addToTopologySpreadConstraints(new TopologySpreadConstraintBuilder().withMaxSkew(1).withTopologyKey(ZONE)
                        .withWhenUnsatisfiable("DoNotSchedule")
                        .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels("color", "blue").build()).build())
                .endSpec().build();
    }

    /** upstream's pod-low-priority: 900m cpu, 500Mi, no priority, terminationGracePeriodSeconds 0 (no kubelet confirms a deletion). */
    static Pod lowPriorityPod(String name) {
        return resources(basePod(name), "900m").editSpec().withTerminationGracePeriodSeconds(0L).endSpec().build();
    }

    /**
     * upstream's pod-high-priority: 3970m cpu, 500Mi, priority 10000 - on a node of four 900m pods
     * it fits only when all four are preempted. Named by its PriorityClass as well, for the API server.
     */
    static Pod highPriorityPod(String name) {
        return resources(basePod(name), "3970m").editSpec().withPriorityClassName(HIGH_PRIORITY_CLASS).withPriority(HIGH_PRIORITY)
                .withTerminationGracePeriodSeconds(0L).endSpec().build();
    }

    private static PodBuilder resources(PodBuilder pod, String cpu) {
        return pod.editSpec().editFirstContainer().editResources().addToRequests("cpu", new Quantity(cpu)).endResources()
                .endContainer().endSpec();
    }
}
