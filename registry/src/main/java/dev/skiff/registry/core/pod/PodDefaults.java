package dev.skiff.registry.core.pod;

import dev.skiff.api.core.v1.PodSpecDefaults;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a created pod gets filled in, as upstream: core/v1 SetDefaults_Pod, SetDefaults_PodSpec and
 * SetDefaults_Container, and the admission plugins every cluster runs by default - ServiceAccount
 * (serviceAccountName "default"), Priority (priority 0, PreemptLowerPriority when no class is named)
 * and DefaultTolerationSeconds (tolerate not-ready/unreachable for 300 s).
 */
public final class PodDefaults {
    static final long DEFAULT_TOLERATION_SECONDS = 300;

    private PodDefaults() {
    }

    static void apply(Pod pod, PodAdmissionPlugins plugins) {
        PodSpec spec = pod.getSpec();
        applySpec(spec);
        if (isEmpty(spec.getServiceAccountName())) {
            spec.setServiceAccountName(isEmpty(spec.getServiceAccount()) ? "default" : spec.getServiceAccount());
        }
        spec.setServiceAccount(spec.getServiceAccountName());
        if (plugins.priority() && spec.getPriority() == null && isEmpty(spec.getPriorityClassName())) {
            spec.setPriority(0);
        }
        if (spec.getPreemptionPolicy() == null) {
            spec.setPreemptionPolicy("PreemptLowerPriority");
        }
        if (plugins.defaultTolerationSeconds()) {
            addDefaultTolerations(spec);
        }
    }

    /** DefaultTolerationSeconds: tolerate not-ready and unreachable nodes for 300 s, unless the pod already tolerates them. */
    private static void addDefaultTolerations(PodSpec spec) {
        List<Toleration> tolerations = new ArrayList<>(spec.getTolerations() == null ? List.of() : spec.getTolerations());
        for (String taint : List.of("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")) {
            boolean tolerated = tolerations.stream().anyMatch(t -> (isEmpty(t.getKey()) || taint.equals(t.getKey()))
                    && (isEmpty(t.getEffect()) || "NoExecute".equals(t.getEffect())));
            if (!tolerated) {
                tolerations.add(new Toleration("NoExecute", taint, "Exists", DEFAULT_TOLERATION_SECONDS, null));
            }
        }
        spec.setTolerations(tolerations);
    }

    /** The spec's own defaults (the API-type defaulting that also runs on every update). */
    public static void applySpec(PodSpec spec) {
        PodSpecDefaults.apply(spec);
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }
}
