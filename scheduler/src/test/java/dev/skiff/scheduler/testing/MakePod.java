package dev.skiff.scheduler.testing;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A pod builder for scheduler tests, after upstream's scheduler/testing MakePod. */
public final class MakePod {
    private final PodBuilder b = new PodBuilder();

    public MakePod(String name) {
        b.withNewMetadata().withName(name).withNamespace("default").withUid(name + "-uid").endMetadata()
                .withNewSpec().endSpec().withNewStatus().endStatus();
    }

    public static MakePod pod(String name) {
        return new MakePod(name);
    }

    public MakePod namespace(String ns) {
        b.editMetadata().withNamespace(ns).endMetadata();
        return this;
    }

    public MakePod label(String k, String v) {
        b.editMetadata().addToLabels(k, v).endMetadata();
        return this;
    }

    public MakePod node(String node) {
        b.editSpec().withNodeName(node).endSpec();
        return this;
    }

    public MakePod priority(int p) {
        b.editSpec().withPriority(p).endSpec();
        return this;
    }

    public MakePod schedulerName(String n) {
        b.editSpec().withSchedulerName(n).endSpec();
        return this;
    }

    public MakePod startTime(String t) {
        b.editStatus().withStartTime(t).endStatus();
        return this;
    }

    /** A container with cpu/memory requests ("" leaves one out). */
    public MakePod req(String cpu, String memory) {
        b.editSpec().addToContainers(container("c" + b.buildSpec().getContainers().size(), cpu, memory)).endSpec();
        return this;
    }

    public MakePod reqResource(String name, String amount) {
        b.editSpec().addToContainers(new ContainerBuilder().withName("x" + b.buildSpec().getContainers().size()).withImage("busybox")
                .withNewResources().addToRequests(name, new Quantity(amount)).endResources().build()).endSpec();
        return this;
    }

    public MakePod initReq(String cpu, String memory) {
        b.editSpec().addToInitContainers(container("i" + initCount(), cpu, memory)).endSpec();
        return this;
    }

    public MakePod sidecarReq(String cpu, String memory) {
        Container c = container("s" + initCount(), cpu, memory);
        c.setRestartPolicy("Always");
        b.editSpec().addToInitContainers(c).endSpec();
        return this;
    }

    private int initCount() {
        return b.buildSpec().getInitContainers() == null ? 0 : b.buildSpec().getInitContainers().size();
    }

