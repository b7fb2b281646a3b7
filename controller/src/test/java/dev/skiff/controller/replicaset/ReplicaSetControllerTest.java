package dev.skiff.controller.replicaset;

import dev.skiff.controller.ControlPlaneTest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControllerManager;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ReplicaSet controller in the controller manager against the real API server (in-process
 * control plane). There is no kubelet: the test marks pods running and ready through pods/status,
 * as upstream's integration tests do.
 */
class ReplicaSetControllerTest extends ControlPlaneTest {

    @Test
    void keepsReplicasReplacesDeletedPodsScalesDownTheLeastValuableAndReportsStatus() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("*"), false, 2)) {
            ReplicaSet rs = client.resource(replicaSet("web", 3)).create();
            await("3 pods", () -> pods("web").size() == 3);
            for (Pod p : pods("web")) {
                assertThat(p.getMetadata().getName()).startsWith("web-");
                var ref = p.getMetadata().getOwnerReferences().getFirst();
                assertThat(ref.getKind()).isEqualTo("ReplicaSet");
                assertThat(ref.getUid()).isEqualTo(rs.getMetadata().getUid());
                assertThat(ref.getController()).isTrue();
                assertThat(ref.getBlockOwnerDeletion()).isTrue();
                assertThat(p.getSpec().getContainers().getFirst().getImage()).isEqualTo("busybox");
            }
            String ready = pods("web").getFirst().getMetadata().getName();
            kubelet().markReady(ready);
            await("status counts 3 replicas, 1 ready", () -> {
                var s = client.apps().replicaSets().inNamespace("default").withName("web").get().getStatus();
                return s != null && Integer.valueOf(3).equals(s.getReplicas()) && Integer.valueOf(1).equals(s.getReadyReplicas())
                        && Integer.valueOf(1).equals(s.getAvailableReplicas()) && Integer.valueOf(3).equals(s.getFullyLabeledReplicas())
                        && Long.valueOf(1).equals(s.getObservedGeneration());
            });

            String doomed = pods("web").stream().map(p -> p.getMetadata().getName()).filter(n -> !n.equals(ready)).findFirst().orElseThrow();
            client.pods().inNamespace("default").withName(doomed).delete();
            await("a deleted pod is replaced", () -> pods("web").size() == 3 && pods("web").stream().noneMatch(p -> p.getMetadata().getName().equals(doomed)));

            client.apps().replicaSets().inNamespace("default").withName("web").scale(1);
            await("scaled down to 1", () -> pods("web").size() == 1);
            assertThat(pods("web").getFirst().getMetadata().getName()).as("the ready pod is kept").isEqualTo(ready);
            assertThat(client.v1().events().inNamespace("default").list().getItems()).anyMatch(e -> "SuccessfulCreate".equals(e.getReason()))
                    .anyMatch(e -> "SuccessfulDelete".equals(e.getReason()));
        }
    }

    @Test
    void adoptsMatchingOrphansAndReleasesPodsThatStopMatching() throws Exception {
        client.resource(new PodBuilder().withNewMetadata().withName("orphan").withNamespace("default").addToLabels("app", "adopt").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();
        try (var manager = ControllerManager.start(client, List.of("replicaset"), false, 2)) {
            ReplicaSet rs = client.resource(replicaSet("adopt", 2)).create();
            await("the orphan is adopted and one pod created", () -> pods("adopt").size() == 2
                    && pods("adopt").stream().allMatch(p -> dev.skiff.controller.ControllerRefManager.controllerRef(p) != null));
            assertThat(dev.skiff.controller.ControllerRefManager.controllerRef(client.pods().inNamespace("default").withName("orphan").get()).getUid())
                    .isEqualTo(rs.getMetadata().getUid());

            client.pods().inNamespace("default").withName("orphan").edit(p -> new PodBuilder(p).editMetadata()
                    .addToLabels("app", "elsewhere").endMetadata().build());
            await("the relabelled pod is released and replaced", () -> {
                Pod released = client.pods().inNamespace("default").withName("orphan").get();
                return dev.skiff.controller.ControllerRefManager.controllerRef(released) == null && pods("adopt").size() == 2;
            });
        }
    }

    @Test
    void onlyTheLeadingManagerRunsControllers() throws Exception {
        var first = ControllerManager.start(client, List.of("*"), true, 1);
        try (var second = ControllerManager.start(client, List.of("*"), true, 1)) {
            await("one leads", () -> first.isRunning() || second.isRunning());
            Thread.sleep(3000);
            assertThat(first.isRunning() && second.isRunning()).isFalse();
            var leader = first.isRunning() ? first : second;
            var follower = leader == first ? second : first;
            assertThat(client.leases().inNamespace("kube-system").withName("kube-controller-manager").get().getSpec().getHolderIdentity())
                    .isEqualTo(leader.identity());
            leader.close();
            await("the other takes over", follower::isRunning);
            client.resource(replicaSet("after", 1)).create();
            await("and its controllers work", () -> pods("after").size() == 1);
        } finally {
            first.close();
        }
    }

    @Test
    void unknownControllerNamesAreRejected() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ControllerManager.select(dev.skiff.controller.Controllers.all(), List.of("nope")))
                .hasMessageStartingWith("\"nope\" is not in the list of known controllers [");
        var all = dev.skiff.controller.Controllers.all();
        assertThat(ControllerManager.select(all, List.of("*", "-replicaset")))
                .extracting(dev.skiff.controller.ControllerDescriptor::name)
                .hasSize(all.size() - 1).doesNotContain("replicaset");
        assertThat(ControllerManager.select(all, List.of("replicaset")))
                .extracting(dev.skiff.controller.ControllerDescriptor::name).containsExactly("replicaset");
    }

    private static ReplicaSet replicaSet(String name, int replicas) {
        return new ReplicaSetBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    private List<Pod> pods(String app) {
        return client.pods().inNamespace("default").withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }
}
