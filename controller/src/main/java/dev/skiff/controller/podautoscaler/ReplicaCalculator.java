package dev.skiff.controller.podautoscaler;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Upstream's replica calculator (pkg/controller/podautoscaler/replica_calculator.go) for resource
 * metrics: the replica count that brings the pods' average usage to the target, as a utilization
 * of their requests or as a raw average value. Within the tolerance (0.1) of the target the count
 * stays. Deleted and failed pods are ignored; pending pods, and for CPU pods still initializing or
 * not ready, count as unready; pods without a metric are missing. When unready pods or missing
 * metrics could change the decision, the ratio is recomputed treating unready pods as using
 * nothing on a scale-up, and missing pods as using nothing on a scale-up and the target (or all
 * their request) on a scale-down; a recomputation that flips the direction keeps the count.
 */
final class ReplicaCalculator {
    static final double DEFAULT_TOLERANCE = 0.1;
    /** --horizontal-pod-autoscaler-cpu-initialization-period. */
    static final Duration CPU_INITIALIZATION_PERIOD = Duration.ofMinutes(5);
    /** --horizontal-pod-autoscaler-initial-readiness-delay. */
    static final Duration INITIAL_READINESS_DELAY = Duration.ofSeconds(30);

    private final double tolerance;

    ReplicaCalculator(double tolerance) {
        this.tolerance = tolerance;
    }

    /** A recommendation and what it was made from; {@code utilization} is a percentage of requests, -1 for an average-value target. */
    record Result(int replicas, int utilization, long rawAverageMilli, Instant timestamp) {
    }

    /** The calculation cannot be made (no pods, no metrics, a container without a request); the message is upstream's. */
    static final class CalculationException extends Exception {
        CalculationException(String message) {
            super(message);
        }
    }

    private record Groups(int readyPodCount, Set<String> unready, Set<String> missing, Set<String> ignored) {
    }

    /** Utilization target: {@code targetUtilization} percent of the pods' requests of {@code resource}. */
    Result resourceReplicas(int currentReplicas, int targetUtilization, String resource, Map<String, PodMetric> podMetrics, List<Pod> pods,
                            Instant now) throws CalculationException {
        return resourceReplicas(currentReplicas, targetUtilization, resource, null, podMetrics, pods, now);
    }

    /** ... of {@code container}'s requests only when it is not null (a ContainerResource metric). */
    Result resourceReplicas(int currentReplicas, int targetUtilization, String resource, String container, Map<String, PodMetric> podMetrics,
                            List<Pod> pods, Instant now) throws CalculationException {
        Map<String, PodMetric> metrics = new HashMap<>(podMetrics);
        Groups groups = usablePods(pods, metrics, resource, now);
        Map<String, Long> requests = podRequests(pods, resource, container);
        Instant timestamp = metrics.values().iterator().next().timestamp();
        Ratio ratio = utilizationRatio(metrics, requests, targetUtilization);
        boolean scaleUpWithUnready = !groups.unready().isEmpty() && ratio.ratio() > 1.0;
        if (!scaleUpWithUnready && groups.missing().isEmpty()) {
            if (Math.abs(1.0 - ratio.ratio()) <= tolerance) {
                return new Result(currentReplicas, ratio.utilization(), ratio.rawAverage(), timestamp);
            }
            return new Result((int) Math.ceil(ratio.ratio() * groups.readyPodCount()), ratio.utilization(), ratio.rawAverage(), timestamp);
        }
        Map<String, Long> values = new HashMap<>();
        metrics.forEach((pod, m) -> values.put(pod, m.milliValue()));
        if (!groups.missing().isEmpty()) {
            for (String pod : groups.missing()) {
                // scale-down: a missing pod is taken to use its request (or the target, if above 100%); scale-up: nothing
                values.put(pod, ratio.ratio() < 1.0 ? requests.getOrDefault(pod, 0L) * Math.max(100, targetUtilization) / 100 : 0L);
            }
        }
        if (scaleUpWithUnready) {
            groups.unready().forEach(pod -> values.put(pod, 0L));
        }
        Ratio recomputed = utilizationRatioOf(values, requests, targetUtilization);
        int replicas = settle(currentReplicas, ratio.ratio(), recomputed.ratio(), values.size());
        return new Result(replicas, ratio.utilization(), ratio.rawAverage(), timestamp);
    }

