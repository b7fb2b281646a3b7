package dev.skiff.controller.disruption;

import dev.skiff.api.intstr.IntOrPercent;
import dev.skiff.client.rest.RawRequests;
import dev.skiff.controller.ControllerRefManager;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How many pods a budget expects and how many of them must be healthy, as upstream's
 * getExpectedPodCount: minAvailable as a count needs only the matching pods; a percentage or
 * maxUnavailable needs the scale of every pod's controller (ReplicationController, Deployment via
 * its ReplicaSet, a ReplicaSet of its own, StatefulSet from the listers, anything else through its
 * scale subresource). Pods without a controller are reported as unmanaged, not counted.
 */
final class ExpectedPods {

    /** {@code expected} pods, {@code desiredHealthy} of them required healthy; {@code unmanaged} pods have no controller. */
    record Count(int expected, int desiredHealthy, List<String> unmanaged) {
    }

    /** The sync cannot compute the count (no controller for a pod, a kind without a scale subresource): the budget fails safe. */
    static final class CountFailedException extends Exception {
        CountFailedException(String message) {
            super(message);
        }
    }

    private record ControllerAndScale(String uid, int scale) {
    }

    private final Lister<ReplicationController> replicationControllers;
    private final Lister<ReplicaSet> replicaSets;
    private final Lister<Deployment> deployments;
    private final Lister<StatefulSet> statefulSets;
    private final KubernetesClient client;

    ExpectedPods(Lister<ReplicationController> replicationControllers, Lister<ReplicaSet> replicaSets, Lister<Deployment> deployments,
                 Lister<StatefulSet> statefulSets, KubernetesClient client) {
        this.replicationControllers = replicationControllers;
        this.replicaSets = replicaSets;
        this.deployments = deployments;
        this.statefulSets = statefulSets;
        this.client = client;
    }

    Count count(PodDisruptionBudget pdb, List<Pod> pods) throws CountFailedException {
        PodDisruptionBudgetSpec spec = pdb.getSpec();
        if (spec.getMaxUnavailable() != null) {
            var scale = expectedScale(pods);
            int maxUnavailable = IntOrPercent.scaled(spec.getMaxUnavailable(), scale.expected(), true);
            return new Count(scale.expected(), Math.max(0, scale.expected() - maxUnavailable), scale.unmanaged());
        }
        if (spec.getMinAvailable() != null) {
            if (spec.getMinAvailable().getIntVal() != null) {
                return new Count(pods.size(), spec.getMinAvailable().getIntVal(), List.of());
            }
            var scale = expectedScale(pods);
            return new Count(scale.expected(), IntOrPercent.scaled(spec.getMinAvailable(), scale.expected(), true), scale.unmanaged());
        }
        return new Count(0, 0, List.of());
    }

    /** The sum of the scales of the pods' controllers, each counted once. */
    private Count expectedScale(List<Pod> pods) throws CountFailedException {
        Map<String, Integer> scales = new HashMap<>();
        List<String> unmanaged = new ArrayList<>();
        for (Pod pod : pods) {
            OwnerReference ref = ControllerRefManager.controllerRef(pod);
            if (ref == null) {
                unmanaged.add(pod.getMetadata().getName());
                continue;
            }
            if (scales.containsKey(ref.getUid())) {
                continue;
            }
            ControllerAndScale found = find(ref, pod.getMetadata().getNamespace());
            if (found == null) {
                throw new CountFailedException("found no controllers for pod \"" + pod.getMetadata().getName() + "\"");
            }
            scales.put(found.uid(), found.scale());
        }
        return new Count(scales.values().stream().mapToInt(Integer::intValue).sum(), 0, unmanaged);
    }

    /** The finders in upstream's order; the first that knows the controller answers. */
    private ControllerAndScale find(OwnerReference ref, String namespace) throws CountFailedException {
        ControllerAndScale found = replicationController(ref, namespace);
        if (found == null) {
            found = deployment(ref, namespace);
        }
        if (found == null) {
            found = replicaSet(ref, namespace);
        }
        if (found == null) {
            found = statefulSet(ref, namespace);
        }
        return found != null ? found : scaleSubresource(ref, namespace);
    }

    private ControllerAndScale replicationController(OwnerReference ref, String namespace) {
        if (!isKind(ref, "ReplicationController", List.of(""))) {
            return null;
        }
        ReplicationController rc = owned(replicationControllers.namespace(namespace).get(ref.getName()), ref);
        return rc == null ? null : new ControllerAndScale(ref.getUid(), replicas(rc.getSpec().getReplicas()));
    }

