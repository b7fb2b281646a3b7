package dev.skiff.controller.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControlPlaneTest;
import dev.skiff.controller.ControllerManager;
import dev.skiff.controller.ControllerRefManager;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ReplicationController controller (the ReplicaSet logic through the RC adapter) in the controller
 * manager against the real API server; the test marks pods ready through pods/status as a kubelet would.
 */
class ReplicationManagerTest extends ControlPlaneTest {

    @Test
    void keepsReplicasOwnedByTheRcReportsStatusAndFollowsTheScaleSubresource() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("*"), false, 2)) {
            // no selector: the registry defaults it to the template's labels
            ReplicationController rc = client.resource(rc("web", 3)).create();
            assertThat(rc.getSpec().getSelector()).containsEntry("app", "web");
            await("3 pods", () -> pods("web").size() == 3);
            for (Pod p : pods("web")) {
                assertThat(p.getMetadata().getName()).startsWith("web-");
                var ref = ControllerRefManager.controllerRef(p);
                assertThat(ref.getKind()).isEqualTo("ReplicationController");
                assertThat(ref.getApiVersion()).isEqualTo("v1");
                assertThat(ref.getName()).isEqualTo("web");
                assertThat(ref.getUid()).isEqualTo(rc.getMetadata().getUid());
                assertThat(ref.getBlockOwnerDeletion()).isTrue();
            }
            String ready = pods("web").getFirst().getMetadata().getName();
            kubelet().markReady(ready);
            await("status counts 3 replicas, 1 ready and available", () -> {
                ReplicationControllerStatus s = status("web");
                return s != null && Integer.valueOf(3).equals(s.getReplicas()) && Integer.valueOf(3).equals(s.getFullyLabeledReplicas())
                        && Integer.valueOf(1).equals(s.getReadyReplicas()) && Integer.valueOf(1).equals(s.getAvailableReplicas())
                        && Long.valueOf(1).equals(s.getObservedGeneration());
            });

            // kubectl scale rc goes through replicationcontrollers/scale
            client.replicationControllers().inNamespace("default").withName("web").scale(1);
            await("scaled down to 1", () -> pods("web").size() == 1);
            assertThat(pods("web").getFirst().getMetadata().getName()).as("the ready pod is kept").isEqualTo(ready);
            await("status follows, generation 2 observed", () -> Integer.valueOf(1).equals(status("web").getReplicas())
                    && Long.valueOf(2).equals(status("web").getObservedGeneration()));
            client.replicationControllers().inNamespace("default").withName("web").scale(4);
            await("scaled up to 4", () -> pods("web").size() == 4);

            var events = client.v1().events().inNamespace("default").list().getItems().stream()
                    .filter(e -> "ReplicationController".equals(e.getInvolvedObject().getKind())).toList();
            assertThat(events).anyMatch(e -> "SuccessfulCreate".equals(e.getReason())).anyMatch(e -> "SuccessfulDelete".equals(e.getReason()))
                    .allMatch(e -> "replication-controller".equals(e.getSource().getComponent()));
        }
    }

    @Test
    void adoptsMatchingOrphansAndReleasesPodsThatStopMatching() throws Exception {
        client.resource(new PodBuilder().withNewMetadata().withName("orphan").withNamespace("default").addToLabels("app", "adopt").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();
        try (var manager = ControllerManager.start(client, List.of("replicationcontroller"), false, 2)) {
            ReplicationController rc = client.resource(rc("adopt", 2)).create();
            await("the orphan is adopted and one pod created", () -> pods("adopt").size() == 2
                    && pods("adopt").stream().allMatch(p -> ControllerRefManager.controllerRef(p) != null));
            assertThat(ControllerRefManager.controllerRef(client.pods().inNamespace("default").withName("orphan").get()).getUid())
                    .isEqualTo(rc.getMetadata().getUid());

            client.pods().inNamespace("default").withName("orphan").edit(p -> new PodBuilder(p).editMetadata()
                    .addToLabels("app", "elsewhere").endMetadata().build());
            await("the relabelled pod is released and replaced", () -> {
                Pod released = client.pods().inNamespace("default").withName("orphan").get();
                return ControllerRefManager.controllerRef(released) == null && pods("adopt").size() == 2;
            });
        }
    }

    private static ReplicationController rc(String name, int replicas) {
        return new ReplicationControllerBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    private ReplicationControllerStatus status(String name) {
        return client.replicationControllers().inNamespace("default").withName(name).get().getStatus();
    }

    private List<Pod> pods(String app) {
        return client.pods().inNamespace("default").withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }
}
