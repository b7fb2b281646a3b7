package dev.skiff.scheduler.profile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration.Plugin;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration.PluginConfig;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration.PluginSet;
import dev.skiff.scheduler.framework.Framework;
import dev.skiff.scheduler.framework.Parallelizer;
import dev.skiff.scheduler.framework.Plugins;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds a profile's {@link Framework} from its configuration, as upstream: the default
 * multiPoint set merged with the profile's (a re-configured default keeps its place, "*"
 * disables all defaults), then expanded to every extension point each plugin implements, with
 * plugins named explicitly at an extension point overriding multiPoint there.
 */
public final class Profiles {
    private Profiles() {
    }

    /** Extension points by config field name and the plugin type that implements each. */
    private static final Map<String, Class<? extends Plugins.Plugin>> POINTS = new LinkedHashMap<>();

    static {
        POINTS.put("preEnqueue", Plugins.PreEnqueuePlugin.class);
        POINTS.put("queueSort", Plugins.QueueSortPlugin.class);
        POINTS.put("preFilter", Plugins.PreFilterPlugin.class);
        POINTS.put("filter", Plugins.FilterPlugin.class);
        POINTS.put("postFilter", Plugins.PostFilterPlugin.class);
        POINTS.put("preScore", Plugins.PreScorePlugin.class);
        POINTS.put("score", Plugins.ScorePlugin.class);
        POINTS.put("reserve", Plugins.ReservePlugin.class);
        POINTS.put("permit", Plugins.PermitPlugin.class);
        POINTS.put("preBind", Plugins.PreBindPlugin.class);
        POINTS.put("bind", Plugins.BindPlugin.class);
    }

    public static Framework newFramework(KubeSchedulerConfiguration.Profile profile, Map<String, InTreePlugins.Factory> registry,
                                         InTreePlugins.Context ctx, Parallelizer parallelizer) {
        KubeSchedulerConfiguration.Plugins cfg = profile.plugins();
        PluginSet multiPoint = merge(new PluginSet(InTreePlugins.DEFAULT_MULTI_POINT, List.of()), cfg == null ? null : cfg.multiPoint());
        Map<String, PluginSet> explicit = new HashMap<>();
        if (cfg != null) {
            put(explicit, "preEnqueue", cfg.preEnqueue());
            put(explicit, "queueSort", cfg.queueSort());
            put(explicit, "preFilter", cfg.preFilter());
            put(explicit, "filter", cfg.filter());
            put(explicit, "postFilter", cfg.postFilter());
            put(explicit, "preScore", cfg.preScore());
            put(explicit, "score", cfg.score());
            put(explicit, "reserve", cfg.reserve());
            put(explicit, "permit", cfg.permit());
            put(explicit, "preBind", cfg.preBind());
            put(explicit, "bind", cfg.bind());
        }
        Map<String, JsonNode> args = new HashMap<>();
        for (PluginConfig pc : profile.pluginConfig()) {
            if (args.put(pc.name(), pc.args()) != null) {
                throw new IllegalArgumentException("pluginConfig: Duplicate value: \"" + pc.name() + "\"");
            }
        }
        // instantiate every plugin enabled anywhere, once
        Set<String> names = new LinkedHashSet<>();
        multiPoint.enabled().forEach(p -> names.add(p.name()));
        explicit.values().forEach(s -> s.enabled().forEach(p -> names.add(p.name())));
        Map<String, Plugins.Plugin> instances = new LinkedHashMap<>();
        for (String name : names) {
            InTreePlugins.Factory f = registry.get(name);
            if (f == null) {
                throw new IllegalArgumentException("plugin \"" + name + "\" does not exist");
            }
            try {
                instances.put(name, f.create(args.get(name), ctx));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("initializing plugin \"" + name + "\": " + e.getMessage(), e);
            } catch (Exception e) {
                throw new IllegalArgumentException("initializing plugin \"" + name + "\": invalid args: " + e.getMessage(), e);
            }
        }
        for (String argName : args.keySet()) {
            if (!instances.containsKey(argName) && !registry.containsKey(argName)) {
                throw new IllegalArgumentException("pluginConfig: plugin \"" + argName + "\" does not exist");
            }
        }
        Map<String, List<Plugin>> points = new LinkedHashMap<>();
        for (var e : POINTS.entrySet()) {
            points.put(e.getKey(), expand(e.getKey(), e.getValue(), multiPoint, explicit.getOrDefault(e.getKey(), PluginSet.EMPTY), instances));
        }
        Map<String, Integer> weights = new LinkedHashMap<>();
        for (Plugin p : points.get("score")) {
            weights.put(p.name(), p.weight() == null || p.weight() == 0 ? 1 : p.weight());
        }
        List<Plugin> queueSort = points.get("queueSort");
        if (queueSort.size() != 1) {
            throw new IllegalArgumentException("profile \"" + profile.schedulerName() + "\": exactly one queueSort plugin must be enabled, got " + queueSort.size());
        }
        if (points.get("bind").isEmpty()) {
            throw new IllegalArgumentException("profile \"" + profile.schedulerName() + "\": at least one bind plugin is needed");
        }
        Function<String, List<String>> n = k -> points.get(k).stream().map(Plugin::name).toList();
        Framework.Enabled enabled = new Framework.Enabled(n.apply("preEnqueue"), queueSort.getFirst().name(), n.apply("preFilter"),
                n.apply("filter"), n.apply("postFilter"), n.apply("preScore"), weights, n.apply("reserve"), n.apply("permit"),
                n.apply("preBind"), n.apply("bind"));
        return new Framework(profile.schedulerName(), profile.percentageOfNodesToScore(), instances, enabled, parallelizer);
    }

