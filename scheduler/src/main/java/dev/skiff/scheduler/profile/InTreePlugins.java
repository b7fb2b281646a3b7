package dev.skiff.scheduler.profile;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration.Plugin;
import dev.skiff.scheduler.framework.Handle;
import dev.skiff.scheduler.framework.Plugins;
import dev.skiff.scheduler.framework.plugins.defaultbinder.Binder;
import dev.skiff.scheduler.framework.plugins.defaultbinder.DefaultBinder;
import dev.skiff.scheduler.framework.plugins.defaultpreemption.DefaultPreemption;
import dev.skiff.scheduler.framework.plugins.imagelocality.ImageLocality;
import dev.skiff.scheduler.framework.plugins.interpodaffinity.InterPodAffinity;
import dev.skiff.scheduler.framework.plugins.nodeaffinity.NodeAffinity;
import dev.skiff.scheduler.framework.plugins.nodename.NodeName;
import dev.skiff.scheduler.framework.plugins.nodeports.NodePorts;
import dev.skiff.scheduler.framework.plugins.noderesources.BalancedAllocation;
import dev.skiff.scheduler.framework.plugins.noderesources.NodeResourcesFit;
import dev.skiff.scheduler.framework.plugins.noderesources.ScoringStrategy;
import dev.skiff.scheduler.framework.plugins.nodeunschedulable.NodeUnschedulable;
import dev.skiff.scheduler.framework.plugins.podtopologyspread.PodTopologySpread;
import dev.skiff.scheduler.framework.plugins.queuesort.PrioritySort;
import dev.skiff.scheduler.framework.plugins.schedulinggates.SchedulingGates;
import dev.skiff.scheduler.framework.plugins.tainttoleration.TaintToleration;
import dev.skiff.scheduler.framework.plugins.volumebinding.VolumeBinding;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/** The in-tree plugins by name, their argument types, and the default profile's plugins (upstream v1 defaults). */
public final class InTreePlugins {
    private InTreePlugins() {
    }

    /** What a plugin factory may use. */
    public record Context(Handle handle, Binder binder, RandomGenerator random) {
    }

    @FunctionalInterface
    public interface Factory {
        Plugins.Plugin create(JsonNode args, Context ctx) throws Exception;
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    record NodeResourcesFitArgs(List<String> ignoredResources, List<String> ignoredResourceGroups, ScoringStrategyArgs scoringStrategy) {
    }

    record ScoringStrategyArgs(ScoringStrategy.Type type, List<ScoringStrategy.ResourceSpec> resources, RequestedToCapacityRatio requestedToCapacityRatio) {
    }

    record RequestedToCapacityRatio(List<ScoringStrategy.UtilizationShapePoint> shape) {
    }

    record BalancedAllocationArgs(List<ScoringStrategy.ResourceSpec> resources) {
    }

    record InterPodAffinityArgs(Long hardPodAffinityWeight, Boolean ignorePreferredTermsOfExistingPods) {
    }

    record PodTopologySpreadArgs(List<TopologySpreadConstraint> defaultConstraints, String defaultingType) {
    }

    record NodeAffinityArgs(io.fabric8.kubernetes.api.model.NodeAffinity addedAffinity) {
    }

    record VolumeBindingArgs(Long bindTimeoutSeconds) {
    }

    record DefaultPreemptionArgs(Integer minCandidateNodesPercentage, Integer minCandidateNodesAbsolute) {
    }

