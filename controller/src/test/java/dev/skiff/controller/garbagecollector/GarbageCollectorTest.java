package dev.skiff.controller.garbagecollector;

import dev.skiff.controller.ControlPlaneTest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControllerManager;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The garbage collector with the workload controllers, against the real API server. */
class GarbageCollectorTest extends ControlPlaneTest {

    @Test
    void backgroundDeletionRemovesADeploymentsReplicaSetsAndPods() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("*"), false, 2)) {
            client.resource(deployment("bg")).create();
            await("pods", () -> pods("bg").size() == 2);
            client.apps().deployments().inNamespace("default").withName("bg").withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            await("replica sets and pods collected", () -> client.apps().replicaSets().inNamespace("default").withLabel("app", "bg").list()
                    .getItems().isEmpty() && allPods("bg").isEmpty());
        }
    }

    @Test
    void foregroundDeletionKeepsTheOwnerUntilItsDependentsAreGone() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("*"), false, 2)) {
            client.resource(deployment("fg")).create();
            await("pods", () -> pods("fg").size() == 2);
            client.apps().deployments().inNamespace("default").withName("fg").withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
            Deployment deleting = client.apps().deployments().inNamespace("default").withName("fg").get();
            assertThat(deleting.getMetadata().getFinalizers()).contains("foregroundDeletion");
            await("the deployment goes last", () -> client.apps().deployments().inNamespace("default").withName("fg").get() == null);
            assertThat(client.apps().replicaSets().inNamespace("default").withLabel("app", "fg").list().getItems()).isEmpty();
            assertThat(allPods("fg")).isEmpty();
        }
    }

    @Test
    void orphanDeletionLeavesDependentsWithoutTheReference() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("*"), false, 2)) {
            client.resource(deployment("or")).create();
            await("pods", () -> pods("or").size() == 2);
            client.apps().deployments().inNamespace("default").withName("or").withPropagationPolicy(DeletionPropagation.ORPHAN).delete();
            await("the deployment is gone", () -> client.apps().deployments().inNamespace("default").withName("or").get() == null);
            var sets = client.apps().replicaSets().inNamespace("default").withLabel("app", "or").list().getItems();
            assertThat(sets).hasSize(1);
            assertThat(sets.getFirst().getMetadata().getOwnerReferences()).isNullOrEmpty();
            Thread.sleep(1000);
            assertThat(pods("or")).as("the orphaned set keeps its pods").hasSize(2);
        }
    }

    @Test
    void aDependentWithAnotherLiveOwnerOnlyLosesTheDeadReference() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("garbage-collector"), false, 2)) {
            ConfigMap a = client.resource(cm("owner-a", null, null)).create();
            ConfigMap b = client.resource(cm("owner-b", null, null)).create();
            client.resource(cm("shared", a, b)).create();
            client.resource(cm("single", a, null)).create();
            client.configMaps().inNamespace("default").withName("owner-a").withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            await("the dependent of only a is collected", () -> client.configMaps().inNamespace("default").withName("single").get() == null);
            await("the shared one keeps b only", () -> {
                var refs = client.configMaps().inNamespace("default").withName("shared").get().getMetadata().getOwnerReferences();
                return refs.size() == 1 && refs.getFirst().getName().equals("owner-b");
            });
        }
    }

    private static ConfigMap cm(String name, ConfigMap owner1, ConfigMap owner2) {
        var b = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata();
        for (ConfigMap owner : new ConfigMap[] {owner1, owner2}) {
            if (owner != null) {
                b.editMetadata().addToOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("ConfigMap")
                        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).build()).endMetadata();
            }
        }
        return b.build();
    }

    private static Deployment deployment(String name) {
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    private List<Pod> allPods(String app) {
        return client.pods().inNamespace("default").withLabel("app", app).list().getItems();
    }

    private List<Pod> pods(String app) {
        return allPods(app).stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

}