    public MakePod overhead(String cpu, String memory) {
        b.editSpec().withOverhead(Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory))).endSpec();
        return this;
    }

    public MakePod image(String image) {
        b.editSpec().addToContainers(new ContainerBuilder().withName("img" + b.buildSpec().getContainers().size()).withImage(image).build()).endSpec();
        return this;
    }

    public MakePod hostPort(int port) {
        b.editSpec().addToContainers(new ContainerBuilder().withName("p" + b.buildSpec().getContainers().size()).withImage("busybox")
                .addNewPort().withContainerPort(port).withHostPort(port).endPort().build()).endSpec();
        return this;
    }

    public MakePod toleration(Toleration t) {
        b.editSpec().addToTolerations(t).endSpec();
        return this;
    }

    public MakePod nodeSelector(String k, String v) {
        b.editSpec().addToNodeSelector(k, v).endSpec();
        return this;
    }

    public MakePod nodeAffinityIn(String key, String... values) {
        return nodeAffinity(key, "In", values);
    }

    public MakePod nodeAffinity(String key, String op, String... values) {
        b.editSpec().editOrNewAffinity().editOrNewNodeAffinity().editOrNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm().withMatchExpressions(new NodeSelectorRequirementBuilder().withKey(key).withOperator(op)
                        .withValues(values).build()).endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().endSpec();
        return this;
    }

    public MakePod nodeNameField(String... names) {
        b.editSpec().editOrNewAffinity().editOrNewNodeAffinity().editOrNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm().withMatchFields(new NodeSelectorRequirementBuilder().withKey("metadata.name").withOperator("In")
                        .withValues(names).build()).endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().endSpec();
        return this;
    }

    public MakePod preferredNodeAffinity(int weight, String key, String value) {
        b.editSpec().editOrNewAffinity().editOrNewNodeAffinity().addNewPreferredDuringSchedulingIgnoredDuringExecution()
                .withWeight(weight).withNewPreference().withMatchExpressions(new NodeSelectorRequirementBuilder().withKey(key)
                        .withOperator("In").withValues(value).build()).endPreference()
                .endPreferredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().endSpec();
        return this;
    }

    public MakePod podAntiAffinity(String topologyKey, String labelKey, String labelValue) {
        b.editSpec().editOrNewAffinity().editOrNewPodAntiAffinity().addToRequiredDuringSchedulingIgnoredDuringExecution(
                new PodAffinityTermBuilder().withTopologyKey(topologyKey).withLabelSelector(new LabelSelectorBuilder()
                        .addToMatchLabels(labelKey, labelValue).build()).build()).endPodAntiAffinity().endAffinity().endSpec();
        return this;
    }

    public MakePod podAffinity(String topologyKey, String labelKey, String labelValue) {
        b.editSpec().editOrNewAffinity().editOrNewPodAffinity().addToRequiredDuringSchedulingIgnoredDuringExecution(
                new PodAffinityTermBuilder().withTopologyKey(topologyKey).withLabelSelector(new LabelSelectorBuilder()
                        .addToMatchLabels(labelKey, labelValue).build()).build()).endPodAffinity().endAffinity().endSpec();
        return this;
    }

    public MakePod podAffinityNamespaceSelector(String topologyKey, String labelKey, String labelValue, String nsKey, String nsValue) {
        b.editSpec().editOrNewAffinity().editOrNewPodAffinity().addToRequiredDuringSchedulingIgnoredDuringExecution(
                new PodAffinityTermBuilder().withTopologyKey(topologyKey).withLabelSelector(new LabelSelectorBuilder()
                        .addToMatchLabels(labelKey, labelValue).build())
                        .withNamespaceSelector(new LabelSelectorBuilder().addToMatchLabels(nsKey, nsValue).build()).build())
                .endPodAffinity().endAffinity().endSpec();
        return this;
    }

    public MakePod preferredPodAffinity(int weight, String topologyKey, String labelKey, String labelValue) {
        b.editSpec().editOrNewAffinity().editOrNewPodAffinity().addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(weight)
                .withPodAffinityTerm(new PodAffinityTermBuilder().withTopologyKey(topologyKey).withLabelSelector(new LabelSelectorBuilder()
                        .addToMatchLabels(labelKey, labelValue).build()).build())
                .endPreferredDuringSchedulingIgnoredDuringExecution().endPodAffinity().endAffinity().endSpec();
        return this;
    }

    public MakePod spread(int maxSkew, String topologyKey, String when, String labelKey, String labelValue, Integer minDomains) {
        b.editSpec().addToTopologySpreadConstraints(new TopologySpreadConstraintBuilder().withMaxSkew(maxSkew).withTopologyKey(topologyKey)
                .withWhenUnsatisfiable(when).withMinDomains(minDomains)
                .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels(labelKey, labelValue).build()).build()).endSpec();
        return this;
    }

    /** A volume of the claim. */
    public MakePod claim(String volume, String claimName) {
        b.editSpec().addNewVolume().withName(volume).withNewPersistentVolumeClaim().withClaimName(claimName).endPersistentVolumeClaim()
                .endVolume().endSpec();
        return this;
    }

    public MakePod preemptionPolicy(String p) {
        b.editSpec().withPreemptionPolicy(p).endSpec();
        return this;
    }

    public Pod obj() {
        Pod p = b.build();
        if (p.getSpec().getContainers() == null || p.getSpec().getContainers().isEmpty()) {
            p.getSpec().setContainers(List.of(new ContainerBuilder().withName("c").withImage("busybox").build()));
        }
        return p;
    }

    private static Container container(String name, String cpu, String memory) {
        Map<String, Quantity> req = new HashMap<>();
        if (!cpu.isEmpty()) {
            req.put("cpu", new Quantity(cpu));
        }
        if (!memory.isEmpty()) {
            req.put("memory", new Quantity(memory));
        }
        return new ContainerBuilder().withName(name).withImage("busybox").withNewResources().withRequests(req).endResources().build();
    }
}