    private static <T> T args(JsonNode node, Class<T> type) throws Exception {
        if (node == null || node.isNull()) {
            return JSON.readValue("{}", type);
        }
        ObjectMapper m = JSON;
        JsonNode stripped = node.deepCopy();
        if (stripped.isObject()) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) stripped).remove(List.of("apiVersion", "kind"));
        }
        return m.treeToValue(stripped, type);
    }

    public static Map<String, Factory> registry() {
        Map<String, Factory> r = new LinkedHashMap<>();
        r.put(SchedulingGates.NAME, (a, c) -> new SchedulingGates());
        r.put(PrioritySort.NAME, (a, c) -> new PrioritySort());
        r.put(NodeUnschedulable.NAME, (a, c) -> new NodeUnschedulable());
        r.put(NodeName.NAME, (a, c) -> new NodeName());
        r.put(TaintToleration.NAME, (a, c) -> new TaintToleration());
        r.put(NodeAffinity.NAME, (a, c) -> {
            NodeAffinityArgs args = args(a, NodeAffinityArgs.class);
            return new NodeAffinity(args.addedAffinity() == null ? null
                    : args.addedAffinity().getRequiredDuringSchedulingIgnoredDuringExecution());
        });
        r.put(NodePorts.NAME, (a, c) -> new NodePorts());
        r.put(NodeResourcesFit.NAME, (a, c) -> {
            NodeResourcesFitArgs args = args(a, NodeResourcesFitArgs.class);
            ScoringStrategyArgs s = args.scoringStrategy();
            ScoringStrategy strategy = s == null ? ScoringStrategy.leastAllocated()
                    : new ScoringStrategy(s.type() == null ? ScoringStrategy.Type.LeastAllocated : s.type(), s.resources(),
                    s.requestedToCapacityRatio() == null ? null : s.requestedToCapacityRatio().shape());
            return new NodeResourcesFit(Set.copyOf(args.ignoredResources() == null ? List.of() : args.ignoredResources()), strategy);
        });
        r.put(VolumeBinding.NAME, (a, c) -> {
            VolumeBindingArgs args = args(a, VolumeBindingArgs.class);
            long timeout = args.bindTimeoutSeconds() == null ? VolumeBinding.DEFAULT_BIND_TIMEOUT_SECONDS : args.bindTimeoutSeconds();
            if (timeout < 0) {
                throw new IllegalArgumentException("bindTimeoutSeconds: Invalid value: " + timeout + ": invalid BindTimeoutSeconds, should not be a negative value");
            }
            return new VolumeBinding(c.handle(), java.time.Duration.ofSeconds(timeout));
        });
        r.put(PodTopologySpread.NAME, (a, c) -> {
            PodTopologySpreadArgs args = args(a, PodTopologySpreadArgs.class);
            boolean list = "List".equals(args.defaultingType());
            if (!list && args.defaultConstraints() != null && !args.defaultConstraints().isEmpty()) {
                throw new IllegalArgumentException("defaultConstraints: Invalid value: when .defaultingType is \"System\", .defaultConstraints must be empty");
            }
            return new PodTopologySpread(c.handle(), list ? (args.defaultConstraints() == null ? List.of() : args.defaultConstraints())
                    : PodTopologySpread.SYSTEM_DEFAULT_CONSTRAINTS);
        });
        r.put(InterPodAffinity.NAME, (a, c) -> {
            InterPodAffinityArgs args = args(a, InterPodAffinityArgs.class);
            return new InterPodAffinity(c.handle(), args.hardPodAffinityWeight() == null ? 1 : args.hardPodAffinityWeight());
        });
        r.put(DefaultPreemption.NAME, (a, c) -> {
            DefaultPreemptionArgs args = args(a, DefaultPreemptionArgs.class);
            return new DefaultPreemption(c.handle(), args.minCandidateNodesPercentage() == null ? 10 : args.minCandidateNodesPercentage(),
                    args.minCandidateNodesAbsolute() == null ? 100 : args.minCandidateNodesAbsolute(), c.random());
        });
        r.put(BalancedAllocation.NAME, (a, c) -> new BalancedAllocation(args(a, BalancedAllocationArgs.class).resources()));
        r.put(ImageLocality.NAME, (a, c) -> new ImageLocality(c.handle()));
        r.put(DefaultBinder.NAME, (a, c) -> new DefaultBinder(c.binder()));
        return r;
    }

    /**
     * Upstream v1's default multiPoint plugins with their weights, minus the volume plugins not
     * built yet (VolumeRestrictions, NodeVolumeLimits, VolumeZone).
     */
    public static final List<Plugin> DEFAULT_MULTI_POINT = List.of(
            new Plugin(SchedulingGates.NAME, null), new Plugin(PrioritySort.NAME, null), new Plugin(NodeUnschedulable.NAME, null),
            new Plugin(NodeName.NAME, null), new Plugin(TaintToleration.NAME, 3), new Plugin(NodeAffinity.NAME, 2),
            new Plugin(NodePorts.NAME, null), new Plugin(NodeResourcesFit.NAME, 1), new Plugin(VolumeBinding.NAME, null),
            new Plugin(PodTopologySpread.NAME, 2), new Plugin(InterPodAffinity.NAME, 2), new Plugin(DefaultPreemption.NAME, null),
            new Plugin(BalancedAllocation.NAME, 1), new Plugin(ImageLocality.NAME, 1), new Plugin(DefaultBinder.NAME, null));
}
