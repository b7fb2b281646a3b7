package dev.skiff.controller.statefulset;

import dev.skiff.controller.ControllerRefManager;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stateful pod's identity, as upstream's stateful_set_utils.go: the name {@code <set>-<ordinal>},
 * the labels naming it and its index, hostname and subdomain (the governing service) for stable
 * DNS, and one PersistentVolumeClaim per volumeClaimTemplate named {@code <template>-<set>-<ordinal>}.
 */
final class StatefulPodIdentity {
    static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
    static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
    static final String REVISION_LABEL = "controller-revision-hash";
    private static final Pattern STATEFUL_POD = Pattern.compile("(.*)-([0-9]+)$");

    private StatefulPodIdentity() {
    }

    /** The set name a pod's name claims, or null. */
    static String parentName(Pod pod) {
        Matcher m = STATEFUL_POD.matcher(pod.getMetadata().getName());
        return m.matches() ? m.group(1) : null;
    }

    /** The pod's ordinal from its name, or -1. */
    static int ordinal(Pod pod) {
        Matcher m = STATEFUL_POD.matcher(pod.getMetadata().getName());
        if (!m.matches()) {
            return -1;
        }
        try {
            return Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static boolean isMemberOf(StatefulSet set, Pod pod) {
        return set.getMetadata().getName().equals(parentName(pod));
    }

    static String podName(StatefulSet set, int ordinal) {
        return set.getMetadata().getName() + "-" + ordinal;
    }

    static int startOrdinal(StatefulSet set) {
        return set.getSpec().getOrdinals() == null || set.getSpec().getOrdinals().getStart() == null ? 0 : set.getSpec().getOrdinals().getStart();
    }

    static int replicas(StatefulSet set) {
        return set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
    }

    static boolean inOrdinalRange(StatefulSet set, Pod pod) {
        int ord = ordinal(pod);
        return ord >= startOrdinal(set) && ord < startOrdinal(set) + replicas(set);
    }

    static String revision(Pod pod) {
        return pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(REVISION_LABEL);
    }

    /** Name, namespace and the identity labels match (hostname and subdomain are set at creation; a pod's spec cannot change them). */
    static boolean identityMatches(StatefulSet set, Pod pod) {
        int ord = ordinal(pod);
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        return ord >= 0 && isMemberOf(set, pod) && pod.getMetadata().getName().equals(podName(set, ord))
                && set.getMetadata().getNamespace().equals(pod.getMetadata().getNamespace())
                && pod.getMetadata().getName().equals(labels.get(POD_NAME_LABEL))
                && Integer.toString(ord).equals(labels.get(POD_INDEX_LABEL));
    }

    /** The pod with its identity labels set (upstream's updateIdentity). */
    static Pod withIdentity(Pod pod) {
        String name = pod.getMetadata().getName();
        return new PodBuilder(pod).editMetadata().addToLabels(POD_NAME_LABEL, name)
                .addToLabels(POD_INDEX_LABEL, Integer.toString(ordinal(pod))).endMetadata().build();
    }

    /** A new pod for {@code ordinal} from {@code template} at revision {@code revision} (upstream's newVersionedStatefulSetPod). */
    static Pod newPod(StatefulSet set, PodTemplateSpec template, int ordinal, String revision) {
        String name = podName(set, ordinal);
        var meta = template.getMetadata();
        Map<String, String> labels = new LinkedHashMap<>(meta == null || meta.getLabels() == null ? Map.of() : meta.getLabels());
        labels.put(POD_NAME_LABEL, name);
        labels.put(POD_INDEX_LABEL, Integer.toString(ordinal));
        labels.put(REVISION_LABEL, revision);
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(set.getMetadata().getNamespace()).withLabels(labels)
                .withAnnotations(meta == null ? null : meta.getAnnotations()).withFinalizers(meta == null ? null : meta.getFinalizers())
                .withOwnerReferences(ControllerRefManager.newControllerRef(set)).endMetadata()
                .withSpec(new PodBuilder().withSpec(template.getSpec()).build().getSpec()).build();
        pod.getSpec().setHostname(name);
        pod.getSpec().setSubdomain(set.getSpec().getServiceName());
        pod.getSpec().setVolumes(volumes(set, pod));
        return pod;
    }

    /** The claims the pod needs, keyed by template name (upstream's getPersistentVolumeClaims). */
    static Map<String, PersistentVolumeClaim> claims(StatefulSet set, Pod pod) {
        Map<String, PersistentVolumeClaim> claims = new LinkedHashMap<>();
        List<PersistentVolumeClaim> templates = set.getSpec().getVolumeClaimTemplates();
        if (templates == null) {
            return claims;
        }
        int ord = ordinal(pod);
        for (PersistentVolumeClaim t : templates) {
            Map<String, String> labels = new HashMap<>(t.getMetadata().getLabels() == null ? Map.of() : t.getMetadata().getLabels());
            if (set.getSpec().getSelector() != null && set.getSpec().getSelector().getMatchLabels() != null) {
                labels.putAll(set.getSpec().getSelector().getMatchLabels());
            }
            PersistentVolumeClaim claim = new PersistentVolumeClaimBuilder(t).editMetadata()
                    .withName(claimName(set, t.getMetadata().getName(), ord)).withNamespace(set.getMetadata().getNamespace())
                    .withLabels(labels).endMetadata().withStatus(null).build();
            claims.put(t.getMetadata().getName(), claim);
        }
        return claims;
    }

    static String claimName(StatefulSet set, String template, int ordinal) {
        return template + "-" + set.getMetadata().getName() + "-" + ordinal;
    }

    /** The template's volumes with one claim volume per volumeClaimTemplate, replacing a volume of the same name (upstream's updateStorage). */
    private static List<Volume> volumes(StatefulSet set, Pod pod) {
        Map<String, PersistentVolumeClaim> claims = claims(set, pod);
        List<Volume> volumes = new ArrayList<>();
        claims.forEach((template, claim) -> volumes.add(new VolumeBuilder().withName(template).withNewPersistentVolumeClaim()
                .withClaimName(claim.getMetadata().getName()).withReadOnly(false).endPersistentVolumeClaim().build()));
        if (pod.getSpec().getVolumes() != null) {
            pod.getSpec().getVolumes().stream().filter(v -> !claims.containsKey(v.getName())).forEach(volumes::add);
        }
        return volumes;
    }
}
