package dev.skiff.scheduler.framework.plugins.nodename;

import dev.skiff.scheduler.framework.ClusterEvent;
import dev.skiff.scheduler.framework.ClusterEventWithHint;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins.EnqueueExtensions;
import dev.skiff.scheduler.framework.Plugins.FilterPlugin;
import dev.skiff.scheduler.framework.Status;
import java.util.List;

/** A pod that names its node fits only that node. */
public final class NodeName implements FilterPlugin, EnqueueExtensions {
    public static final String NAME = "NodeName";
    public static final String ERR_REASON = "node(s) didn't match the requested node name";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        String want = pod.pod().getSpec().getNodeName();
        return want == null || want.isEmpty() || want.equals(nodeInfo.name()) ? Status.success() : Status.unresolvable(ERR_REASON);
    }

    @Override
    public List<ClusterEventWithHint> eventsToRegister() {
        return List.of(ClusterEventWithHint.always(ClusterEvent.NODE_ADD));
    }
}