    /** Average-value target: {@code targetAverageMilli} per pod (milli-units of {@code resource}). */
    Result plainReplicas(int currentReplicas, long targetAverageMilli, String resource, Map<String, PodMetric> podMetrics, List<Pod> pods,
                         Instant now) throws CalculationException {
        Map<String, PodMetric> metrics = new HashMap<>(podMetrics);
        Groups groups = usablePods(pods, metrics, resource, now);
        Instant timestamp = metrics.values().iterator().next().timestamp();
        Map<String, Long> values = new HashMap<>();
        metrics.forEach((pod, m) -> values.put(pod, m.milliValue()));
        double ratio = usageRatio(values, targetAverageMilli);
        long usage = values.values().stream().mapToLong(Long::longValue).sum() / values.size();
        boolean scaleUpWithUnready = !groups.unready().isEmpty() && ratio > 1.0;
        if (!scaleUpWithUnready && groups.missing().isEmpty()) {
            if (Math.abs(1.0 - ratio) <= tolerance) {
                return new Result(currentReplicas, -1, usage, timestamp);
            }
            return new Result((int) Math.ceil(ratio * groups.readyPodCount()), -1, usage, timestamp);
        }
        for (String pod : groups.missing()) {
            values.put(pod, ratio < 1.0 ? targetAverageMilli : 0L);
        }
        if (scaleUpWithUnready) {
            groups.unready().forEach(pod -> values.put(pod, 0L));
        }
        double recomputed = usageRatio(values, targetAverageMilli);
        return new Result(settle(currentReplicas, ratio, recomputed, values.size()), -1, usage, timestamp);
    }

