package dev.skiff.controller.deployment;

import dev.skiff.controller.ControlPlaneTest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControllerManager;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Deployment and ReplicaSet controllers together against the real API server. No kubelet runs:
 * the {@link dev.skiff.controller.TestKubelet} loop marks every new pod Running and Ready (as upstream's
 * integration tests do), and the test records the most pods alive at once, to check maxSurge.
 */
class DeploymentControllerTest extends ControlPlaneTest {
    /** An image whose pods never start (the test kubelet leaves them Pending). */
    private static final String NO_SUCH_IMAGE = "busybox:no-such-tag";
    private final AtomicInteger mostPods = new AtomicInteger();

    @BeforeEach
    void startKubelet() {
        kubelet().runAll(pods -> mostPods.accumulateAndGet(pods.size(), Math::max),
                pod -> !NO_SUCH_IMAGE.equals(pod.getSpec().getContainers().getFirst().getImage()));
    }

    @Test
    void rollsOutANewTemplateWithinSurgeRecordsRevisionsAndRollsBack() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("*"), false, 2)) {
            client.resource(deployment("web", 4, "busybox:1")).create();
            awaitComplete("web", 4);
            Deployment d = get("web");
            assertThat(d.getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "1");
            ReplicaSet first = sets("web").getFirst();
            assertThat(first.getMetadata().getName()).startsWith("web-");
            assertThat(first.getMetadata().getLabels()).containsKey("pod-template-hash");
            assertThat(first.getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "1");
            assertThat(conditionReason(d, "Progressing")).isEqualTo("NewReplicaSetAvailable");
            assertThat(conditionReason(d, "Available")).isEqualTo("MinimumReplicasAvailable");

            mostPods.set(0);
            client.apps().deployments().inNamespace("default").withName("web").edit(x -> new DeploymentBuilder(x).editSpec().editTemplate()
                    .editSpec().editFirstContainer().withImage("busybox:2").endContainer().endSpec().endTemplate().endSpec().build());
            awaitComplete("web", 4);
            assertThat(get("web").getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "2");
            assertThat(mostPods.get()).as("at most replicas + maxSurge (25% of 4 = 1) pods at once").isLessThanOrEqualTo(5);
            assertThat(sets("web")).hasSize(2);
            assertThat(sets("web")).filteredOn(rs -> rs.getSpec().getReplicas() == 4).singleElement()
                    .satisfies(rs -> assertThat(rs.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage()).isEqualTo("busybox:2"));
            assertThat(pods("web")).allSatisfy(p -> assertThat(p.getSpec().getContainers().getFirst().getImage()).isEqualTo("busybox:2"));

            // kubectl rollout undo: the template of revision 1 comes back; its set becomes revision 3
            client.apps().deployments().inNamespace("default").withName("web").edit(x -> new DeploymentBuilder(x).editSpec().editTemplate()
                    .editSpec().editFirstContainer().withImage("busybox:1").endContainer().endSpec().endTemplate().endSpec().build());
            awaitComplete("web", 4);
            assertThat(get("web").getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "3");
            assertThat(sets("web")).as("the old set is reused, not a third one").hasSize(2);
            assertThat(client.apps().replicaSets().inNamespace("default").withName(first.getMetadata().getName()).get()
                    .getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "3");
        }
    }

    @Test
    void recreateScalingAndPause() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("*"), false, 2)) {
            client.resource(new DeploymentBuilder(deployment("rec", 2, "busybox:1")).editSpec().withNewStrategy().withType("Recreate")
                    .endStrategy().endSpec().build()).create();
            awaitComplete("rec", 2);
            mostPods.set(0);
            client.apps().deployments().inNamespace("default").withName("rec").edit(x -> new DeploymentBuilder(x).editSpec().editTemplate()
                    .editSpec().editFirstContainer().withImage("busybox:2").endContainer().endSpec().endTemplate().endSpec().build());
            awaitComplete("rec", 2);
            assertThat(mostPods.get()).as("Recreate never runs old and new pods together").isLessThanOrEqualTo(2);

            client.apps().deployments().inNamespace("default").withName("rec").scale(5);
            awaitComplete("rec", 5);
            assertThat(pods("rec")).hasSize(5);

            client.apps().deployments().inNamespace("default").withName("rec").edit(x -> new DeploymentBuilder(x).editSpec().withPaused(true)
                    .editTemplate().editSpec().editFirstContainer().withImage("busybox:3").endContainer().endSpec().endTemplate().endSpec().build());
            await("paused is reported", () -> "DeploymentPaused".equals(conditionReason(get("rec"), "Progressing")));
            Thread.sleep(1000);
            assertThat(pods("rec")).as("a paused deployment does not roll").allSatisfy(p ->
                    assertThat(p.getSpec().getContainers().getFirst().getImage()).isEqualTo("busybox:2"));
        }
    }

    @Test
    void scalingMidRolloutSharesTheChangeInProportionToTheReplicaSets() throws Exception {
        // upstream's documented example: 10 replicas, maxSurge 3, maxUnavailable 2, rolled out to an image that never
        // starts - the rollout stalls with 8 old and 5 new - then scaled to 15: 3 more old, 2 more new
        try (var manager = ControllerManager.start(client, List.of("*"), false, 2)) {
            client.resource(new DeploymentBuilder(deployment("prop", 10, "busybox:1")).editSpec().withNewStrategy().withType("RollingUpdate")
                    .withNewRollingUpdate().withMaxSurge(new IntOrString(3)).withMaxUnavailable(new IntOrString(2)).endRollingUpdate()
                    .endStrategy().endSpec().build()).create();
            awaitComplete("prop", 10);
            client.apps().deployments().inNamespace("default").withName("prop").edit(x -> new DeploymentBuilder(x).editSpec().editTemplate()
                    .editSpec().editFirstContainer().withImage(NO_SUCH_IMAGE).endContainer().endSpec().endTemplate().endSpec().build());
            await("the rollout stalls at 8 old and 5 new", () -> sizesByImage("prop").equals(Map.of("busybox:1", 8, NO_SUCH_IMAGE, 5)));

            client.apps().deployments().inNamespace("default").withName("prop").scale(15);
            await("15 + maxSurge 3 shared 11 old, 7 new", () -> sizesByImage("prop").equals(Map.of("busybox:1", 11, NO_SUCH_IMAGE, 7)));
            assertThat(sets("prop")).allSatisfy(rs -> assertThat(rs.getMetadata().getAnnotations())
                    .containsEntry("deployment.kubernetes.io/desired-replicas", "15")
                    .containsEntry("deployment.kubernetes.io/max-replicas", "18"));
            String old = sets("prop").stream().filter(rs -> image(rs).equals("busybox:1")).findFirst().orElseThrow().getMetadata().getName();
            await("the scaling is recorded", () -> client.v1().events().inNamespace("default").list().getItems().stream()
                    .anyMatch(e -> "ScalingReplicaSet".equals(e.getReason()) && ("Scaled up replica set " + old + " from 8 to 11").equals(e.getMessage())));
            await("11 old pods run", () -> pods("prop").stream().filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())).count() == 11);
            assertThat(sizesByImage("prop")).as("the stalled rollout stays where scaling put it")
                    .isEqualTo(Map.of("busybox:1", 11, NO_SUCH_IMAGE, 7));
        }
    }

    @Test
    void aRolloutThatMakesNoProgressPastItsDeadlineIsReportedAndRecoversWhenFixed() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("*"), false, 2)) {
            client.resource(new DeploymentBuilder(deployment("late", 2, "busybox:1")).editSpec().withProgressDeadlineSeconds(5).endSpec()
                    .build()).create();
            awaitComplete("late", 2);
            client.apps().deployments().inNamespace("default").withName("late").edit(x -> new DeploymentBuilder(x).editSpec().editTemplate()
                    .editSpec().editFirstContainer().withImage(NO_SUCH_IMAGE).endContainer().endSpec().endTemplate().endSpec().build());
            long rolled = System.nanoTime();
            await("the new set exists", () -> sets("late").stream().anyMatch(rs -> image(rs).equals(NO_SUCH_IMAGE)));
            String newSet = sets("late").stream().filter(rs -> image(rs).equals(NO_SUCH_IMAGE)).findFirst().orElseThrow().getMetadata().getName();
            await("the deadline passes", () -> "ProgressDeadlineExceeded".equals(conditionReason(get("late"), "Progressing")));
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - rolled)).as("not before the deadline")
                    .isGreaterThanOrEqualTo(java.time.Duration.ofSeconds(5));
            var progressing = get("late").getStatus().getConditions().stream().filter(c -> c.getType().equals("Progressing")).findFirst()
                    .orElseThrow();
            assertThat(progressing.getStatus()).isEqualTo("False");
            assertThat(progressing.getMessage()).isEqualTo("ReplicaSet \"" + newSet + "\" has timed out progressing.");
            assertThat(conditionReason(get("late"), "Available")).as("the old pods still serve").isEqualTo("MinimumReplicasAvailable");
            assertThat(sizesByImage("late")).as("a timed-out rollout is not rolled back").containsEntry(NO_SUCH_IMAGE, 1);

            client.apps().deployments().inNamespace("default").withName("late").edit(x -> new DeploymentBuilder(x).editSpec().editTemplate()
                    .editSpec().editFirstContainer().withImage("busybox:2").endContainer().endSpec().endTemplate().endSpec().build());
            awaitComplete("late", 2);
            assertThat(pods("late")).allSatisfy(p -> assertThat(p.getSpec().getContainers().getFirst().getImage()).isEqualTo("busybox:2"));
        }
    }

    private Map<String, Integer> sizesByImage(String app) {
        return sets(app).stream().collect(Collectors.toMap(DeploymentControllerTest::image, rs -> rs.getSpec().getReplicas()));
    }

    private static String image(ReplicaSet rs) {
        return rs.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage();
    }

    private void awaitComplete(String name, int replicas) throws InterruptedException {
        await(name + " complete with " + replicas, () -> {
            Deployment d = get(name);
            var s = d.getStatus();
            return s != null && d.getMetadata().getGeneration().equals(s.getObservedGeneration())
                    && Integer.valueOf(replicas).equals(s.getUpdatedReplicas()) && Integer.valueOf(replicas).equals(s.getReplicas())
                    && Integer.valueOf(replicas).equals(s.getAvailableReplicas()) && "NewReplicaSetAvailable".equals(conditionReason(d, "Progressing"))
                    && pods(name).size() == replicas;
        });
    }

    private static String conditionReason(Deployment d, String type) {
        if (d.getStatus() == null || d.getStatus().getConditions() == null) {
            return null;
        }
        return d.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).map(c -> c.getReason()).findFirst().orElse(null);
    }

    private Deployment get(String name) {
        return client.apps().deployments().inNamespace("default").withName(name).get();
    }

    private List<ReplicaSet> sets(String app) {
        return client.apps().replicaSets().inNamespace("default").withLabel("app", app).list().getItems();
    }

    private List<Pod> pods(String app) {
        return client.pods().inNamespace("default").withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    private static Deployment deployment(String name, int replicas, String image) {
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage(image).endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

}
