package dev.skiff.scheduler;

import static dev.skiff.scheduler.testing.MakeNode.node;
import static dev.skiff.scheduler.testing.MakePod.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration;
import dev.skiff.scheduler.framework.PodRequests;
import dev.skiff.scheduler.framework.plugins.defaultbinder.Binder;
import dev.skiff.scheduler.testing.FakeClock;
import dev.skiff.scheduler.testing.MakePod;
import dev.skiff.scheduler.testing.Recorder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 1000 pods of four kinds onto 100 nodes in three zones, bindings confirmed back asynchronously
 * as an informer would; then the placement is checked against every constraint.
 */
class InMemoryClusterTest {
    private static final String ZONE = "topology.kubernetes.io/zone";

    @Test
    void thousandPodsOnHundredNodesKeepEveryConstraint() throws Exception {
        FakeClock clock = new FakeClock();
        Recorder failures = new Recorder();
        Map<String, Pod> bound = new ConcurrentHashMap<>();
        Scheduler[] self = new Scheduler[1];
        Binder binder = (pod, nodeName) -> {
            Pod b = new PodBuilder(pod).editSpec().withNodeName(nodeName).endSpec().build();
            bound.put(pod.getMetadata().getName(), b);
            self[0].onPodUpdate(pod, b);
        };
        Map<String, Node> nodes = new HashMap<>();
        try (ExecutorService binding = Executors.newVirtualThreadPerTaskExecutor();
             Scheduler s = new Scheduler(KubeSchedulerConfiguration.defaults(), clock, new SplittableRandom(42), binder, failures, binding)) {
            self[0] = s;
            for (int i = 0; i < 100; i++) {
                var n = node("n" + i).zone("z" + (i % 3)).capacity("4", "16Gi", "110");
                if (i < 10) {
                    n.label("pool", "batch").taint("dedicated", "batch", "NoSchedule");
                }
                if (i == 99) {
                    n.taint("node-role.kubernetes.io/control-plane", null, "NoSchedule");
                }
                Node node = n.obj();
                nodes.put(node.getMetadata().getName(), node);
                s.onNodeAdd(node);
            }
            List<Pod> pods = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                pods.add(pod("web-" + i).label("app", "web").req("100m", "128Mi").spread(1, ZONE, "DoNotSchedule", "app", "web", null).obj());
            }
            for (int i = 0; i < 80; i++) {
                pods.add(pod("db-" + i).label("app", "db").req("500m", "1Gi").podAntiAffinity("kubernetes.io/hostname", "app", "db").obj());
            }
            for (int i = 0; i < 200; i++) {
                pods.add(pod("batch-" + i).label("app", "batch").req("100m", "64Mi").nodeSelector("pool", "batch")
                        .toleration(new TolerationBuilder().withKey("dedicated").withValue("batch").withEffect("NoSchedule").build()).obj());
            }
            for (int i = 0; i < 420; i++) {
                MakePod p = pod("plain-" + i).label("app", "plain").req("200m", "256Mi");
                pods.add((i % 10 == 0 ? p.priority(100) : p).obj());
            }
            pods.forEach(s::onPodAdd);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (bound.size() < pods.size() && System.nanoTime() < deadline) {
                if (!s.scheduleNext(10, TimeUnit.MILLISECONDS)) {
                    clock.step(java.time.Duration.ofSeconds(1));
                    s.tick();
                }
            }
            assertThat(failures.failures).isEmpty();
            assertThat(bound).hasSize(1000);
            assertThat(s.cache().podCount()).isEqualTo(1000);
        }

        Map<String, List<Pod>> byNode = new HashMap<>();
        bound.values().forEach(p -> byNode.computeIfAbsent(p.getSpec().getNodeName(), k -> new ArrayList<>()).add(p));
        assertThat(byNode).doesNotContainKey("n99");
        for (var e : byNode.entrySet()) {
            boolean batchNode = nodes.get(e.getKey()).getMetadata().getLabels().containsKey("pool");
            long cpu = 0;
            long mem = 0;
            for (Pod p : e.getValue()) {
                String app = p.getMetadata().getLabels().get("app");
                assertThat(app.equals("batch")).as("%s on %s", p.getMetadata().getName(), e.getKey()).isEqualTo(batchNode);
                cpu += PodRequests.of(p).milliCpu;
                mem += PodRequests.of(p).memory;
            }
            assertThat(cpu).isLessThanOrEqualTo(4000);
            assertThat(mem).isLessThanOrEqualTo(16L << 30);
            assertThat(e.getValue()).hasSizeLessThanOrEqualTo(110);
        }
        Set<String> dbNodes = new HashSet<>();
        Map<String, Integer> webPerZone = new HashMap<>();
        for (Pod p : bound.values()) {
            String app = p.getMetadata().getLabels().get("app");
            if (app.equals("db")) {
                assertThat(dbNodes.add(p.getSpec().getNodeName())).as("two db pods on %s", p.getSpec().getNodeName()).isTrue();
            }
            if (app.equals("web")) {
                webPerZone.merge(nodes.get(p.getSpec().getNodeName()).getMetadata().getLabels().get(ZONE), 1, Integer::sum);
            }
        }
        assertThat(webPerZone).hasSize(3);
        int max = webPerZone.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        int min = webPerZone.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
        assertThat(max - min).as("web spread %s", webPerZone).isLessThanOrEqualTo(1);
    }
}