    private static void put(Map<String, PluginSet> m, String point, PluginSet s) {
        if (s != null) {
            m.put(point, s);
        }
    }

    /** Upstream's mergePluginSet: defaults in order (re-configured in place), then the other custom ones. */
    static PluginSet merge(PluginSet defaults, PluginSet custom) {
        if (custom == null) {
            return defaults;
        }
        Set<String> disabled = new LinkedHashSet<>();
        custom.disabled().forEach(p -> disabled.add(p.name()));
        Map<String, Plugin> customByName = new LinkedHashMap<>();
        custom.enabled().forEach(p -> customByName.put(p.name(), p));
        List<Plugin> enabled = new ArrayList<>();
        Set<String> replaced = new LinkedHashSet<>();
        if (!disabled.contains("*")) {
            for (Plugin d : defaults.enabled()) {
                if (disabled.contains(d.name())) {
                    continue;
                }
                Plugin c = customByName.get(d.name());
                if (c != null) {
                    replaced.add(c.name());
                    enabled.add(c);
                } else {
                    enabled.add(d);
                }
            }
        }
        for (Plugin c : custom.enabled()) {
            if (!replaced.contains(c.name())) {
                enabled.add(c);
            }
        }
        return new PluginSet(enabled, custom.disabled());
    }

    /**
     * The plugins at one extension point: explicitly enabled ones that are also in multiPoint
     * (in their explicit order), then the multiPoint ones that implement it and are not disabled
     * there, then the remaining explicit ones, as upstream's expandMultiPointPlugins.
     */
    private static List<Plugin> expand(String point, Class<? extends Plugins.Plugin> type, PluginSet multiPoint, PluginSet explicit,
                                       Map<String, Plugins.Plugin> instances) {
        Set<String> disabled = new LinkedHashSet<>();
        explicit.disabled().forEach(p -> disabled.add(p.name()));
        Map<String, Plugin> explicitByName = new LinkedHashMap<>();
        for (Plugin p : explicit.enabled()) {
            if (!type.isInstance(instances.get(p.name()))) {
                throw new IllegalArgumentException("plugin \"" + p.name() + "\" does not extend " + point + " plugin");
            }
            if (explicitByName.put(p.name(), p) != null) {
                throw new IllegalArgumentException("plugin \"" + p.name() + "\" already registered as \"" + point + "\"");
            }
        }
        List<Plugin> overrides = new ArrayList<>();
        List<Plugin> fromMultiPoint = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Plugin p : multiPoint.enabled()) {
            if (!type.isInstance(instances.get(p.name())) || !seen.add(p.name())) {
                continue;
            }
            if (explicitByName.containsKey(p.name())) {
                continue;
            }
            if (disabled.contains("*") || disabled.contains(p.name())) {
                continue;
            }
            fromMultiPoint.add(p);
        }
        List<Plugin> rest = new ArrayList<>();
        for (Plugin p : explicit.enabled()) {
            if (seen.contains(p.name())) {
                overrides.add(p);
            } else {
                rest.add(p);
            }
        }
        List<Plugin> out = new ArrayList<>(overrides);
        out.addAll(fromMultiPoint);
        out.addAll(rest);
        return out;
    }
}