    private ControllerAndScale replicaSet(OwnerReference ref, String namespace) {
        ReplicaSet rs = ownedReplicaSet(ref, namespace);
        if (rs == null) {
            return null;
        }
        OwnerReference owner = ControllerRefManager.controllerRef(rs);
        if (owner != null && "Deployment".equals(owner.getKind())) {
            return null; // counted through its deployment
        }
        return new ControllerAndScale(ref.getUid(), replicas(rs.getSpec().getReplicas()));
    }

    private ControllerAndScale deployment(OwnerReference ref, String namespace) {
        ReplicaSet rs = ownedReplicaSet(ref, namespace);
        if (rs == null) {
            return null;
        }
        OwnerReference owner = ControllerRefManager.controllerRef(rs);
        if (owner == null || !isKind(owner, "Deployment", List.of("apps", "extensions"))) {
            return null;
        }
        Deployment d = owned(deployments.namespace(namespace).get(owner.getName()), owner);
        return d == null ? null : new ControllerAndScale(owner.getUid(), replicas(d.getSpec().getReplicas()));
    }

    private ReplicaSet ownedReplicaSet(OwnerReference ref, String namespace) {
        if (!isKind(ref, "ReplicaSet", List.of("apps", "extensions"))) {
            return null;
        }
        return owned(replicaSets.namespace(namespace).get(ref.getName()), ref);
    }

    private ControllerAndScale statefulSet(OwnerReference ref, String namespace) {
        if (!isKind(ref, "StatefulSet", List.of("apps"))) {
            return null;
        }
        StatefulSet ss = owned(statefulSets.namespace(namespace).get(ref.getName()), ref);
        return ss == null ? null : new ControllerAndScale(ref.getUid(), replicas(ss.getSpec().getReplicas()));
    }

    /** Any other controller: its resource found through discovery, its replicas through its scale subresource. */
    private ControllerAndScale scaleSubresource(OwnerReference ref, String namespace) throws CountFailedException {
        String apiVersion = ref.getApiVersion() == null ? "" : ref.getApiVersion();
        String group = group(apiVersion);
        String base = group.isEmpty() ? "/api/" + apiVersion : "/apis/" + apiVersion;
        APIResourceList resources;
        try {
            resources = Serialization.unmarshal(RawRequests.send(client, "GET", base, null), APIResourceList.class);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                throw new CountFailedException("no matches for kind \"" + ref.getKind() + "\" in version \"" + apiVersion + "\"");
            }
            throw e;
        }
        String resource = resources.getResources().stream()
                .filter(r -> !r.getName().contains("/") && ref.getKind().equals(r.getKind()))
                .map(APIResource::getName).findFirst()
                .orElseThrow(() -> new CountFailedException("no matches for kind \"" + ref.getKind() + "\" in version \"" + apiVersion + "\""));
        String groupResource = group.isEmpty() ? resource : resource + "." + group;
        boolean scalable = resources.getResources().stream().anyMatch(r -> (resource + "/scale").equals(r.getName()) && "Scale".equals(r.getKind()));
        if (!scalable) {
            throw new CountFailedException(groupResource + " does not implement the scale subresource");
        }
        Scale scale;
        try {
            scale = Serialization.unmarshal(RawRequests.send(client, "GET", base + "/namespaces/" + RawRequests.segment(namespace) + "/"
                    + resource + "/" + RawRequests.segment(ref.getName()) + "/scale", null), Scale.class);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return null;
            }
            throw e;
        }
        if (!ref.getUid().equals(scale.getMetadata().getUid())) {
            return null;
        }
        return new ControllerAndScale(ref.getUid(), replicas(scale.getSpec().getReplicas()));
    }

    private static <T extends HasMetadata> T owned(T object, OwnerReference ref) {
        return object != null && ref.getUid() != null && ref.getUid().equals(object.getMetadata().getUid()) ? object : null;
    }

    private static boolean isKind(OwnerReference ref, String kind, List<String> groups) {
        return kind.equals(ref.getKind()) && groups.contains(group(ref.getApiVersion() == null ? "" : ref.getApiVersion()));
    }

    private static String group(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    private static int replicas(Integer replicas) {
        return replicas == null ? 1 : replicas;
    }
}
