package dev.skiff.controller.deployment;

import dev.skiff.api.intstr.IntOrPercent;
import dev.skiff.controller.ComputeHash;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
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

    /**
     * maxSurge rounded up and maxUnavailable rounded down against the desired replicas; both 0 becomes
     * unavailable 1 (upstream's ResolveFenceposts), unavailable at most the replicas. Both 0 for a
     * Recreate deployment (upstream's MaxSurge and MaxUnavailable).
     */
    static int[] surgeAndUnavailable(Deployment d) {
        if (!isRollingUpdate(d)) {
            return new int[] {0, 0};
        }
        var ru = d.getSpec().getStrategy() == null ? null : d.getSpec().getStrategy().getRollingUpdate();
        int replicas = replicas(d);
        int surge = resolve(ru == null ? null : ru.getMaxSurge(), replicas, true);
        int unavailable = resolve(ru == null ? null : ru.getMaxUnavailable(), replicas, false);
        if (surge == 0 && unavailable == 0) {
            unavailable = 1;
        }
        return new int[] {surge, Math.min(unavailable, replicas)};
    }

    static boolean isRollingUpdate(Deployment d) {
        return d.getSpec().getStrategy() == null || d.getSpec().getStrategy().getType() == null
                || "RollingUpdate".equals(d.getSpec().getStrategy().getType());
    }

    /** The replicas a deployment may run at most: its replicas plus maxSurge (the max-replicas annotation). */
    static int maxReplicas(Deployment d) {
        return replicas(d) + surgeAndUnavailable(d)[0];
    }

    /** A replica-count annotation of the set, or -1 when absent or not a number. */
    static int intAnnotation(ReplicaSet rs, String key) {
        String v = rs.getMetadata().getAnnotations() == null ? null : rs.getMetadata().getAnnotations().get(key);
        try {
            return v == null ? -1 : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * A set's new size in proportional scaling (upstream's getReplicaSetFraction), less its current size:
     * its size times the deployment's max replicas now over the max replicas it was last scaled for
     * (its max-replicas annotation, or the deployment's status.replicas without one), rounded.
     */
    static int fraction(ReplicaSet rs, Deployment d) {
        if (replicas(d) == 0) {
            return -replicas(rs);
        }
        int before = intAnnotation(rs, MAX_REPLICAS);
        if (before <= 0) {
            before = d.getStatus() == null || d.getStatus().getReplicas() == null ? 0 : d.getStatus().getReplicas();
            if (before == 0) {
                return 0;
            }
        }
        return (int) Math.round((double) replicas(rs) * maxReplicas(d) / before) - replicas(rs);
    }

    /** Upstream's GetReplicaSetProportion: the set's fraction, never past what is left to add (or remove). */
    static int proportion(ReplicaSet rs, Deployment d, int toAdd, int added) {
        if (replicas(rs) == 0 || toAdd == 0 || toAdd == added) {
            return 0;
        }
        int fraction = fraction(rs, d);
        int allowed = toAdd - added;
        return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
    }

    /** A set and the size proportional scaling gives it. */
    record Resize(ReplicaSet set, int replicas) {
    }

    /**
     * Upstream's proportional scaling (sync.go scale) of a rolling deployment's active sets: the
     * difference between replicas + maxSurge (0 when scaling to 0) and the sets' total is shared in
     * proportion to their sizes, largest first - the newer first among equals when growing, the older
     * when shrinking - and what rounding leaves goes to the first.
     */
    static List<Resize> proportionalSizes(Deployment d, List<ReplicaSet> active) {
        int allowed = replicas(d) > 0 ? maxReplicas(d) : 0;
        int toAdd = allowed - active.stream().mapToInt(DeploymentUtil::replicas).sum();
        List<ReplicaSet> ordered = new ArrayList<>(active);
        Comparator<ReplicaSet> oldestFirst = Comparator.comparing((ReplicaSet rs) -> Instant.parse(rs.getMetadata().getCreationTimestamp()))
                .thenComparing(rs -> rs.getMetadata().getName());
        Comparator<ReplicaSet> largestFirst = Comparator.comparingInt((ReplicaSet rs) -> replicas(rs)).reversed();
        if (toAdd > 0) {
            ordered.sort(largestFirst.thenComparing(oldestFirst.reversed()));
        } else if (toAdd < 0) {
            ordered.sort(largestFirst.thenComparing(oldestFirst));
        }
        int added = 0;
        int[] sizes = new int[ordered.size()];
        for (int i = 0; i < ordered.size(); i++) {
            int p = proportion(ordered.get(i), d, toAdd, added);
            sizes[i] = replicas(ordered.get(i)) + p;
            added += p;
        }
        List<Resize> out = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            int size = i == 0 ? Math.max(0, sizes[i] + toAdd - added) : sizes[i];
            out.add(new Resize(ordered.get(i), size));
        }
        return out;
    }

    private static int resolve(IntOrString value, int total, boolean roundUp) {
        if (value == null) {
            value = new IntOrString("25%");
        }
        return IntOrPercent.scaled(value, total, roundUp);
    }
}
