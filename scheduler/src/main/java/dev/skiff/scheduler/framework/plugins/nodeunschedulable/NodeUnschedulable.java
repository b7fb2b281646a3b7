package dev.skiff.scheduler.framework.plugins.nodeunschedulable;

import dev.skiff.api.scheduling.Taints;
import dev.skiff.scheduler.framework.ClusterEvent;
import dev.skiff.scheduler.framework.ClusterEvent.ActionType;
import dev.skiff.scheduler.framework.ClusterEventWithHint;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins.EnqueueExtensions;
import dev.skiff.scheduler.framework.Plugins.FilterPlugin;
import dev.skiff.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.List;

/** A cordoned node (spec.unschedulable) takes only pods tolerating node.kubernetes.io/unschedulable:NoSchedule. */
public final class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
    public static final String NAME = "NodeUnschedulable";
    public static final String ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable";
    private static final Taint UNSCHEDULABLE_TAINT = new TaintBuilder()
            .withKey("node.kubernetes.io/unschedulable").withEffect("NoSchedule").build();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        return fits(pod, nodeInfo.unschedulable()) ? Status.success() : Status.unresolvable(ERR_REASON_UNSCHEDULABLE);
    }

    private static boolean fits(PodInfo pod, boolean cordoned) {
        return !cordoned || Taints.tolerates(pod.pod().getSpec().getTolerations(), UNSCHEDULABLE_TAINT);
    }

    @Override
    public List<ClusterEventWithHint> eventsToRegister() {
        return List.of(new ClusterEventWithHint(ClusterEvent.of(ClusterEvent.Resource.NODE, ActionType.ADD, ActionType.UPDATE_NODE_TAINT),
                (pod, oldObj, newObj) -> fits(PodInfo.of(pod), NodeInfo.unschedulable((Node) newObj))));
    }
}
