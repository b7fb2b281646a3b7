package dev.skiff.scheduler.framework.plugins.imagelocality;

import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.Handle;
import dev.skiff.scheduler.framework.ImageStateSummary;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins;
import dev.skiff.scheduler.framework.Plugins.PreScorePlugin;
import dev.skiff.scheduler.framework.Plugins.ScorePlugin;
import dev.skiff.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Container;
import java.util.List;
import java.util.stream.Stream;

/**
 * Favours nodes that already hold the pod's images, weighted by how widely each image is spread
 * (so one node holding an image does not attract every pod), as upstream: the sum of
 * size * nodesWithImage / allNodes, clamped to [23 MB, 1000 MB * containers], scaled to 0..100.
 */
public final class ImageLocality implements PreScorePlugin, ScorePlugin {
    private static final String STATE_KEY = "PreScore" + "ImageLocality";
    public static final String NAME = "ImageLocality";
    static final long MB = 1024 * 1024;
    static final long MIN_THRESHOLD = 23 * MB;
    static final long MAX_CONTAINER_THRESHOLD = 1000 * MB;

    private final Handle handle;

    public ImageLocality(Handle handle) {
        this.handle = handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The pod's images (init containers' and containers'), normalized once per cycle rather than per node. */
    private record PodImages(List<String> names) implements CycleState.StateData {
        static PodImages of(PodInfo pod) {
            List<Container> inits = pod.pod().getSpec().getInitContainers() == null ? List.of() : pod.pod().getSpec().getInitContainers();
            return new PodImages(Stream.concat(inits.stream(), pod.pod().getSpec().getContainers().stream())
                    .map(c -> normalizedImageName(c.getImage())).toList());
        }

        @Override
        public CycleState.StateData copy() {
            return this;
        }
    }

    @Override
    public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        state.write(STATE_KEY, PodImages.of(pod));
        return Status.success();
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo nodeInfo) {
        PodImages images = state.read(STATE_KEY);
        if (images == null) {
            images = PodImages.of(pod); // a profile that enables the Score point without PreScore
        }
        int totalNodes = handle.snapshot().numNodes();
        long sum = 0;
        for (String image : images.names()) {
            ImageStateSummary s = nodeInfo.imageStates().get(image);
            if (s != null && totalNodes > 0) {
                sum += (long) (s.size() * ((double) s.numNodes() / totalNodes));
            }
        }
        long max = MAX_CONTAINER_THRESHOLD * images.names().size();
        sum = Math.max(MIN_THRESHOLD, Math.min(sum, max));
        return max == MIN_THRESHOLD ? 0 : Plugins.MAX_NODE_SCORE * (sum - MIN_THRESHOLD) / (max - MIN_THRESHOLD);
    }

    /** An image without a tag or digest means ":latest", as upstream normalizes. */
    public static String normalizedImageName(String name) {
        if (name == null) {
            return "";
        }
        int slash = name.lastIndexOf('/');
        String last = name.substring(slash + 1);
        return last.contains(":") || last.contains("@") ? name : name + ":latest";
    }
}