    /**
     * A metric of one object or of an external system against a total target (upstream's
     * getUsageRatioReplicaCount): the count stays within the tolerance, else the ready running pods
     * scaled by {@code usageRatio}; from zero replicas the ratio alone.
     */
    Result usageRatioReplicas(int currentReplicas, double usageRatio, List<Pod> pods, long usageMilli, Instant timestamp)
            throws CalculationException {
        if (currentReplicas == 0) {
            return new Result((int) Math.ceil(usageRatio), -1, usageMilli, timestamp);
        }
        if (Math.abs(1.0 - usageRatio) <= tolerance) {
            return new Result(currentReplicas, -1, usageMilli, timestamp);
        }
        if (pods.isEmpty()) {
            throw new CalculationException("no pods returned by selector while calculating replica count");
        }
        long ready = pods.stream().filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())
                && dev.skiff.controller.PodReadiness.isReady(p)).count();
        return new Result((int) Math.ceil(usageRatio * ready), -1, usageMilli, timestamp);
    }

    /**
     * A metric of one object or of an external system against a per-pod average target (upstream's
     * GetObjectPerPodMetricReplicas / GetExternalPerPodMetricReplicas): outside the tolerance the
     * usage divided by the target; the reported average is the usage over the replicas in the scale's status
     * (the whole usage while there are none, where upstream's division by zero gives no usable figure).
     */
    Result perPodReplicas(int statusReplicas, long usageMilli, long targetAverageMilli, Instant timestamp) {
        int replicas = statusReplicas;
        double usageRatio = (double) usageMilli / ((double) targetAverageMilli * statusReplicas);
        if (Math.abs(1.0 - usageRatio) > tolerance) {
            replicas = (int) Math.ceil((double) usageMilli / targetAverageMilli);
        }
        long average = statusReplicas == 0 ? usageMilli : (long) Math.ceil((double) usageMilli / statusReplicas);
        return new Result(replicas, -1, average, timestamp);
    }

    /** After counting unready and missing pods: the new count, unless that is within tolerance or reverses the direction. */
    private int settle(int currentReplicas, double ratio, double recomputed, int pods) {
        if (Math.abs(1.0 - recomputed) <= tolerance || ratio < 1.0 && recomputed > 1.0 || ratio > 1.0 && recomputed < 1.0) {
            return currentReplicas;
        }
        int replicas = (int) Math.ceil(recomputed * pods);
        if (recomputed < 1.0 && replicas > currentReplicas || recomputed > 1.0 && replicas < currentReplicas) {
            return currentReplicas;
        }
        return replicas;
    }

    private record Ratio(double ratio, int utilization, long rawAverage) {
    }

    private static Ratio utilizationRatio(Map<String, PodMetric> metrics, Map<String, Long> requests, int target) throws CalculationException {
        Map<String, Long> values = new HashMap<>();
        metrics.forEach((pod, m) -> values.put(pod, m.milliValue()));
        return utilizationRatioOf(values, requests, target);
    }

    private static Ratio utilizationRatioOf(Map<String, Long> values, Map<String, Long> requests, int target) throws CalculationException {
        long metricsTotal = 0;
        long requestsTotal = 0;
        int entries = 0;
        for (var entry : values.entrySet()) {
            Long request = requests.get(entry.getKey());
            if (request == null) {
                continue; // a metric for a pod the selector no longer matches
            }
            metricsTotal += entry.getValue();
            requestsTotal += request;
            entries++;
        }
        if (requestsTotal == 0) {
            throw new CalculationException("no metrics returned matched known pods");
        }
        int utilization = (int) (metricsTotal * 100 / requestsTotal);
        return new Ratio((double) utilization / target, utilization, metricsTotal / entries);
    }

    private static double usageRatio(Map<String, Long> values, long targetAverage) {
        long total = values.values().stream().mapToLong(Long::longValue).sum();
        return (double) total / values.size() / targetAverage;
    }

    /** The pods grouped, and {@code metrics} left with the ready and missing pods' only; fails when none is left. */
    private static Groups usablePods(List<Pod> pods, Map<String, PodMetric> metrics, String resource, Instant now) throws CalculationException {
        if (pods.isEmpty()) {
            throw new CalculationException("no pods returned by selector while calculating replica count");
        }
        Groups groups = groupPods(pods, metrics, resource, now);
        groups.ignored().forEach(metrics::remove);
        groups.unready().forEach(metrics::remove);
        if (metrics.isEmpty()) {
            throw new CalculationException("did not receive metrics for targeted pods (pods might be unready)");
        }
        return groups;
    }

    /** Upstream's groupPods: ready count, and the unready, missing and ignored pods by name. */
    private static Groups groupPods(List<Pod> pods, Map<String, PodMetric> metrics, String resource, Instant now) {
        int ready = 0;
        Set<String> unready = new HashSet<>();
        Set<String> missing = new HashSet<>();
        Set<String> ignored = new HashSet<>();
        for (Pod pod : pods) {
            String name = pod.getMetadata().getName();
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if (pod.getMetadata().getDeletionTimestamp() != null || "Failed".equals(phase)) {
                ignored.add(name);
                continue;
            }
            if ("Pending".equals(phase)) {
                unready.add(name);
                continue;
            }
            PodMetric metric = metrics.get(name);
            if (metric == null) {
                missing.add(name);
                continue;
            }
            if (resource.equals("cpu") && cpuUnready(pod, metric, now)) {
                unready.add(name);
                continue;
            }
            ready++;
        }
        return new Groups(ready, unready, missing, ignored);
    }

    /**
     * CPU of a pod that is still starting is not trusted: within the initialization period, a pod
     * that is not ready or became ready after its metric's window began; after it, a pod that is not
     * ready and never was after the initial readiness delay.
     */
    private static boolean cpuUnready(Pod pod, PodMetric metric, Instant now) {
        PodCondition ready = pod.getStatus() == null || pod.getStatus().getConditions() == null ? null
                : pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
        String startTime = pod.getStatus() == null ? null : pod.getStatus().getStartTime();
        if (ready == null || startTime == null) {
            return true;
        }
        Instant started = Instant.parse(startTime);
        Instant transition = ready.getLastTransitionTime() == null ? started : Instant.parse(ready.getLastTransitionTime());
        if (started.plus(CPU_INITIALIZATION_PERIOD).isAfter(now)) {
            return "False".equals(ready.getStatus()) || metric.timestamp().isBefore(transition.plus(metric.window()));
        }
        return "False".equals(ready.getStatus()) && started.plus(INITIAL_READINESS_DELAY).isAfter(transition);
    }

    /**
     * Each pod's summed requests of {@code resource} in milli-units, over its containers and restartable (sidecar) init
     * containers, or only {@code container} when that is not null; a counted container without one fails the calculation.
     */
    static Map<String, Long> podRequests(List<Pod> pods, String resource, String container) throws CalculationException {
        Map<String, Long> requests = new HashMap<>();
        for (Pod pod : pods) {
            long sum = 0;
            List<Container> counted = new java.util.ArrayList<>(pod.getSpec().getContainers());
            for (Container c : pod.getSpec().getInitContainers() == null ? List.<Container>of() : pod.getSpec().getInitContainers()) {
                if ("Always".equals(c.getRestartPolicy())) {
                    counted.add(c);
                }
            }
            for (Container c : counted) {
                if (container != null && !container.equals(c.getName())) {
                    continue;
                }
                Quantity request = c.getResources() == null || c.getResources().getRequests() == null ? null
                        : c.getResources().getRequests().get(resource);
                if (request == null) {
                    throw new CalculationException("missing request for " + resource + " in container " + c.getName() + " of Pod "
                            + pod.getMetadata().getName());
                }
                sum += milli(request);
            }
            requests.put(pod.getMetadata().getName(), sum);
        }
        return requests;
    }

    /** Quantity.MilliValue(): rounded up. */
    static long milli(Quantity q) {
        return Quantity.getAmountInBytes(q).multiply(BigDecimal.valueOf(1000)).setScale(0, java.math.RoundingMode.CEILING).longValueExact();
    }
}
