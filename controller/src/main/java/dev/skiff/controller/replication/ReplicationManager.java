package dev.skiff.controller.replication;

import dev.skiff.controller.ControllerDescriptor;
import dev.skiff.controller.replicaset.ReplicaSetController;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Upstream's ReplicationManager (pkg/controller/replication): the ReplicaSet controller's logic run
 * over ReplicationControllers. As upstream's conversion adapter, an RC is read as a ReplicaSet (its
 * map selector becomes matchLabels; the registry already defaulted it to the template's labels) and
 * the ReplicaSet status computed for it is written back as the RC's status; pods get owner references
 * of kind ReplicationController and events come from {@code replication-controller}.
 */
public final class ReplicationManager {
    /** The name kube-controller-manager's --controllers knows it by. */
    public static final String NAME = "replicationcontroller";

    static final ReplicaSetController.Kind<ReplicationController> KIND = new ReplicaSetController.Kind<>(NAME, "replication-controller",
            ReplicationController.class, ReplicationManager::asReplicaSet, ReplicationManager::writeStatus);

    public static final ControllerDescriptor DESCRIPTOR = ReplicaSetController.descriptor(KIND);

    private ReplicationManager() {
    }

    /** The RC as a ReplicaSet with the same metadata, spec and status (upstream's convertRCtoRS). */
    static ReplicaSet asReplicaSet(ReplicationController rc) {
        var spec = rc.getSpec();
        return new ReplicaSetBuilder().withMetadata(rc.getMetadata())
                .withNewSpec().withReplicas(spec.getReplicas()).withMinReadySeconds(spec.getMinReadySeconds())
                .withNewSelector().withMatchLabels(spec.getSelector()).endSelector()
                .withTemplate(spec.getTemplate()).endSpec()
                .withStatus(rc.getStatus() == null ? null : convert(rc.getStatus(), ReplicaSetStatus.class)).build();
    }

    /** The ReplicaSet status as the RC's (same fields; ReplicaFailure conditions carry over) through replicationcontrollers/status. */
    static void writeStatus(KubernetesClient client, ReplicationController rc, ReplicaSetStatus status) {
        var updated = new ReplicationControllerBuilder(rc).withStatus(convert(status, ReplicationControllerStatus.class)).build();
        client.replicationControllers().inNamespace(rc.getMetadata().getNamespace()).resource(updated).updateStatus();
    }

    private static <S> S convert(Object status, Class<S> to) {
        return Serialization.unmarshal(Serialization.asJson(status), to);
    }
}
