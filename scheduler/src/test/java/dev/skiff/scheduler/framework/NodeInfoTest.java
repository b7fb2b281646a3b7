package dev.skiff.scheduler.framework;

import static dev.skiff.scheduler.testing.MakeNode.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.junit.jupiter.api.Test;

/** The node's labels, spec.unschedulable and taints, kept beside the node: set, carried into copies, cleared. */
class NodeInfoTest {
    @Test
    void theKeptFieldsFollowTheNodeIntoCopiesAndAreClearedWithIt() {
        NodeInfo info = new NodeInfo(node("a").label("pool", "x").unschedulable().taint("k", "v", "NoSchedule").obj());
        NodeInfo copy = info.copy();
        NodeInfo assigned = new NodeInfo(node("b").obj());
        assigned.assign(info);
        for (NodeInfo n : new NodeInfo[] {info, copy, assigned}) {
            assertThat(n.labels()).containsEntry("pool", "x");
            assertThat(n.unschedulable()).isTrue();
            assertThat(n.taints()).extracting(t -> t.getKey()).containsExactly("k");
        }
        info.removeNode();
        assertThat(info.labels()).isEmpty();
        assertThat(info.unschedulable()).isFalse();
        assertThat(info.taints()).isEmpty();
        assertThat(copy.unschedulable()).as("a copy keeps its own").isTrue();
    }

    @Test
    void aNodeWithoutLabelsOrSpecHasNoneAndIsNotCordoned() {
        NodeInfo bare = new NodeInfo(new NodeBuilder().withNewMetadata().withName("bare").endMetadata().build());
        assertThat(bare.labels()).isEmpty();
        assertThat(bare.unschedulable()).isFalse();
        assertThat(bare.taints()).isEmpty();
    }
}
