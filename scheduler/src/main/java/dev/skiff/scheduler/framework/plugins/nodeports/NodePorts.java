package dev.skiff.scheduler.framework.plugins.nodeports;

import dev.skiff.scheduler.framework.ClusterEvent;
import dev.skiff.scheduler.framework.ClusterEventWithHint;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins.EnqueueExtensions;
import dev.skiff.scheduler.framework.Plugins.FilterPlugin;
import dev.skiff.scheduler.framework.Plugins.Outcome;
import dev.skiff.scheduler.framework.Plugins.PreFilterPlugin;
import dev.skiff.scheduler.framework.Plugins.PreFilterResult;
import dev.skiff.scheduler.framework.Status;
import java.util.List;

/** A node fits when none of the pod's host ports (ip, protocol, port) is taken there. */
public final class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
    public static final String NAME = "NodePorts";
    public static final String ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Outcome<PreFilterResult> preFilter(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        boolean[] any = {false};
        NodeInfo.forEachHostPort(pod.pod(), p -> any[0] = true);
        return any[0] ? Outcome.of(PreFilterResult.all()) : Outcome.status(Status.skip());
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        boolean[] conflict = {false};
        NodeInfo.forEachHostPort(pod.pod(), p -> conflict[0] |= nodeInfo.usedPorts().checkConflict(p.getHostIP(), p.getProtocol(), p.getHostPort()));
        return conflict[0] ? Status.unschedulable(ERR_REASON) : Status.success();
    }

    @Override
    public List<ClusterEventWithHint> eventsToRegister() {
        return List.of(ClusterEventWithHint.always(ClusterEvent.ASSIGNED_POD_DELETE), ClusterEventWithHint.always(ClusterEvent.NODE_ADD));
    }
}
