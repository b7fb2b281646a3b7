package dev.skiff.controller.daemonset;

import dev.skiff.api.scheduling.RequiredNodeAffinity;
import dev.skiff.api.scheduling.Taints;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a DaemonSet's pods go, as upstream's daemon controller and daemon/util decide it: the
 * tolerations every daemon pod gets, whether a node should run (or keep running) the daemon pod, the
 * pod template with the revision labels, the required node affinity that pins a pod to its node for
 * the scheduler, and which node an unbound pod was made for.
 */
final class DaemonPlacement {
    static final String REVISION_HASH_LABEL = "controller-revision-hash";
    /** The deprecated template generation (annotation on the set, label on its pods), still honoured as upstream does. */
    static final String TEMPLATE_GENERATION_LABEL = "pod-template-generation";
    static final String TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation";
    private static final String NODE_NAME_FIELD = "metadata.name";

    private DaemonPlacement() {
    }

    /** Whether a node without the daemon pod should get one, and whether a node with it should keep it. */
    record Eligibility(boolean shouldRun, boolean shouldContinueRunning) {
    }

    /**
     * Upstream's NodeShouldRunDaemonPod: the template's nodeName (if set), nodeSelector and required
     * node affinity must match; an untolerated NoSchedule/NoExecute taint stops new pods, and only an
     * untolerated NoExecute taint evicts a running one.
     */
    static Eligibility eligibility(Node node, DaemonSet ds) {
        Pod pod = new PodBuilder().withSpec(podSpecWithTolerations(ds.getSpec().getTemplate().getSpec())).build();
        String nodeName = ds.getSpec().getTemplate().getSpec().getNodeName();
        if (nodeName != null && !nodeName.isEmpty() && !nodeName.equals(node.getMetadata().getName())) {
            return new Eligibility(false, false);
        }
        if (!RequiredNodeAffinity.of(pod).matches(node)) {
            return new Eligibility(false, false);
        }
        List<Taint> taints = node.getSpec() == null ? null : node.getSpec().getTaints();
        List<Toleration> tolerations = pod.getSpec().getTolerations();
        if (Taints.firstUntolerated(taints, tolerations, Taints.NO_SCHEDULE_OR_NO_EXECUTE) != null) {
            return new Eligibility(false, Taints.firstUntolerated(taints, tolerations, t -> "NoExecute".equals(t.getEffect())) == null);
        }
        return new Eligibility(true, true);
    }

    /**
     * Upstream's AddOrUpdateDaemonPodTolerations: daemon pods survive a node going not-ready or
     * unreachable (NoExecute) and are placed despite disk, memory and PID pressure and cordoning
     * (NoSchedule); host-network pods also tolerate network-unavailable.
     */
    static PodSpec podSpecWithTolerations(PodSpec template) {
        PodSpec spec = new PodBuilder().withSpec(template).build().getSpec();
        List<Toleration> tolerations = new ArrayList<>(spec.getTolerations() == null ? List.of() : spec.getTolerations());
        add(tolerations, "node.kubernetes.io/not-ready", "NoExecute");
        add(tolerations, "node.kubernetes.io/unreachable", "NoExecute");
        add(tolerations, "node.kubernetes.io/disk-pressure", "NoSchedule");
        add(tolerations, "node.kubernetes.io/memory-pressure", "NoSchedule");
        add(tolerations, "node.kubernetes.io/pid-pressure", "NoSchedule");
        add(tolerations, "node.kubernetes.io/unschedulable", "NoSchedule");
        if (Boolean.TRUE.equals(spec.getHostNetwork())) {
            add(tolerations, "node.kubernetes.io/network-unavailable", "NoSchedule");
        }
        spec.setTolerations(tolerations);
        return spec;
    }

    private static void add(List<Toleration> tolerations, String key, String effect) {
        boolean present = tolerations.stream().anyMatch(t -> key.equals(t.getKey()) && effect.equals(t.getEffect())
                && "Exists".equals(t.getOperator()) && (t.getValue() == null || t.getValue().isEmpty()));
        if (!present) {
            tolerations.add(new TolerationBuilder().withKey(key).withOperator("Exists").withEffect(effect).build());
        }
    }

    /** Upstream's CreatePodTemplate: the template with the daemon tolerations and the generation and revision-hash labels. */
    static PodTemplateSpec podTemplate(DaemonSet ds, String hash) {
        PodTemplateSpec template = new PodTemplateSpecBuilder(ds.getSpec().getTemplate()).editOrNewMetadata()
                .addToLabels(REVISION_HASH_LABEL, hash).endMetadata()
                .withSpec(podSpecWithTolerations(ds.getSpec().getTemplate().getSpec())).build();
        String generation = templateGeneration(ds);
        if (generation != null) {
            template.getMetadata().getLabels().put(TEMPLATE_GENERATION_LABEL, generation);
        }
        return template;
    }

    /** The template for one node: its required node affinity replaced by a single term pinning metadata.name (upstream's ReplaceDaemonSetPodNodeNameNodeAffinity). */
    static PodTemplateSpec pinnedTo(PodTemplateSpec template, String nodeName) {
        NodeSelector pin = new NodeSelectorBuilder().addNewNodeSelectorTerm().addNewMatchField().withKey(NODE_NAME_FIELD).withOperator("In")
                .withValues(nodeName).endMatchField().endNodeSelectorTerm().build();
        PodTemplateSpec copy = new PodTemplateSpecBuilder(template).build();
        Affinity affinity = copy.getSpec().getAffinity() == null ? new AffinityBuilder().build() : copy.getSpec().getAffinity();
        NodeAffinity nodeAffinity = affinity.getNodeAffinity() == null ? new NodeAffinity() : affinity.getNodeAffinity();
        nodeAffinity.setRequiredDuringSchedulingIgnoredDuringExecution(pin);
        affinity.setNodeAffinity(nodeAffinity);
        copy.getSpec().setAffinity(affinity);
        return copy;
    }

    /** The node a daemon pod is bound to, or the one its metadata.name affinity pins it to; null when neither (upstream's GetTargetNodeName). */
    static String targetNode(Pod pod) {
        if (pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty()) {
            return pod.getSpec().getNodeName();
        }
        var affinity = pod.getSpec().getAffinity();
        if (affinity == null || affinity.getNodeAffinity() == null || affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
            return null;
        }
        for (NodeSelectorTerm term : affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms()) {
            for (NodeSelectorRequirement r : term.getMatchFields() == null ? List.<NodeSelectorRequirement>of() : term.getMatchFields()) {
                if (NODE_NAME_FIELD.equals(r.getKey()) && "In".equals(r.getOperator())) {
                    return r.getValues() != null && r.getValues().size() == 1 ? r.getValues().getFirst() : null;
                }
            }
        }
        return null;
    }

    /** Upstream's IsPodUpdated: the pod carries the current revision hash (or the current template generation). */
    static boolean isUpdated(Pod pod, String hash, DaemonSet ds) {
        var labels = pod.getMetadata().getLabels();
        if (labels == null) {
            return false;
        }
        String generation = templateGeneration(ds);
        return hash.equals(labels.get(REVISION_HASH_LABEL)) || (generation != null && generation.equals(labels.get(TEMPLATE_GENERATION_LABEL)));
    }

    private static String templateGeneration(DaemonSet ds) {
        var annotations = ds.getMetadata().getAnnotations();
        String v = annotations == null ? null : annotations.get(TEMPLATE_GENERATION_ANNOTATION);
        return v == null || !v.chars().allMatch(Character::isDigit) || v.isEmpty() ? null : v;
    }
}
