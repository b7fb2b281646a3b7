package dev.skiff.bench.controller;

import dev.skiff.agent.kubelet.Kubelet;
import dev.skiff.agent.simulated.SimulatedNodes;
import dev.skiff.agent.simulated.SimulatedPodSyncer;
import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import dev.skiff.controller.ControllerManager;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration;
import dev.skiff.scheduler.app.SchedulerServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The controller manager at scale, everything real but the containers: an in-process control plane
 * (embedded store), the scheduler and every controller as inside {@code skiff server}, and
 * {@code skiff agent --simulated}'s hollow nodes reporting pods Running. Two workloads from the
 * controller issue: a deployment scaled from 0 to N replicas until all N pods are Running (seen by a
 * watch), and a rolling update of an M-replica deployment until {@code kubectl rollout status} would
 * report success. Asserts nothing.
 *
 * The scheduler and controllers use the API server's in-process transport by default ({@code
 * --in-server-transport network}: HTTPS over loopback); the hollow nodes and the benchmark's watch use HTTPS.
 *
 * <p>Usage: {@code bin/bench controller [--nodes N] [--replicas N] [--rollout-replicas N] [--in-server-transport in-process|network]}
 */
public final class ControllerBench {
    private static final String NS = "bench";

    public static void main(String[] args) throws Exception {
        int nodes = 100;
        int replicas = 3000;
        int rolloutReplicas = 1000;
        boolean inProcess = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--nodes" -> nodes = Integer.parseInt(args[++i]);
                case "--replicas" -> replicas = Integer.parseInt(args[++i]);
                case "--rollout-replicas" -> rolloutReplicas = Integer.parseInt(args[++i]);
                case "--in-server-transport" -> inProcess = switch (args[++i]) {
                    case "in-process" -> true;
                    case "network" -> false;
                    default -> throw new IllegalArgumentException("--in-server-transport: in-process or network");
                };
                default -> {
                    System.err.println("usage: bin/bench controller [--nodes N] [--replicas N] [--rollout-replicas N]"
                            + " [--in-server-transport in-process|network]");
                    System.exit(2);
                }
            }
        }
        Path dir = Files.createTempDirectory("skiff-controller-bench");
        Clock clock = Clock.systemUTC();
        try (var controlPlane = LocalControlPlane.start(dir); KubernetesClient client = RestClients.fromKubeconfig(controlPlane.kubeconfig());
             var kubelet = Kubelet.start(client, clock, new Kubelet.Config(40, Duration.ofMinutes(5), null, 32),
                     SimulatedNodes.fleet("sim", nodes, 110, Map.of(), List.of()), node -> {
                         int i = Integer.parseInt(node.substring("sim-".length()));
                         return new SimulatedPodSyncer(SimulatedNodes.internalIp(i), SimulatedNodes.podCidrPrefix(i), clock);
                     });
             KubernetesClient inServer = inProcess
                     ? RestClients.inProcess(controlPlane.kubeconfig(), controlPlane.controlPlane().apiServer()::inProcessClients)
                     : RestClients.fromKubeconfig(controlPlane.kubeconfig());
             var scheduler = SchedulerServer.start(inServer, KubeSchedulerConfiguration.defaults(), false);
             var manager = ControllerManager.start(inServer, List.of("*"), false, ControllerManager.DEFAULT_WORKERS)) {
            System.out.printf(Locale.ROOT, "# scheduler and controllers: %s%n", inProcess ? "in-process transport" : "HTTPS over loopback");
            client.resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
            SharedIndexInformer<Pod> pods = client.pods().inNamespace(NS).inform(new ResourceEventHandler<>() {
                @Override
                public void onAdd(Pod obj) {
                }

                @Override
                public void onUpdate(Pod oldObj, Pod newObj) {
                }

                @Override
                public void onDelete(Pod obj, boolean deletedFinalStateUnknown) {
                }
            }, 0);
            System.out.printf(Locale.ROOT, "# %d simulated nodes; %d cores, JDK %s%n", nodes, Runtime.getRuntime().availableProcessors(),
                    Runtime.version());
            System.out.printf(Locale.ROOT, "| workload | pods | all created s | all scheduled s | all Running s | pods/s |%n|---|---|---|---|---|---|%n");
            warmUp(client, pods);
            scaleUp(client, pods, "scale", replicas);
            rollout(client, pods, "roll", rolloutReplicas);
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0);
    }

    private static void warmUp(KubernetesClient client, SharedIndexInformer<Pod> pods) throws Exception {
        client.resource(deployment("warmup", 100, "busybox:1")).create();
        await(Duration.ofMinutes(5), () -> running(pods, "warmup") == 100);
        client.apps().deployments().inNamespace(NS).withName("warmup").delete();
        await(Duration.ofMinutes(5), () -> count(pods, "warmup", p -> true) == 0);
    }

    /** A deployment created at 0 and scaled to {@code replicas}: times until all pods exist, are bound and are Running. */
    private static void scaleUp(KubernetesClient client, SharedIndexInformer<Pod> pods, String name, int replicas) throws Exception {
        client.resource(deployment(name, 0, "busybox:1")).create();
        long start = System.nanoTime();
        client.apps().deployments().inNamespace(NS).withName(name).scale(replicas);
        double created = await(Duration.ofMinutes(20), () -> count(pods, name, p -> true) >= replicas, start);
        double scheduled = await(Duration.ofMinutes(20), () -> count(pods, name, p -> p.getSpec().getNodeName() != null) >= replicas, start);
        double runningAll = await(Duration.ofMinutes(20), () -> running(pods, name) >= replicas, start);
        System.out.printf(Locale.ROOT, "| deployment scaled 0 -> %d | %d | %.1f | %.1f | %.1f | %.0f |%n", replicas, replicas, created, scheduled,
                runningAll, replicas / runningAll);
        client.apps().deployments().inNamespace(NS).withName(name).delete();
        await(Duration.ofMinutes(20), () -> count(pods, name, p -> true) == 0);
    }

    /** A rolling update (new image, default 25% surge / 25% unavailable) of a deployment of {@code replicas} until complete. */
    private static void rollout(KubernetesClient client, SharedIndexInformer<Pod> pods, String name, int replicas) throws Exception {
        client.resource(deployment(name, replicas, "busybox:1")).create();
        await(Duration.ofMinutes(20), () -> complete(client, name, replicas));
        long start = System.nanoTime();
        client.apps().deployments().inNamespace(NS).withName(name)
                .edit(d -> new DeploymentBuilder(d).editSpec().editTemplate().editSpec().editFirstContainer().withImage("busybox:2")
                        .endContainer().endSpec().endTemplate().endSpec().build());
        double done = await(Duration.ofMinutes(30), () -> complete(client, name, replicas), start);
        System.out.printf(Locale.ROOT, "| rolling update of %d replicas (new image) until complete | %d | - | - | %.1f | %.0f |%n", replicas,
                replicas, done, replicas / done);
    }

    /** What kubectl rollout status waits for: the new generation observed, every replica updated and available, no old ones left. */
    private static boolean complete(KubernetesClient client, String name, int replicas) {
        Deployment d = client.apps().deployments().inNamespace(NS).withName(name).get();
        var s = d.getStatus();
        return s != null && s.getObservedGeneration() != null && s.getObservedGeneration() >= d.getMetadata().getGeneration()
                && Objects.equals(s.getUpdatedReplicas(), replicas) && Objects.equals(s.getReplicas(), replicas)
                && Objects.equals(s.getAvailableReplicas(), replicas);
    }

    private static long running(SharedIndexInformer<Pod> pods, String app) {
        return count(pods, app, p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()));
    }

    private static long count(SharedIndexInformer<Pod> pods, String app, java.util.function.Predicate<Pod> filter) {
        return pods.getIndexer().list().stream().filter(p -> p.getMetadata().getLabels() != null && app.equals(p.getMetadata().getLabels().get("app"))
                && p.getMetadata().getDeletionTimestamp() == null).filter(filter).count();
    }

    private static Deployment deployment(String name, int replicas, String image) {
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage(image).withNewResources().addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("10m"))
                .endResources().endContainer().endSpec().endTemplate().endSpec().build();
    }

    private static void await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        await(timeout, condition, System.nanoTime());
    }

    /** Seconds from {@code start} until {@code condition} held, polled every 20 ms. */
    private static double await(Duration timeout, BooleanSupplier condition, long start) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not done within " + timeout);
            }
            Thread.sleep(20);
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
