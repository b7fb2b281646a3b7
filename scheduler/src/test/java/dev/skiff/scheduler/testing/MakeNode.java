package dev.skiff.scheduler.testing;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.List;

/** A node builder for scheduler tests, after upstream's scheduler/testing MakeNode. */
public final class MakeNode {
    private final NodeBuilder b = new NodeBuilder();

    public MakeNode(String name) {
        b.withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name).endMetadata()
                .withNewSpec().endSpec().withNewStatus().endStatus();
        capacity("4", "8Gi", "110");
    }

    public static MakeNode node(String name) {
        return new MakeNode(name);
    }

    public MakeNode capacity(String cpu, String memory, String pods) {
        b.editStatus().addToAllocatable("cpu", new Quantity(cpu)).addToAllocatable("memory", new Quantity(memory))
                .addToAllocatable("pods", new Quantity(pods)).endStatus();
        return this;
    }

    public MakeNode resource(String name, String amount) {
        b.editStatus().addToAllocatable(name, new Quantity(amount)).endStatus();
        return this;
    }

    public MakeNode label(String k, String v) {
        b.editMetadata().addToLabels(k, v).endMetadata();
        return this;
    }

    public MakeNode zone(String zone) {
        return label("topology.kubernetes.io/zone", zone);
    }

    public MakeNode taint(String key, String value, String effect) {
        b.editSpec().addToTaints(new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build()).endSpec();
        return this;
    }

    public MakeNode unschedulable() {
        b.editSpec().withUnschedulable(true).endSpec();
        return this;
    }

    public MakeNode image(String name, long size) {
        b.editStatus().addNewImage().withNames(List.of(name)).withSizeBytes(size).endImage().endStatus();
        return this;
    }

    public Node obj() {
        return b.build();
    }
}
