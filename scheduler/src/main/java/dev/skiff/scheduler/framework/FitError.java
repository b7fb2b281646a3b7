package dev.skiff.scheduler.framework;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Why no node fits, worded exactly as upstream's FitError.Error(): "0/N nodes are available: "
 * then the PreFilter message, or else a sorted histogram of the filter reasons ("2 Insufficient
 * cpu"), each part ending with ".", then the PostFilter (preemption) message.
 */
public record FitError(int numAllNodes, Map<String, Status> nodeToStatus, String preFilterMsg, String postFilterMsg) {
    public static final String NO_NODE_AVAILABLE = "0/%d nodes are available";

    public String message() {
        StringBuilder sb = new StringBuilder(String.format(NO_NODE_AVAILABLE, numAllNodes)).append(':');
        if (preFilterMsg != null && !preFilterMsg.isEmpty()) {
            sb.append(' ').append(preFilterMsg).append('.');
        } else {
            String histogram = histogram(nodeToStatus);
            if (!histogram.isEmpty()) {
                sb.append(' ').append(histogram).append('.');
            }
        }
        if (postFilterMsg != null && !postFilterMsg.isEmpty()) {
            sb.append(' ').append(postFilterMsg).append('.');
        }
        return sb.toString();
    }

    /** "N reason" per distinct reason over all nodes, sorted as strings, joined by ", ". */
    public static String histogram(Map<String, Status> nodeToStatus) {
        Map<String, Integer> counts = new HashMap<>();
        for (Status s : nodeToStatus.values()) {
            for (String r : s.reasons()) {
                counts.merge(r, 1, Integer::sum);
            }
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((r, n) -> parts.add(n + " " + r));
        parts.sort(null);
        return String.join(", ", parts);
    }
}
