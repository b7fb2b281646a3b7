package dev.skiff.controller.deployment;

import dev.skiff.api.intstr.IntOrPercent;
import dev.skiff.controller.ComputeHash;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.util.HashMap;
import java.util.Map;

/** The arithmetic and naming rules of upstream's pkg/controller/deployment/util. */
final class DeploymentUtil {
    static final String REVISION = "deployment.kubernetes.io/revision";
    static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
    static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
    static final String POD_TEMPLATE_HASH = "pod-template-hash";
    private DeploymentUtil() {
    }

    /** A stable short hash of the pod template (and the collision count). */
    static String podTemplateHash(PodTemplateSpec template, Integer collisionCount) {
        return ComputeHash.of(template, collisionCount);
    }

    /** Whether two templates are equal once the pod-template-hash label is ignored (upstream's EqualIgnoreHash). */
    static boolean equalIgnoreHash(PodTemplateSpec a, PodTemplateSpec b) {
        return withoutHash(a).equals(withoutHash(b));
    }

    static PodTemplateSpec withoutHash(PodTemplateSpec template) {
        var copy = new PodTemplateSpecBuilder(template).build();
        if (copy.getMetadata() != null && copy.getMetadata().getLabels() != null) {
            Map<String, String> labels = new HashMap<>(copy.getMetadata().getLabels());
            labels.remove(POD_TEMPLATE_HASH);
            copy.getMetadata().setLabels(labels);
        }
        return copy;
    }

    static int replicas(Deployment d) {
        return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    }

    static int replicas(ReplicaSet rs) {
        return rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
    }

    static int statusReplicas(ReplicaSet rs) {
        return rs.getStatus() == null || rs.getStatus().getReplicas() == null ? 0 : rs.getStatus().getReplicas();
    }

    static int available(ReplicaSet rs) {
        return rs.getStatus() == null || rs.getStatus().getAvailableReplicas() == null ? 0 : rs.getStatus().getAvailableReplicas();
    }

    static int ready(ReplicaSet rs) {
        return rs.getStatus() == null || rs.getStatus().getReadyReplicas() == null ? 0 : rs.getStatus().getReadyReplicas();
    }

    static long revision(ReplicaSet rs) {
        String v = rs.getMetadata().getAnnotations() == null ? null : rs.getMetadata().getAnnotations().get(REVISION);
        try {
            return v == null ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** maxSurge rounded up and maxUnavailable rounded down against the desired replicas; both 0 becomes unavailable 1 (upstream's ResolveFenceposts). */
    static int[] surgeAndUnavailable(Deployment d) {
        var ru = d.getSpec().getStrategy() == null ? null : d.getSpec().getStrategy().getRollingUpdate();
        int replicas = replicas(d);
        int surge = resolve(ru == null ? null : ru.getMaxSurge(), replicas, true);
        int unavailable = resolve(ru == null ? null : ru.getMaxUnavailable(), replicas, false);
        if (surge == 0 && unavailable == 0) {
            unavailable = 1;
        }
        return new int[] {surge, unavailable};
    }

    private static int resolve(IntOrString value, int total, boolean roundUp) {
        if (value == null) {
            value = new IntOrString("25%");
        }
        return IntOrPercent.scaled(value, total, roundUp);
    }
}
