package dev.skiff.controller.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The arithmetic of proportional scaling (upstream's sync.go scale and GetReplicaSetProportion), on
 * the cases of upstream's TestScale and the documented example; the controller runs it in
 * {@code DeploymentControllerTest#scalingMidRolloutSharesTheChangeInProportionToTheReplicaSets}.
 */
class ProportionalScalingTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void theDocumentedExampleTenToFifteenWithSurgeThree() {
        // 10 replicas, maxSurge 3: a stalled rollout holds 8 old and 5 new; scaled to 15, 18 may run
        var d = deployment(15, 3, 2);
        var sizes = sizes(d, set("old", 0, 8, 13), set("new", 1, 5, 13));
        assertThat(sizes).containsExactly(Map.entry("old", 11), Map.entry("new", 7));
    }

    @Test
    void upstreamTestScaleCases() {
        // no surge: max-replicas is the replica count the sets were last scaled for
        assertThat(sizes(deployment(10, 0, 0), set("old", 0, 3, 5), set("new", 1, 2, 5)))
                .as("5 -> 10").containsEntry("old", 6).containsEntry("new", 4);
        assertThat(sizes(deployment(3, 0, 0), set("old", 0, 3, 5), set("new", 1, 2, 5)))
                .as("5 -> 3").containsEntry("old", 2).containsEntry("new", 1);
        assertThat(sizes(deployment(4, 0, 0), set("old", 0, 1, 9), set("new", 1, 8, 9)))
                .as("9 -> 4").containsEntry("old", 0).containsEntry("new", 4);
        assertThat(sizes(deployment(10, 0, 0), set("older", 0, 3, 7), set("old", 1, 2, 7), set("new", 2, 2, 7)))
                .as("7 -> 10").containsEntry("older", 4).containsEntry("old", 3).containsEntry("new", 3);
        assertThat(sizes(deployment(8, 0, 0), set("older", 0, 8, 13), set("old", 1, 3, 13), set("new", 2, 2, 13)))
                .as("13 -> 8").containsEntry("older", 5).containsEntry("old", 2).containsEntry("new", 1);
        assertThat(sizes(deployment(0, 0, 0), set("old", 0, 3, 5), set("new", 1, 2, 5)))
                .as("to 0").containsEntry("old", 0).containsEntry("new", 0);
    }

    @Test
    void roundingLeftoversGoToTheNewestWhenGrowingAndTheOldestWhenShrinking() {
        // three sets of 1 scaled for 3: each one's share rounds to nothing, the first in order takes the leftover
        assertThat(sizes(deployment(4, 0, 0), set("a", 0, 1, 3), set("b", 1, 1, 3), set("c", 2, 1, 3)))
                .containsExactly(Map.entry("c", 2), Map.entry("b", 1), Map.entry("a", 1));
        assertThat(sizes(deployment(2, 0, 0), set("a", 0, 1, 3), set("b", 1, 1, 3), set("c", 2, 1, 3)))
                .containsExactly(Map.entry("a", 0), Map.entry("b", 1), Map.entry("c", 1));
    }

    @Test
    void withoutTheAnnotationTheDeploymentsReplicasCountInstead() {
        var d = new DeploymentBuilder(deployment(15, 3, 2)).withNewStatus().withReplicas(13).endStatus().build();
        assertThat(sizes(d, set("old", 0, 8, -1), set("new", 1, 5, -1))).containsEntry("old", 11).containsEntry("new", 7);
        var unknown = deployment(15, 3, 2);
        assertThat(sizes(unknown, set("old", 0, 8, -1), set("new", 1, 5, -1))).as("nothing to go by: all to the largest")
                .containsEntry("old", 13).containsEntry("new", 5);
    }

    @Test
    void aRecreateDeploymentHasNoSurge() {
        var d = new DeploymentBuilder(deployment(4, 3, 2)).editSpec().withNewStrategy().withType("Recreate").endStrategy().endSpec().build();
        assertThat(DeploymentUtil.maxReplicas(d)).isEqualTo(4);
        assertThat(DeploymentUtil.surgeAndUnavailable(d)).containsExactly(0, 0);
    }

    private static Map<String, Integer> sizes(Deployment d, ReplicaSet... sets) {
        Map<String, Integer> out = new LinkedHashMap<>();
        DeploymentUtil.proportionalSizes(d, List.of(sets)).forEach(r -> out.put(r.set().getMetadata().getName(), r.replicas()));
        return out;
    }

    private static Deployment deployment(int replicas, int maxSurge, int maxUnavailable) {
        return new DeploymentBuilder().withNewMetadata().withName("d").endMetadata().withNewSpec().withReplicas(replicas)
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate().withMaxSurge(new IntOrString(maxSurge))
                .withMaxUnavailable(new IntOrString(maxUnavailable)).endRollingUpdate().endStrategy().endSpec().build();
    }

    /** A set created {@code age} minutes after T0 with {@code maxReplicas} as its max-replicas annotation (none when negative). */
    private static ReplicaSet set(String name, int age, int replicas, int maxReplicas) {
        var builder = new ReplicaSetBuilder().withNewMetadata().withName(name).withCreationTimestamp(T0.plusSeconds(60L * age).toString())
                .endMetadata().withNewSpec().withReplicas(replicas).endSpec();
        if (maxReplicas >= 0) {
            builder.editMetadata().addToAnnotations(DeploymentUtil.MAX_REPLICAS, Integer.toString(maxReplicas)).endMetadata();
        }
        return builder.build();
    }
}
