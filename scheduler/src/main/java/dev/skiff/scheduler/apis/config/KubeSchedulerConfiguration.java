package dev.skiff.scheduler.apis.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.skiff.scheduler.framework.Parallelizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The scheduler's configuration file in the shape of kubescheduler.config.k8s.io/v1
 * KubeSchedulerConfiguration: parallelism, percentageOfNodesToScore, back-off bounds and profiles
 * (schedulerName, plugins per extension point incl. multiPoint, pluginConfig args). Parsed
 * strictly: unknown fields, a wrong apiVersion/kind or malformed YAML are errors.
 */
public record KubeSchedulerConfiguration(String apiVersion, String kind, Integer parallelism, Integer percentageOfNodesToScore,
                                         Long podInitialBackoffSeconds, Long podMaxBackoffSeconds, List<Profile> profiles) {
    public static final String API_VERSION = "kubescheduler.config.k8s.io/v1";
    public static final String KIND = "KubeSchedulerConfiguration";
    public static final String DEFAULT_SCHEDULER_NAME = "default-scheduler";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public record Profile(String schedulerName, Integer percentageOfNodesToScore, Plugins plugins, List<PluginConfig> pluginConfig) {
    }

    public record Plugins(PluginSet preEnqueue, PluginSet queueSort, PluginSet preFilter, PluginSet filter, PluginSet postFilter,
                          PluginSet preScore, PluginSet score, PluginSet reserve, PluginSet permit, PluginSet preBind,
                          PluginSet bind, PluginSet postBind, PluginSet multiPoint) {
    }

    public record PluginSet(List<Plugin> enabled, List<Plugin> disabled) {
        public PluginSet {
            enabled = enabled == null ? List.of() : List.copyOf(enabled);
            disabled = disabled == null ? List.of() : List.copyOf(disabled);
        }

        public static final PluginSet EMPTY = new PluginSet(List.of(), List.of());
    }

    public record Plugin(String name, Integer weight) {
    }

    public record PluginConfig(String name, JsonNode args) {
    }

    /** This configuration with another parallelism. */
    public KubeSchedulerConfiguration withParallelism(int parallelism) {
        return new KubeSchedulerConfiguration(apiVersion, kind, parallelism, percentageOfNodesToScore, podInitialBackoffSeconds,
                podMaxBackoffSeconds, profiles);
    }

    /**
     * This configuration for a scheduler that shares its process with the API server, as in `skiff
     * server`: its parallelism at most the cores less one ({@link Parallelizer#threads}).
     */
    public KubeSchedulerConfiguration sharingTheApiServerProcess() {
        int configured = parallelism == null ? defaults().parallelism() : parallelism;
        return withParallelism(Parallelizer.threads(configured, Runtime.getRuntime().availableProcessors()));
    }

    /** The configuration with nothing set: one default-scheduler profile with the default plugins. */
    public static KubeSchedulerConfiguration defaults() {
        return new KubeSchedulerConfiguration(API_VERSION, KIND, 16, 0, 1L, 10L,
                List.of(new Profile(DEFAULT_SCHEDULER_NAME, null, null, List.of())));
    }

    /** Parses and defaults; the message of the IllegalArgumentException says what is wrong and where. */
    public static KubeSchedulerConfiguration parse(String yaml) {
        KubeSchedulerConfiguration c;
        try {
            c = YAML.readValue(yaml, KubeSchedulerConfiguration.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException("invalid scheduler configuration: " + e.getOriginalMessage());
        }
        if (c == null) {
            throw new IllegalArgumentException("invalid scheduler configuration: empty document");
        }
        if (!API_VERSION.equals(c.apiVersion) || !KIND.equals(c.kind)) {
            throw new IllegalArgumentException("no kind \"" + c.kind + "\" is registered for version \"" + c.apiVersion
                    + "\"; expected " + API_VERSION + " " + KIND);
        }
        return c.withDefaults();
    }

    private KubeSchedulerConfiguration withDefaults() {
        List<String> errors = new ArrayList<>();
        int par = parallelism == null ? 16 : parallelism;
        if (par <= 0) {
            errors.add("parallelism: Invalid value: " + par + ": should be an integer value greater than zero");
        }
        int pct = percentageOfNodesToScore == null ? 0 : percentageOfNodesToScore;
        if (pct < 0 || pct > 100) {
            errors.add("percentageOfNodesToScore: Invalid value: " + pct + ": not in valid range [0-100]");
        }
        long initial = podInitialBackoffSeconds == null ? 1 : podInitialBackoffSeconds;
        long max = podMaxBackoffSeconds == null ? 10 : podMaxBackoffSeconds;
        if (initial <= 0) {
            errors.add("podInitialBackoffSeconds: Invalid value: " + initial + ": must be greater than 0");
        }
        if (max < initial) {
            errors.add("podMaxBackoffSeconds: Invalid value: " + max + ": must be greater than or equal to PodInitialBackoffSeconds");
        }
        List<Profile> ps = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < (profiles == null || profiles.isEmpty() ? 1 : profiles.size()); i++) {
            Profile p = profiles == null || profiles.isEmpty() ? new Profile(null, null, null, null) : profiles.get(i);
            String name = p.schedulerName() == null || p.schedulerName().isEmpty() ? DEFAULT_SCHEDULER_NAME : p.schedulerName();
            if (names.contains(name)) {
                errors.add("profiles[" + i + "].schedulerName: Duplicate value: \"" + name + "\"");
            }
            names.add(name);
            Integer ppct = p.percentageOfNodesToScore();
            if (ppct != null && (ppct < 0 || ppct > 100)) {
                errors.add("profiles[" + i + "].percentageOfNodesToScore: Invalid value: " + ppct + ": not in valid range [0-100]");
            }
            ps.add(new Profile(name, ppct, p.plugins(), p.pluginConfig() == null ? List.of() : p.pluginConfig()));
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid scheduler configuration: " + String.join(", ", errors));
        }
        return new KubeSchedulerConfiguration(API_VERSION, KIND, par, pct, initial, max, List.copyOf(ps));
    }
}
