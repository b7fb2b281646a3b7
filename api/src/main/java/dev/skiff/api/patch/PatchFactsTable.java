package dev.skiff.api.patch;

import static dev.skiff.api.patch.PatchFacts.map;
import static dev.skiff.api.patch.PatchFacts.mergeByKey;
import static dev.skiff.api.patch.PatchFacts.mergeByKeyRetainingKeys;
import static dev.skiff.api.patch.PatchFacts.mergeByKeyUnmarked;
import static dev.skiff.api.patch.PatchFacts.mergeSet;
import static dev.skiff.api.patch.PatchFacts.replace;
import static dev.skiff.api.patch.PatchFacts.retainingKeys;
import static dev.skiff.api.patch.PatchFacts.set;

import io.fabric8.kubernetes.api.model.ComponentStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.NamespaceStatus;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatus;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatus;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceStatus;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.UncountedTerminatedPods;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDRStatus;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.api.model.storage.CSIDriverSpec;
import io.fabric8.kubernetes.api.model.storage.CSINodeSpec;
import java.util.Map;

/**
 * The patch facts of the Kubernetes v1.33 built-in types: every field that upstream tags with a
 * patch strategy or marks as a map/set list (k8s.io/api and apimachinery's meta/v1 at v0.33).
 * Keyed by the fabric8 model class that holds the field, by the field's JSON name; field names
 * and nesting are the model's, checked by PatchMetaTest. Every list not named here is atomic.
 * EphemeralContainerCommon is inlined into fabric8's EphemeralContainer, as Go inlines it.
 */
final class PatchFactsTable {
    private PatchFactsTable() {
    }

    static final Map<Class<?>, Map<String, PatchFacts>> FACTS = Map.ofEntries(
            // meta/v1
            Map.entry(ObjectMeta.class, Map.of(
                    "finalizers", mergeSet(),
                    "ownerReferences", mergeByKey("uid"))),
            // core/v1
            Map.entry(PodSpec.class, Map.of(
                    "volumes", mergeByKeyRetainingKeys("name"),
                    "initContainers", mergeByKey("name"),
                    "containers", mergeByKey("name"),
                    "ephemeralContainers", mergeByKey("name"),
                    "imagePullSecrets", mergeByKey("name"),
                    "hostAliases", mergeByKey("ip"),
                    "topologySpreadConstraints", mergeByKey("topologyKey", "topologyKey", "whenUnsatisfiable"),
                    "schedulingGates", mergeByKey("name"),
                    "resourceClaims", mergeByKeyRetainingKeys("name"))),
            Map.entry(Container.class, containerFacts()),
            Map.entry(EphemeralContainer.class, containerFacts()),
            Map.entry(ContainerStatus.class, Map.of(
                    "volumeMounts", mergeByKey("mountPath"),
                    "allocatedResourcesStatus", mergeByKey("name"))),
            Map.entry(ResourceStatus.class, Map.of("resources", map("resourceID"))),
            Map.entry(ResourceRequirements.class, Map.of("claims", map("name"))),
            Map.entry(PodStatus.class, Map.of(
                    "conditions", mergeByKey("type"),
                    "hostIPs", mergeByKeyUnmarked("ip"),
                    "podIPs", mergeByKey("ip"),
                    "resourceClaimStatuses", mergeByKeyRetainingKeys("name"))),
            Map.entry(ServiceSpec.class, Map.of("ports", mergeByKey("port", "port", "protocol"))),
            Map.entry(ServiceStatus.class, Map.of("conditions", mergeByKey("type"))),
            Map.entry(ServiceAccount.class, Map.of("secrets", mergeByKey("name"))),
            Map.entry(NodeSpec.class, Map.of("podCIDRs", mergeSet())),
            Map.entry(NodeStatus.class, Map.of(
                    "conditions", mergeByKey("type"),
                    "addresses", mergeByKey("type"))),
            Map.entry(NamespaceStatus.class, Map.of("conditions", mergeByKey("type"))),
            Map.entry(ComponentStatus.class, Map.of("conditions", mergeByKey("type"))),
            Map.entry(PersistentVolumeClaimStatus.class, Map.of("conditions", mergeByKey("type"))),
            Map.entry(ReplicationControllerStatus.class, Map.of("conditions", mergeByKey("type"))),
            // apps/v1
            Map.entry(DeploymentSpec.class, Map.of("strategy", retainingKeys())),
            Map.entry(DeploymentStatus.class, Map.of("conditions", mergeByKey("type"))),
            Map.entry(StatefulSetStatus.class, Map.of("conditions", mergeByKey("type"))),
            Map.entry(DaemonSetStatus.class, Map.of("conditions", mergeByKey("type"))),
            Map.entry(ReplicaSetStatus.class, Map.of("conditions", mergeByKey("type"))),
            // autoscaling/v2
            Map.entry(HorizontalPodAutoscalerStatus.class, Map.of("conditions", mergeByKey("type"))),
            // batch/v1
            Map.entry(JobStatus.class, Map.of("conditions", mergeByKeyUnmarked("type"))),
            Map.entry(PodFailurePolicyOnExitCodesRequirement.class, Map.of("values", set())),
            Map.entry(UncountedTerminatedPods.class, Map.of("succeeded", set(), "failed", set())),
            // discovery/v1
            Map.entry(Endpoint.class, Map.of("addresses", set())),
            // networking/v1
            Map.entry(ServiceCIDRStatus.class, Map.of("conditions", mergeByKey("type"))),
            // policy/v1
            Map.entry(PodDisruptionBudgetSpec.class, Map.of("selector", replace())),
            Map.entry(PodDisruptionBudgetStatus.class, Map.of("conditions", mergeByKey("type"))),
            // storage/v1
            Map.entry(CSIDriverSpec.class, Map.of("volumeLifecycleModes", set())),
            Map.entry(CSINodeSpec.class, Map.of("drivers", mergeByKey("name"))));

    private static Map<String, PatchFacts> containerFacts() {
        return Map.of(
                "ports", mergeByKey("containerPort", "containerPort", "protocol"),
                "env", mergeByKey("name"),
                "volumeMounts", mergeByKey("mountPath"),
                "volumeDevices", mergeByKey("devicePath"));
    }
}
