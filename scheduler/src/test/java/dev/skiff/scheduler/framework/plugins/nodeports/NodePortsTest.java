package dev.skiff.scheduler.framework.plugins.nodeports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.testing.MakeNode;
import dev.skiff.scheduler.testing.MakePod;
import org.junit.jupiter.api.Test;

class NodePortsTest {
    @Test
    void aHostPortInUseRejectsTheNode() {
        NodeInfo n = new NodeInfo(MakeNode.node("n").obj(), MakePod.pod("e").node("n").hostPort(8080).obj());
        NodePorts pl = new NodePorts();
        assertThat(pl.filter(new CycleState(), PodInfo.of(MakePod.pod("p").hostPort(8080).obj()), n).reasons())
                .containsExactly("node(s) didn't have free ports for the requested pod ports");
        assertThat(pl.filter(new CycleState(), PodInfo.of(MakePod.pod("p").hostPort(8081).obj()), n).isSuccess()).isTrue();
        assertThat(pl.preFilter(new CycleState(), PodInfo.of(MakePod.pod("p").obj()), null).status().isSkip()).isTrue();
        n.removePod("default/e");
        assertThat(n.usedPorts().size()).isZero();
    }
}
