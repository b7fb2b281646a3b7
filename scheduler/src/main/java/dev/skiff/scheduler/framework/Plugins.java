package dev.skiff.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The extension points, as upstream's framework interfaces. A plugin implements only the ones it
 * needs; the framework finds them by type.
 */
public final class Plugins {
    private Plugins() {
    }

    public static final long MAX_NODE_SCORE = 100;
    public static final long MIN_NODE_SCORE = 0;

    public interface Plugin {
        String name();
    }

    /** Gates a pod before it enters the active queue (e.g. scheduling gates). */
    public interface PreEnqueuePlugin extends Plugin {
        Status preEnqueue(Pod pod);
    }

    /** Orders the active queue. */
    public interface QueueSortPlugin extends Plugin {
        Comparator<QueuedPod> less();
    }

    /** Node names a PreFilter narrowed the cycle to; null means all nodes. */
    public record PreFilterResult(Set<String> nodeNames) {
        public static PreFilterResult all() {
            return new PreFilterResult(null);
        }
    }

    /** Updates PreFilter state when preemption adds or removes pods in a what-if. */
    public interface PreFilterExtensions {
        Status addPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo nodeInfo);

        Status removePod(CycleState state, PodInfo podToSchedule, PodInfo podToRemove, NodeInfo nodeInfo);
    }

    public interface PreFilterPlugin extends Plugin {
        /** The result may narrow the nodes; a Skip status skips this plugin's Filter. */
        Outcome<PreFilterResult> preFilter(CycleState state, PodInfo pod, List<NodeInfo> nodes);

        default PreFilterExtensions preFilterExtensions() {
            return null;
        }
    }

    public interface FilterPlugin extends Plugin {
        Status filter(CycleState state, PodInfo pod, NodeInfo nodeInfo);
    }

    /** Runs after no node fits, e.g. preemption; may nominate a node. */
    public interface PostFilterPlugin extends Plugin {
        Outcome<String> postFilter(CycleState state, PodInfo pod, Map<String, Status> filteredNodeStatus);
    }

    public interface PreScorePlugin extends Plugin {
        /** Skip skips this plugin's Score. */
        Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes);
    }

    public interface ScorePlugin extends Plugin {
        long score(CycleState state, PodInfo pod, NodeInfo nodeInfo);

        /** Maps the raw scores to [0, 100] in place; the default keeps them. */
        default void normalizeScore(CycleState state, PodInfo pod, long[] scores, List<NodeInfo> nodes) {
        }
    }

    public interface ReservePlugin extends Plugin {
        Status reserve(CycleState state, PodInfo pod, String nodeName);

        void unreserve(CycleState state, PodInfo pod, String nodeName);
    }

    public interface PermitPlugin extends Plugin {
        Status permit(CycleState state, PodInfo pod, String nodeName);
    }

    public interface PreBindPlugin extends Plugin {
        Status preBind(CycleState state, PodInfo pod, String nodeName);
    }

    public interface BindPlugin extends Plugin {
        /** Skip passes the pod to the next bind plugin. */
        Status bind(CycleState state, PodInfo pod, String nodeName);
    }

    /** Which cluster events can make a pod this plugin rejected schedulable (upstream EnqueueExtensions). */
    public interface EnqueueExtensions extends Plugin {
        List<ClusterEventWithHint> eventsToRegister();
    }

    /** A value with a status, for the extension points that return both. */
    public record Outcome<T>(T value, Status status) {
        public static <T> Outcome<T> of(T value) {
            return new Outcome<>(value, Status.success());
        }

        public static <T> Outcome<T> status(Status status) {
            return new Outcome<>(null, status);
        }
    }

    /** Upstream's DefaultNormalizeScore: scale to [0, max] by the highest score, reversed if asked. */
    public static void defaultNormalizeScore(long maxPriority, boolean reverse, long[] scores) {
        long max = 0;
        for (long s : scores) {
            max = Math.max(max, s);
        }
        if (max == 0) {
            if (reverse) {
                java.util.Arrays.fill(scores, maxPriority);
            }
            return;
        }
        for (int i = 0; i < scores.length; i++) {
            long s = maxPriority * scores[i] / max;
            scores[i] = reverse ? maxPriority - s : s;
        }
    }
}
