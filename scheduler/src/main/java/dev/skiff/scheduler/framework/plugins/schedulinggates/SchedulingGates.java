package dev.skiff.scheduler.framework.plugins.schedulinggates;

import dev.skiff.scheduler.framework.Plugins.PreEnqueuePlugin;
import dev.skiff.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import java.util.List;

/** Keeps a pod out of the active queue while it has spec.schedulingGates. */
public final class SchedulingGates implements PreEnqueuePlugin {
    public static final String NAME = "SchedulingGates";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status preEnqueue(Pod pod) {
        List<PodSchedulingGate> gates = pod.getSpec().getSchedulingGates();
        if (gates == null || gates.isEmpty()) {
            return Status.success();
        }
        return Status.unresolvable("waiting for scheduling gates: " + gates.stream().map(PodSchedulingGate::getName).toList()
                .toString().replace(",", ""));
    }
}
