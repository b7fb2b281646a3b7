package dev.skiff.scheduler.framework.plugins.volumebinding;

import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins.Outcome;
import dev.skiff.scheduler.framework.Plugins.PreFilterPlugin;
import dev.skiff.scheduler.framework.Plugins.PreFilterResult;
import dev.skiff.scheduler.framework.Status;
import java.util.List;

/**
 * The slot where volume-aware placement plugs in (upstream's VolumeBinding: PVC binding, volume
 * node affinity, delayed binding). Not implemented yet: it skips itself for every pod so the
 * rest of the cycle runs as if no pod had volumes; it is enabled in the default profile at its
 * upstream position so configurations naming it stay valid.
 */
public final class VolumeBinding implements PreFilterPlugin {
    public static final String NAME = "VolumeBinding";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Outcome<PreFilterResult> preFilter(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        return Outcome.status(Status.skip());
    }
}
