package dev.skiff.controller.resourcequota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.controller.ControlPlaneTest;
import dev.skiff.controller.ControllerManager;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ResourceQuota end to end on the real API server: the quota controller's status (hard and used
 * for every resource the evaluators count) and the ResourceQuota admission plugin refusing writes
 * past it with upstream's messages, through the fabric8 client.
 */
class ResourceQuotaTest extends ControlPlaneTest {
    private static final String NS = "quota";

    @BeforeEach
    void namespace() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    }

    @Test
    void controllerCountsWhatTheNamespaceUsesAndRecountsWhenUsageIsReleased() throws Exception {
        client.resource(pod("small", Map.of("cpu", "100m", "memory", "64Mi", "ephemeral-storage", "1Gi"),
                Map.of("cpu", "200m", "memory", "128Mi"))).create();
        client.resource(pod("large", Map.of("cpu", "1", "memory", "1Gi"), Map.of("cpu", "2", "memory", "1Gi"))).create();
        Pod done = client.resource(pod("done", Map.of("cpu", "4"), Map.of())).create();
        done.getStatus().setPhase("Succeeded");
        client.resource(done).updateStatus();
        client.resource(new ConfigMapBuilder().withNewMetadata().withName("cm").withNamespace(NS).endMetadata().build()).create();
        client.resource(new SecretBuilder().withNewMetadata().withName("s").withNamespace(NS).endMetadata().build()).create();
        client.resource(new ServiceBuilder().withNewMetadata().withName("np").withNamespace(NS).endMetadata().withNewSpec().withType("NodePort")
                .addNewPort().withName("a").withPort(80).endPort().addNewPort().withName("b").withPort(81).endPort().endSpec().build()).create();
        client.resource(new ServiceBuilder().withNewMetadata().withName("lb").withNamespace(NS).endMetadata().withNewSpec().withType("LoadBalancer")
                .addNewPort().withPort(80).endPort().endSpec().build()).create();
        client.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName("data").withNamespace(NS).endMetadata().withNewSpec()
                .withAccessModes("ReadWriteOnce").withStorageClassName("fast").withNewResources().addToRequests("storage", new Quantity("2Gi"))
                .endResources().endSpec().build()).create();
        client.resource(new ReplicationControllerBuilder().withNewMetadata().withName("rc").withNamespace(NS).endMetadata().withNewSpec()
                .withReplicas(0).withNewTemplate().withNewMetadata().addToLabels("app", "rc").endMetadata().withNewSpec().addNewContainer()
                .withName("c").withImage("busybox").endContainer().endSpec().endTemplate().endSpec().build()).create();
        client.resource(new DeploymentBuilder().withNewMetadata().withName("d").withNamespace(NS).endMetadata().withNewSpec().withReplicas(0)
                .withNewSelector().addToMatchLabels("app", "d").endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "d")
                .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate()
                .endSpec().build()).create();

        Map<String, String> hard = new LinkedHashMap<>();
        for (String name : List.of("pods", "count/pods", "requests.cpu", "requests.memory", "requests.ephemeral-storage", "limits.cpu",
                "limits.memory", "cpu", "memory", "services", "services.nodeports", "services.loadbalancers", "configmaps", "secrets",
                "replicationcontrollers", "resourcequotas", "persistentvolumeclaims", "requests.storage", "count/deployments.apps",
                "fast.storageclass.storage.k8s.io/requests.storage")) {
            hard.put(name, "100");
        }
        try (var manager = ControllerManager.start(client, List.of("resourcequota"), false, 2)) {
            client.resource(quota("all", hard)).create();
            Map<String, String> expected = new TreeMap<>(Map.ofEntries(Map.entry("pods", "2"), Map.entry("count/pods", "3"),
                    Map.entry("requests.cpu", "1100m"), Map.entry("cpu", "1100m"), Map.entry("requests.memory", "1088Mi"),
                    Map.entry("memory", "1088Mi"), Map.entry("requests.ephemeral-storage", "1Gi"), Map.entry("limits.cpu", "2200m"),
                    Map.entry("limits.memory", "1152Mi"), Map.entry("services", "2"), Map.entry("services.nodeports", "3"),
                    Map.entry("services.loadbalancers", "1"), Map.entry("configmaps", "1"), Map.entry("secrets", "1"),
                    Map.entry("replicationcontrollers", "1"), Map.entry("resourcequotas", "1"), Map.entry("persistentvolumeclaims", "1"),
                    Map.entry("requests.storage", "2Gi"), Map.entry("count/deployments.apps", "1"),
                    Map.entry("fast.storageclass.storage.k8s.io/requests.storage", "2Gi")));
            await("used counts every tracked resource", () -> expected.equals(used("all")));
            assertThat(hard(client.resourceQuotas().inNamespace(NS).withName("all").get().getStatus().getHard())).isEqualTo(
                    new TreeMap<>(hard));

            client.pods().inNamespace(NS).withName("large").withGracePeriod(0).delete();
            client.configMaps().inNamespace(NS).withName("cm").delete();
            await("a deleted pod and configmap are released", () -> "1".equals(used("all").get("pods"))
                    && "100m".equals(used("all").get("requests.cpu")) && "0".equals(used("all").get("configmaps")));

            var q = client.resourceQuotas().inNamespace(NS).withName("all").get();
            q.getSpec().getHard().put("pods", new Quantity("7"));
            client.resource(q).update();
            await("status.hard follows spec.hard", () -> "7".equals(
                    hard(client.resourceQuotas().inNamespace(NS).withName("all").get().getStatus().getHard()).get("pods")));

            client.resource(quota("other", Map.of("secrets", "10"))).create();
            assertThat(used("all")).as("admission charged the second quota").containsEntry("resourcequotas", "2");
            client.resourceQuotas().inNamespace(NS).withName("other").delete();
            await("a deleted quota is released", () -> "1".equals(used("all").get("resourcequotas")));
        }
    }

    @Test
    void admissionRefusesCreatesPastTheQuotaAndChargesWhatItAdmits() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("resourcequota"), false, 2)) {
            client.resource(quota("q1", Map.of("pods", "2", "configmaps", "1"))).create();
            await("counted", () -> "0".equals(used("q1").get("pods")));
            client.resource(pod("p1", Map.of(), Map.of())).create();
            assertThat(used("q1")).as("admission charged the create at once").containsEntry("pods", "1");
            client.resource(pod("p2", Map.of(), Map.of())).create();
            assertThatThrownBy(() -> client.resource(pod("p3", Map.of(), Map.of())).create())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                        assertThat(e.getCode()).isEqualTo(403);
                        assertThat(e.getStatus().getReason()).isEqualTo("Forbidden");
                        assertThat(e.getStatus().getMessage()).isEqualTo(
                                "pods \"p3\" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2");
                    });
            assertThat(client.pods().inNamespace(NS).withName("p3").get()).isNull();
            // a dry run is checked but charges nothing
            client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("c0").endMetadata().build()).dryRun().create();
            assertThat(used("q1")).containsEntry("configmaps", "0");
            // ... nor on the watch cache's quota (LIST is served from it): a second dry run still fits
            client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("c1").endMetadata().build()).dryRun().create();
            assertThat(client.resourceQuotas().inNamespace(NS).list().getItems()).filteredOn(q -> q.getMetadata().getName().equals("q1"))
                    .singleElement().satisfies(q -> assertThat(q.getStatus().getUsed()).containsEntry("configmaps", new Quantity("0")));
            // an invalid object is refused before admission charges anything
            assertThatThrownBy(() -> client.resource(new ConfigMapBuilder().withNewMetadata().withName("Bad_Name").withNamespace(NS).endMetadata()
                    .build()).create()).isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
            assertThat(used("q1")).containsEntry("configmaps", "0");

            client.pods().inNamespace(NS).withName("p1").withGracePeriod(0).delete();
            await("the controller gives the deleted pod's usage back", () -> "1".equals(used("q1").get("pods")));
            client.resource(pod("p3", Map.of(), Map.of())).create();
        }
    }

    @Test
    void aQuotaAppliesOnceItsStatusHasLimitsAndRefusesWhileUsageIsUnknown() {
        // no controller runs: as upstream, a quota applies by status.hard, which nothing has set yet
        ResourceQuota fresh = client.resource(quota("fresh", Map.of("pods", "3", "services", "1"))).create();
        client.resource(pod("early", Map.of(), Map.of())).create();
        fresh.setStatus(new io.fabric8.kubernetes.api.model.ResourceQuotaStatus(quantities(Map.of("pods", "3", "services", "1")),
                quantities(Map.of("services", "0"))));
        client.resource(fresh).updateStatus();
        assertThatThrownBy(() -> client.resource(pod("late", Map.of(), Map.of())).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(403);
                    assertThat(e.getStatus().getMessage()).isEqualTo("pods \"late\" is forbidden: status unknown for quota: fresh, resources: pods");
                });
        // what the quota does not limit is not held up
        client.resource(new ConfigMapBuilder().withNewMetadata().withName("free").withNamespace(NS).endMetadata().build()).create();
    }

    @Test
    void aQuotaOnComputeResourcesNeedsEveryContainerToStateThem() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("resourcequota"), false, 2)) {
            client.resource(quota("compute", Map.of("limits.cpu", "1", "requests.memory", "1Gi"))).create();
            await("counted", () -> "0".equals(used("compute").get("limits.cpu")));
            Pod pod = pod("bare", Map.of(), Map.of());
            pod.getSpec().getContainers().add(new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("c2").withImage("busybox")
                    .withNewResources().addToLimits("cpu", new Quantity("100m")).endResources().build());
            assertThatThrownBy(() -> client.resource(pod).create()).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                assertThat(e.getCode()).isEqualTo(403);
                assertThat(e.getStatus().getMessage()).isEqualTo(
                        "pods \"bare\" is forbidden: failed quota: compute: must specify limits.cpu for: c1; requests.memory for: c1,c2");
            });
            client.resource(pod("sized", Map.of("memory", "512Mi"), Map.of("cpu", "600m"))).create();
            assertThatThrownBy(() -> client.resource(pod("more", Map.of("memory", "256Mi"), Map.of("cpu", "500m"))).create())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getStatus().getMessage()).isEqualTo(
                            "pods \"more\" is forbidden: exceeded quota: compute, requested: limits.cpu=500m, used: limits.cpu=600m, limited: limits.cpu=1"));
            assertThat(used("compute")).containsEntry("limits.cpu", "600m").containsEntry("requests.memory", "512Mi");
        }
    }

    @Test
    void aBurstOfConcurrentCreatesNeverOvershoots() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("resourcequota"), false, 2);
             var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            client.resource(quota("five", Map.of("pods", "5"))).create();
            await("counted", () -> "0".equals(used("five").get("pods")));
            // no client-side retries: a create retried after a slow first attempt would meet its own charge
            var config = new io.fabric8.kubernetes.client.ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0)
                    .withRequestTimeout(60_000).build();
            var once = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build();
            List<Future<Boolean>> results = new ArrayList<>();
            List<String> refusals = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < 20; i++) {
                String name = "burst-" + i;
                results.add(pool.submit((Callable<Boolean>) () -> {
                    try {
                        once.resource(pod(name, Map.of(), Map.of())).create();
                        return true;
                    } catch (KubernetesClientException e) {
                        refusals.add(e.getCode() + " " + (e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage()));
                        return false;
                    }
                }));
            }
            int admitted = 0;
            for (var r : results) {
                admitted += r.get() ? 1 : 0;
            }
            assertThat(admitted).as(String.join("\n", refusals)).isEqualTo(5);
            assertThat(refusals).hasSize(15).allMatch(m -> m.startsWith("403 pods \"burst-") && m.contains("exceeded quota: five"));
            assertThat(client.pods().inNamespace(NS).list().getItems()).hasSize(5);
            assertThat(used("five")).containsEntry("pods", "5");
            once.close();
        }
    }

    @Test
    void aServiceUpdateThatTakesNodePortsIsChargedAndScopesSelectPods() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("resourcequota"), false, 2)) {
            client.resource(quota("ports", Map.of("services.nodeports", "1"))).create();
            var bestEffort = quota("best-effort", Map.of("pods", "1"));
            bestEffort.getSpec().setScopes(List.of("BestEffort"));
            client.resource(bestEffort).create();
            await("counted", () -> "0".equals(used("ports").get("services.nodeports")) && "0".equals(used("best-effort").get("pods")));

            var svc = client.resource(new ServiceBuilder().withNewMetadata().withName("web").withNamespace(NS).endMetadata().withNewSpec()
                    .addNewPort().withName("a").withPort(80).endPort().addNewPort().withName("b").withPort(81).endPort().endSpec().build()).create();
            svc.getSpec().setType("NodePort");
            assertThatThrownBy(() -> client.resource(svc).update()).isInstanceOfSatisfying(KubernetesClientException.class,
                    e -> assertThat(e.getStatus().getMessage()).isEqualTo("services \"web\" is forbidden: exceeded quota: ports, "
                            + "requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1"));

            client.resource(pod("be", Map.of(), Map.of())).create();
            client.resource(pod("burstable", Map.of("cpu", "10m"), Map.of())).create(); // not best effort: out of scope
            assertThatThrownBy(() -> client.resource(pod("be2", Map.of(), Map.of())).create())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
            assertThat(used("best-effort")).containsEntry("pods", "1");
        }
    }

    @Test
    void aReplicationControllerPastTheQuotaReportsReplicaFailure() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("resourcequota", "replicationcontroller"), false, 2)) {
            client.resource(quota("two", Map.of("pods", "2"))).create();
            await("counted", () -> "0".equals(used("two").get("pods")));
            client.resource(new ReplicationControllerBuilder().withNewMetadata().withName("big").withNamespace(NS).endMetadata().withNewSpec()
                    .withReplicas(3).withNewTemplate().withNewMetadata().addToLabels("app", "big").endMetadata().withNewSpec().addNewContainer()
                    .withName("c").withImage("busybox").endContainer().endSpec().endTemplate().endSpec().build()).create();
            await("ReplicaFailure FailedCreate with 2 of 3 pods", () -> {
                var status = client.replicationControllers().inNamespace(NS).withName("big").get().getStatus();
                return status != null && Integer.valueOf(2).equals(status.getReplicas()) && status.getConditions() != null
                        && status.getConditions().stream().anyMatch(c -> "ReplicaFailure".equals(c.getType()) && "FailedCreate".equals(c.getReason()));
            });
            await("a FailedCreate event with the quota's refusal", () -> client.v1().events().inNamespace(NS).list().getItems().stream()
                    .anyMatch(e -> "FailedCreate".equals(e.getReason())
                            && e.getMessage().contains("is forbidden: exceeded quota: two, requested: pods=1, used: pods=2, limited: pods=2")));
        }
    }

    private static Pod pod(String name, Map<String, String> requests, Map<String, String> limits) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().withNewSpec().addNewContainer().withName("c1")
                .withImage("busybox").withNewResources().withRequests(quantities(requests)).withLimits(quantities(limits)).endResources()
                .endContainer().endSpec().build();
    }

    private static ResourceQuota quota(String name, Map<String, String> hard) {
        return new ResourceQuotaBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().withNewSpec()
                .withHard(quantities(hard)).endSpec().build();
    }

    private static Map<String, Quantity> quantities(Map<String, String> values) {
        Map<String, Quantity> out = new TreeMap<>();
        values.forEach((k, v) -> out.put(k, new Quantity(v)));
        return out.isEmpty() ? null : out;
    }

    private Map<String, String> used(String quota) {
        var status = client.resourceQuotas().inNamespace(NS).withName(quota).get().getStatus();
        return status == null ? Map.of() : hard(status.getUsed());
    }

    private static Map<String, String> hard(Map<String, Quantity> list) {
        Map<String, String> out = new TreeMap<>();
        if (list != null) {
            list.forEach((k, v) -> out.put(k, v.toString()));
        }
        return out;
    }
}
