package dev.skiff.controller.disruption;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControlPlaneTest;
import dev.skiff.controller.ControllerManager;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The disruption controller in the controller manager against the real API server, with evictions
 * through the fabric8 client spending the budgets it computes. Pods are made by the test (no
 * ReplicaSet controller runs, so none is replaced) and reported ready as a kubelet would.
 */
class DisruptionControllerTest extends ControlPlaneTest {
    private KubernetesClient evictor;

    @BeforeEach
    void evictor() {
        evictor = EvictionTest.withoutRetries(client);
    }

    @AfterEach
    void closeEvictor() {
        evictor.close();
    }

    @Test
    void keepsTheStatusFromTheReplicaSetsScaleAndEvictionsSpendTheBudget() throws Exception {
        ReplicaSet rs = client.resource(new ReplicaSetBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(3).withNewSelector().addToMatchLabels("app", "web").endSelector().withTemplate(template("web"))
                .endSpec().build()).create();
        for (int i = 0; i < 3; i++) {
            ownedPod("web-" + i, "web", rs);
            kubelet().markReady("web-" + i);
        }
        budget("web", "web", null, new IntOrString(1));
        try (var manager = ControllerManager.start(client, List.of("disruption"), false, 2)) {
            await("expected 3, desired 2, healthy 3, 1 allowed", () -> status("web", 3, 2, 3, 1, 1L));
            var condition = pdb("web").getStatus().getConditions().getFirst();
            assertThat(List.of(condition.getType(), condition.getStatus(), condition.getReason()))
                    .containsExactly("DisruptionAllowed", "True", "SufficientPods");

            assertThat(evictor.pods().inNamespace("default").withName("web-0").evict()).isTrue();
            assertThat(client.pods().inNamespace("default").withName("web-0").get()).isNull();
            await("the eviction is accounted: 2 healthy, none allowed, no pending disruption", () -> status("web", 3, 2, 2, 0, 1L)
                    && (pdb("web").getStatus().getDisruptedPods() == null || pdb("web").getStatus().getDisruptedPods().isEmpty()));
            condition = pdb("web").getStatus().getConditions().getFirst();
            assertThat(List.of(condition.getStatus(), condition.getReason())).containsExactly("False", "InsufficientPods");
            assertThat(evictor.pods().inNamespace("default").withName("web-1").evict()).as("refused with 429").isFalse();
            assertThat(client.pods().inNamespace("default").withName("web-1").get()).isNotNull();

            // a spec change is a new generation: observed, and recomputed (maxUnavailable 2 of 3 -> 1 desired)
            client.policy().v1().podDisruptionBudget().inNamespace("default").withName("web").edit(p -> new PodDisruptionBudgetBuilder(p)
                    .editSpec().withMaxUnavailable(new IntOrString(2)).endSpec().build());
            await("generation 2 observed, 1 allowed", () -> status("web", 3, 1, 2, 1, 2L));
            assertThat(evictor.pods().inNamespace("default").withName("web-1").evict()).isTrue();
        }
    }

    @Test
    void dropsDisruptedPodsThatWereNotDeletedInTime() throws Exception {
        for (String name : List.of("a", "b")) {
            client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace("default").addToLabels("app", "loose").endMetadata()
                    .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();
            kubelet().markReady(name);
        }
        budget("loose", "loose", new IntOrString(1), null);
        try (var manager = ControllerManager.start(client, List.of("disruption"), false, 1)) {
            await("two healthy pods, one disruption allowed", () -> status("loose", 2, 1, 2, 1, 1L));
            // as if evictions of both had been approved: a's three minutes ago (never deleted), b's just now
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            client.policy().v1().podDisruptionBudget().inNamespace("default").withName("loose").editStatus(p -> new PodDisruptionBudgetBuilder(p)
                    .editStatus().withDisruptedPods(Map.of("a", now.minusSeconds(180).toString(), "b", now.toString())).endStatus().build());
            await("a's entry timed out, b's kept and b not counted healthy", () -> status("loose", 2, 1, 1, 0, 1L)
                    && Map.of("b", now.toString()).equals(pdb("loose").getStatus().getDisruptedPods()));
            await("a NotDeleted event about a", () -> client.v1().events().inNamespace("default").list().getItems().stream()
                    .anyMatch(e -> "NotDeleted".equals(e.getReason()) && "a".equals(e.getInvolvedObject().getName())));
        }
    }

