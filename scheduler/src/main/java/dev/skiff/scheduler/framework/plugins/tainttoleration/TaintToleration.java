package dev.skiff.scheduler.framework.plugins.tainttoleration;

import dev.skiff.api.scheduling.Taints;
import dev.skiff.scheduler.framework.ClusterEvent;
import dev.skiff.scheduler.framework.ClusterEvent.ActionType;
import dev.skiff.scheduler.framework.ClusterEventWithHint;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins;
import dev.skiff.scheduler.framework.Plugins.EnqueueExtensions;
import dev.skiff.scheduler.framework.Plugins.FilterPlugin;
import dev.skiff.scheduler.framework.Plugins.ScorePlugin;
import dev.skiff.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;

/**
 * Filters out nodes with a NoSchedule/NoExecute taint the pod does not tolerate; scores nodes by
 * how few PreferNoSchedule taints the pod does not tolerate.
 */
public final class TaintToleration implements FilterPlugin, ScorePlugin, EnqueueExtensions {
    public static final String NAME = "TaintToleration";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        Taint t = firstUntolerated(nodeInfo, pod.pod().getSpec().getTolerations());
        if (t == null) {
            return Status.success();
        }
        return Status.unresolvable("node(s) had untolerated taint {" + t.getKey() + ": " + (t.getValue() == null ? "" : t.getValue()) + "}");
    }

    /** The first NoSchedule or NoExecute taint none of the tolerations tolerates, or null. */
    public static Taint firstUntolerated(NodeInfo node, List<Toleration> tolerations) {
        return Taints.firstUntolerated(node.taints(), tolerations, Taints.NO_SCHEDULE_OR_NO_EXECUTE);
    }

    /** As {@link #firstUntolerated(NodeInfo, List)}, of a node from an event. */
    public static Taint firstUntolerated(Node node, List<Toleration> tolerations) {
        return Taints.firstUntolerated(NodeInfo.taints(node), tolerations, Taints.NO_SCHEDULE_OR_NO_EXECUTE);
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        List<Taint> taints = nodeInfo.taints();
        if (taints.isEmpty()) {
            return 0; // most nodes: no stream, no list of the pod's tolerations
        }
        List<Toleration> prefer = null;
        long untolerated = 0;
        for (Taint t : taints) {
            if ("PreferNoSchedule".equals(t.getEffect())) {
                if (prefer == null) {
                    prefer = preferNoScheduleTolerations(pod.pod());
                }
                if (!Taints.tolerates(prefer, t)) {
                    untolerated++;
                }
            }
        }
        return untolerated;
    }

    private static List<Toleration> preferNoScheduleTolerations(Pod pod) {
        List<Toleration> ts = pod.getSpec().getTolerations();
        return ts == null ? List.of() : ts.stream()
                .filter(t -> t.getEffect() == null || t.getEffect().isEmpty() || "PreferNoSchedule".equals(t.getEffect())).toList();
    }

    @Override
    public void normalizeScore(CycleState state, PodInfo pod, long[] scores, List<NodeInfo> nodes) {
        Plugins.defaultNormalizeScore(Plugins.MAX_NODE_SCORE, true, scores);
    }

    @Override
    public List<ClusterEventWithHint> eventsToRegister() {
        return List.of(new ClusterEventWithHint(ClusterEvent.of(ClusterEvent.Resource.NODE, ActionType.ADD, ActionType.UPDATE_NODE_TAINT),
                        (pod, oldObj, newObj) -> firstUntolerated((Node) newObj, pod.getSpec().getTolerations()) == null),
                ClusterEventWithHint.always(ClusterEvent.of(ClusterEvent.Resource.POD, ActionType.UPDATE_POD_TOLERATIONS)));
    }
}
