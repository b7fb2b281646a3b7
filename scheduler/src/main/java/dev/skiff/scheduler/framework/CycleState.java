package dev.skiff.scheduler.framework;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-cycle data plugins share between extension points, as upstream's CycleState. Written by
 * PreFilter/PreScore before the parallel Filter/Score phases read it, so a plain map is safe; the
 * copy used by preemption clones each entry.
 */
public final class CycleState {
    /** A value stored in the state; clone() gives preemption's what-if copies their own data. */
    public interface StateData {
        StateData copy();
    }

    private final Map<String, StateData> data = new HashMap<>();
    private final Set<String> skipFilterPlugins = new HashSet<>();
    private final Set<String> skipScorePlugins = new HashSet<>();
    private FilterPlugins filterPlugins;
    private final Set<String> preFilterNarrowedBy = new java.util.TreeSet<>();

    public void write(String key, StateData value) {
        data.put(key, value);
    }

    @SuppressWarnings("unchecked")
    public <T extends StateData> T read(String key) {
        return (T) data.get(key);
    }

    Set<String> skipFilterPlugins() {
        return skipFilterPlugins;
    }

    /**
     * The profile's Filter plugins less those PreFilter skipped, worked out once per cycle rather
     * than per node (Filter runs for thousands of nodes, concurrently: the list is immutable).
     */
    List<Plugins.FilterPlugin> filterPluginsToRun(List<Plugins.FilterPlugin> all) {
        FilterPlugins cached = filterPlugins;
        if (cached == null || cached.all != all || cached.skipped != skipFilterPlugins.size()) {
            List<Plugins.FilterPlugin> run = skipFilterPlugins.isEmpty() ? List.copyOf(all)
                    : all.stream().filter(p -> !skipFilterPlugins.contains(p.name())).toList();
            cached = new FilterPlugins(all, skipFilterPlugins.size(), run);
            filterPlugins = cached;
        }
        return cached.run;
    }

    private record FilterPlugins(List<Plugins.FilterPlugin> all, int skipped, List<Plugins.FilterPlugin> run) {
    }

    Set<String> skipScorePlugins() {
        return skipScorePlugins;
    }

    /** The PreFilter plugins whose results narrowed the nodes of this cycle, sorted. */
    public Set<String> preFilterNarrowedBy() {
        return preFilterNarrowedBy;
    }

    public CycleState copy() {
        CycleState c = new CycleState();
        data.forEach((k, v) -> c.data.put(k, v.copy()));
        c.skipFilterPlugins.addAll(skipFilterPlugins);
        c.skipScorePlugins.addAll(skipScorePlugins);
        c.preFilterNarrowedBy.addAll(preFilterNarrowedBy);
        return c;
    }
}
