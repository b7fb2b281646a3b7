package dev.skiff.scheduler.framework.plugins.defaultbinder;

import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins.BindPlugin;
import dev.skiff.scheduler.framework.Status;

/** Binds through the {@link Binder}. */
public final class DefaultBinder implements BindPlugin {
    public static final String NAME = "DefaultBinder";
    private final Binder binder;

    public DefaultBinder(Binder binder) {
        this.binder = binder;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status bind(CycleState state, PodInfo pod, String nodeName) {
        try {
            binder.bind(pod.pod(), nodeName);
            return Status.success();
        } catch (Exception e) {
            return Status.error("binding rejected: " + e.getMessage());
        }
    }
}