    @Test
    void failsSafeWhenAPodsControllerHasNoScale() throws Exception {
        Job job = client.resource(new JobBuilder().withNewMetadata().withName("batch").withNamespace("default").endMetadata()
                .withNewSpec().withTemplate(new PodTemplateSpecBuilder(template("batch")).editSpec().withRestartPolicy("Never").endSpec().build())
                .endSpec().build()).create();
        ownedPod("batch-1", "batch", job);
        kubelet().markReady("batch-1");
        budget("batch", "batch", null, new IntOrString(1));
        try (var manager = ControllerManager.start(client, List.of("disruption"), false, 1)) {
            await("SyncFailed", () -> {
                var s = pdb("batch").getStatus();
                return s != null && s.getConditions() != null && !s.getConditions().isEmpty()
                        && "SyncFailed".equals(s.getConditions().getFirst().getReason());
            });
            var s = pdb("batch").getStatus();
            assertThat(s.getDisruptionsAllowed()).isZero();
            assertThat(s.getConditions().getFirst().getStatus()).isEqualTo("False");
            assertThat(s.getConditions().getFirst().getMessage()).isEqualTo("jobs.batch does not implement the scale subresource");
            assertThat(evictor.pods().inNamespace("default").withName("batch-1").evict()).as("a budget that failed safe allows nothing").isFalse();
        }
    }

    @Test
    void resetsADisruptionTargetLeftOnAPodThatWasNotDeleted() throws Exception {
        String longAgo = Instant.now().minusSeconds(180).truncatedTo(ChronoUnit.SECONDS).toString();
        targetedPod("stale", "EvictionByEvictionAPI", longAgo);
        targetedPod("recent", "EvictionByEvictionAPI", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        targetedPod("by-kubelet", "TerminationByKubelet", longAgo);
        try (var manager = ControllerManager.start(client, List.of("disruption"), false, 1)) {
            await("the stale condition is reset to False", () -> "False".equals(disruptionTarget("stale").getStatus()));
            assertThat(disruptionTarget("stale").getReason()).isNull();
            assertThat(disruptionTarget("recent").getStatus()).as("not stale for 2 minutes").isEqualTo("True");
            assertThat(disruptionTarget("by-kubelet").getStatus()).as("the kubelet's is never stale").isEqualTo("True");
            assertThat(ready("stale")).as("other conditions kept").isTrue();
        }
    }

    private void targetedPod(String name, String reason, String since) {
        Pod pod = client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();
        client.resource(new PodBuilder(pod).editStatus().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .addNewCondition().withType("DisruptionTarget").withStatus("True").withReason(reason).withLastTransitionTime(since).endCondition()
                .endStatus().build()).updateStatus();
    }

    private io.fabric8.kubernetes.api.model.PodCondition disruptionTarget(String pod) {
        return client.pods().inNamespace("default").withName(pod).get().getStatus().getConditions().stream()
                .filter(c -> "DisruptionTarget".equals(c.getType())).findFirst().orElseThrow();
    }

    private boolean ready(String pod) {
        return client.pods().inNamespace("default").withName(pod).get().getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private boolean status(String name, int expected, int desired, int healthy, int allowed, long generation) {
        PodDisruptionBudgetStatus s = pdb(name).getStatus();
        return s != null && Objects.equals(s.getExpectedPods(), expected) && Objects.equals(s.getDesiredHealthy(), desired)
                && Objects.equals(s.getCurrentHealthy(), healthy) && Objects.equals(s.getDisruptionsAllowed(), allowed)
                && Objects.equals(s.getObservedGeneration(), generation);
    }

    private PodDisruptionBudget pdb(String name) {
        return client.policy().v1().podDisruptionBudget().inNamespace("default").withName(name).get();
    }

    private void budget(String name, String app, IntOrString minAvailable, IntOrString maxUnavailable) {
        client.resource(new PodDisruptionBudgetBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", app).endSelector().withMinAvailable(minAvailable)
                .withMaxUnavailable(maxUnavailable).endSpec().build()).create();
    }

    private void ownedPod(String name, String app, HasMetadata owner) {
        client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace("default").addToLabels("app", app)
                .addToOwnerReferences(new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
                        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).withController(true).build())
                .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();
    }

    private static PodTemplateSpec template(String app) {
        return new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", app).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
    }
}
