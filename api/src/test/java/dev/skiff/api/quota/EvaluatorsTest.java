package dev.skiff.api.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.ScopedResourceSelectorRequirement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** What the quota evaluators charge, measured as upstream's evaluators measure it. */
class EvaluatorsTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:10Z");
    private final Evaluator pods = Evaluators.forResource("", "pods");

    @Test
    void aPodUsesItsContainersSidecarsAndLargestInitContainerPlusOverhead() {
        Pod pod = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec()
                .withContainers(container("a", "100m", "64Mi", "200m"), container("b", "200m", "64Mi", null))
                .withInitContainers(container("init", "1", "32Mi", null),
                        new ContainerBuilder(container("sidecar", "50m", "16Mi", "50m")).withRestartPolicy("Always").build())
                .withOverhead(Map.of("cpu", new Quantity("10m"))).endSpec().build();
        Map<String, String> usage = text(pods.usage(pod, NOW));
        // requests: containers 300m + sidecar 50m = 350m vs init 1 (before the sidecar): 1, plus overhead 10m
        assertThat(usage).containsEntry("pods", "1").containsEntry("count/pods", "1")
                .containsEntry("requests.cpu", "1010m").containsEntry("cpu", "1010m")
                .containsEntry("requests.memory", "144Mi").containsEntry("memory", "144Mi")
                // limits: only a and sidecar limit cpu: 250m, plus the overhead where a limit is set
                .containsEntry("limits.cpu", "260m").doesNotContainKey("limits.memory");
    }

    @Test
    void terminalPodsAndPodsDeletingPastTheirGraceCountOnlyAsStoredObjects() {
        Pod done = new PodBuilder(basic()).withNewStatus().withPhase("Failed").endStatus().build();
        assertThat(text(pods.usage(done, NOW))).isEqualTo(Map.of("count/pods", "1"));
        Pod deleting = new PodBuilder(basic()).editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z").withDeletionGracePeriodSeconds(5L)
                .endMetadata().build();
        assertThat(text(pods.usage(deleting, NOW))).isEqualTo(Map.of("count/pods", "1"));
        deleting.getMetadata().setDeletionGracePeriodSeconds(30L);
        assertThat(text(pods.usage(deleting, NOW))).containsEntry("pods", "1");
    }

    @Test
    void scopesSelectPodsByDeadlineQosAndPriorityClass() {
        Pod bestEffort = basic();
        Pod burstable = new PodBuilder().withNewSpec().withContainers(container("c", "10m", null, null)).withActiveDeadlineSeconds(30L)
                .withPriorityClassName("high").endSpec().build();
        assertThat(pods.matchesScope(exists("BestEffort"), bestEffort)).isTrue();
        assertThat(pods.matchesScope(exists("BestEffort"), burstable)).isFalse();
        assertThat(pods.matchesScope(exists("NotBestEffort"), burstable)).isTrue();
        assertThat(pods.matchesScope(exists("Terminating"), burstable)).isTrue();
        assertThat(pods.matchesScope(exists("NotTerminating"), bestEffort)).isTrue();
        var in = new ScopedResourceSelectorRequirement("In", "PriorityClass", List.of("high", "medium"));
        assertThat(pods.matchesScope(in, burstable)).isTrue();
        assertThat(pods.matchesScope(in, bestEffort)).isFalse();
        assertThat(Evaluators.forResource("", "services").matchesScope(exists("BestEffort"), bestEffort)).isFalse();

        ResourceQuota scoped = new ResourceQuotaBuilder().withNewSpec().withScopes("BestEffort").endSpec()
                .withNewStatus().addToHard("pods", new Quantity("3")).endStatus().build();
        assertThat(pods.matches(scoped, bestEffort)).isTrue();
        assertThat(pods.matches(scoped, burstable)).isFalse();
    }

    @Test
    void containersMustStateWhatAQuotaOnCpuOrMemoryTracks() {
        Pod pod = new PodBuilder().withNewSpec().withContainers(container("a", "1", null, null), container("b", null, null, null)).endSpec().build();
        assertThat(pods.constraints(Set.of("requests.cpu", "limits.memory", "pods"), pod))
                .contains("must specify limits.memory for: a,b; requests.cpu for: b");
        assertThat(pods.constraints(Set.of("pods", "requests.ephemeral-storage"), pod)).isEmpty();
    }

    @Test
    void otherResourcesCountAsObjectsUnderCountNames() {
        assertThat(Evaluators.countedResource("count/deployments.apps")).contains(new Evaluators.GroupResource("apps", "deployments"));
        assertThat(Evaluators.countedResource("count/pods")).contains(new Evaluators.GroupResource("", "pods"));
        assertThat(Evaluators.countedResource("pods")).isEmpty();
        var deployments = Evaluators.forResource("apps", "deployments");
        assertThat(deployments.matchingResources(Set.of("count/deployments.apps", "pods"))).containsExactly("count/deployments.apps");
        assertThat(deployments.handles(true)).isTrue();
        assertThat(deployments.handles(false)).isFalse();
        assertThat(text(Evaluators.forResource("", "configmaps").usage(basic(), NOW)))
                .isEqualTo(Map.of("count/configmaps", "1", "configmaps", "1"));
    }

    @Test
    void resourceListsAddKeepTheFirstNonZeroNotationAndPrintSorted() {
        Map<String, Quantity> sum = ResourceLists.add(Map.of("memory", new Quantity("0"), "cpu", new Quantity("1")),
                Map.of("memory", new Quantity("64Mi"), "cpu", new Quantity("500m"), "pods", new Quantity("1")));
        assertThat(ResourceLists.prettyPrint(sum)).isEqualTo("cpu=1500m,memory=64Mi,pods=1");
        assertThat(ResourceLists.exceeding(sum, Map.of("cpu", new Quantity("1"), "memory", new Quantity("1Gi")))).containsExactly("cpu");
        assertThat(text(ResourceLists.subtractNonNegative(Map.of("cpu", new Quantity("1")), Map.of("cpu", new Quantity("2")))))
                .isEqualTo(Map.of("cpu", "0"));
    }

    private static Pod basic() {
        return new PodBuilder().withNewMetadata().withName("b").endMetadata().withNewSpec()
                .withContainers(new ContainerBuilder().withName("c").withImage("busybox").build()).endSpec().build();
    }

    private static ScopedResourceSelectorRequirement exists(String scope) {
        return new ScopedResourceSelectorRequirement("Exists", scope, List.of());
    }

    private static Container container(String name, String cpu, String memory, String cpuLimit) {
        var b = new ContainerBuilder().withName(name).withImage("busybox").withNewResources();
        if (cpu != null) {
            b.addToRequests("cpu", new Quantity(cpu));
        }
        if (memory != null) {
            b.addToRequests("memory", new Quantity(memory));
        }
        if (cpuLimit != null) {
            b.addToLimits("cpu", new Quantity(cpuLimit));
        }
        return b.endResources().build();
    }

    private static Map<String, String> text(Map<String, Quantity> list) {
        Map<String, String> out = new TreeMap<>();
        list.forEach((k, v) -> out.put(k, dev.skiff.api.quantity.Quantities.canonical(v)));
        return out;
    }
}
