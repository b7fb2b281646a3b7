package dev.skiff.controller.podautoscaler;

import dev.skiff.api.quantity.Quantities;
import dev.skiff.api.selector.LabelSelector;
import dev.skiff.api.selector.LabelSelectors;
import dev.skiff.client.controller.Controller;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ContainerResourceMetricStatus;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerCondition;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerStatus;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricStatus;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricValueStatus;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ResourceMetricStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's horizontal pod autoscaler controller (pkg/controller/podautoscaler, "horizontalpodautoscaling"):
 * every --horizontal-pod-autoscaler-sync-period (15 s) each autoscaling/v2 HPA reads its target's
 * /scale, computes a replica count per Resource metric (cpu or memory, Utilization or AverageValue)
 * from the metrics API and the target's pods ({@link ReplicaCalculator}), takes the largest,
 * stabilizes and limits it ({@link ScaleRecommendations}), writes the new size to /scale with a
 * SuccessfulRescale event, and reports currentReplicas, desiredReplicas, currentMetrics,
 * lastScaleTime and the AbleToScale, ScalingActive and ScalingLimited conditions with upstream's
 * reasons and messages.
 */
public final class HorizontalController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HorizontalController.class);
    public static final String NAME = "horizontalpodautoscaling";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, HorizontalController::start);

    /** Writes an HPA's new status; the real one PUTs horizontalpodautoscalers/status. */
    @FunctionalInterface
    interface StatusWriter {
        void write(HorizontalPodAutoscaler hpa);
    }

    private final Clock clock;
    private final MetricsClient metrics;
    private final ScaleClient scales;
    private final StatusWriter writer;
    private final EventRecorder events;
    private final ReplicaCalculator calculator = new ReplicaCalculator(ReplicaCalculator.DEFAULT_TOLERANCE);
    private final ScaleRecommendations recommendations;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;
    private final List<SharedIndexInformer<?>> informers;
    private final Lister<HorizontalPodAutoscaler> hpas;
    private final Lister<Pod> pods;

    HorizontalController(ControllerContext context, MetricsClient metrics, ScaleClient scales, StatusWriter writer) {
        this.clock = context.clock();
        this.metrics = metrics;
        this.scales = scales;
        this.writer = writer;
        this.events = context.eventRecorder("horizontal-pod-autoscaler");
        this.recommendations = new ScaleRecommendations(clock);
        Duration syncPeriod = context.options().horizontalPodAutoscalerSyncPeriod();
        // every add waits one sync period, so each HPA is reconciled once per period however often it changes
        this.queue = new RateLimitingQueue<>(new FixedItemIntervalRateLimiter<>(syncPeriod), clock);
        this.controller = new Controller(NAME, this::sync, queue, Integer.MAX_VALUE);
        var factory = context.informers();
        SharedIndexInformer<HorizontalPodAutoscaler> hpaInformer = factory.sharedIndexInformerFor(HorizontalPodAutoscaler.class, 0);
        SharedIndexInformer<Pod> podInformer = factory.sharedIndexInformerFor(Pod.class, 0);
        this.informers = List.of(hpaInformer, podInformer);
        this.hpas = new Lister<>(hpaInformer.getIndexer());
        this.pods = new Lister<>(podInformer.getIndexer());
        hpaInformer.addEventHandler(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
            @Override
            public void onAdd(HorizontalPodAutoscaler hpa) {
                queue.addRateLimited(key(hpa));
            }

            @Override
            public void onUpdate(HorizontalPodAutoscaler oldHpa, HorizontalPodAutoscaler newHpa) {
                queue.addRateLimited(key(newHpa));
            }

            @Override
            public void onDelete(HorizontalPodAutoscaler hpa, boolean finalStateUnknown) {
                recommendations.forget(key(hpa));
            }
        });
    }

    static AutoCloseable start(ControllerContext context) {
        KubernetesClient client = context.client();
        var c = new HorizontalController(context, MetricsClient.of(client), ScaleClient.of(client),
                hpa -> client.resource(hpa).updateStatus());
        context.runWhenSynced(c.controller, c.informers);
        return c;
    }

    private static String key(HorizontalPodAutoscaler hpa) {
        return hpa.getMetadata().getNamespace() + "/" + hpa.getMetadata().getName();
    }

    void sync(String key) {
        var k = Controller.ObjectKey.parse(key);
        HorizontalPodAutoscaler live = hpas.namespace(k.namespace()).get(k.name());
        if (live == null) {
            recommendations.forget(key);
            return;
        }
        try {
            reconcile(key, Serialization.clone(live));
        } finally {
            queue.addRateLimited(key);
        }
    }

    private void reconcile(String key, HorizontalPodAutoscaler hpa) {
        String namespace = hpa.getMetadata().getNamespace();
        var spec = hpa.getSpec();
        var ref = spec.getScaleTargetRef();
        String reference = ref.getKind() + "/" + ref.getName();
        HorizontalPodAutoscalerStatus oldStatus = Serialization.clone(status(hpa));
        Scale scale;
        try {
            scale = scales.get(namespace, ref);
        } catch (ScaleClient.ScaleException e) {
            events.event(hpa, EventRecorder.WARNING, "FailedGetScale", e.getMessage());
            setCondition(hpa, "AbleToScale", "False", "FailedGetScale", "the HPA controller was unable to get the target's current scale: "
                    + e.getMessage());
            writeStatusIfChanged(hpa, oldStatus);
            return;
        }
        setCondition(hpa, "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale");
        int currentReplicas = scale.getSpec() == null || scale.getSpec().getReplicas() == null ? 0 : scale.getSpec().getReplicas();
        recommendations.recordInitial(key, currentReplicas);
        int minReplicas = spec.getMinReplicas() == null ? 1 : spec.getMinReplicas();
        int maxReplicas = spec.getMaxReplicas();
        int desiredReplicas = 0;
        String rescaleReason = "";
        boolean rescale = true;
        List<MetricStatus> metricStatuses = status(hpa).getCurrentMetrics() == null ? List.of() : status(hpa).getCurrentMetrics();
        if (currentReplicas == 0 && minReplicas != 0) {
            rescale = false;
            setCondition(hpa, "ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero");
        } else if (currentReplicas > maxReplicas) {
            rescaleReason = "Current number of replicas above Spec.MaxReplicas";
            desiredReplicas = maxReplicas;
        } else if (currentReplicas < minReplicas) {
            rescaleReason = "Current number of replicas below Spec.MinReplicas";
            desiredReplicas = minReplicas;
        } else {
            MetricsReplicas computed = computeReplicasForMetrics(hpa, scale, currentReplicas);
            metricStatuses = computed.statuses();
            if (computed.error() != null) {
                setStatus(hpa, currentReplicas, status(hpa).getDesiredReplicas() == null ? currentReplicas : status(hpa).getDesiredReplicas(),
                        metricStatuses, false);
                writeStatusIfChanged(hpa, oldStatus);
                events.event(hpa, EventRecorder.WARNING, "FailedComputeMetricsReplicas", computed.error());
                LOG.info("hpa={} cannot compute the replica count: {}", key, computed.error());
                return;
            }
            desiredReplicas = computed.replicas();
            if (desiredReplicas > currentReplicas) {
                rescaleReason = computed.metricName() + " above target";
            } else if (desiredReplicas < currentReplicas) {
                rescaleReason = "All metrics below target";
            }
            var normalized = recommendations.normalize(key, spec.getBehavior(), currentReplicas, desiredReplicas, minReplicas, maxReplicas);
            setCondition(hpa, "AbleToScale", "True", normalized.ableToScale().reason(), normalized.ableToScale().message());
            setCondition(hpa, "ScalingLimited", normalized.scalingLimited().status() ? "True" : "False", normalized.scalingLimited().reason(),
                    normalized.scalingLimited().message());
            desiredReplicas = normalized.replicas();
            rescale = desiredReplicas != currentReplicas;
        }
        if (rescale) {
            scale.getSpec().setReplicas(desiredReplicas);
            try {
                scales.update(namespace, ref, scale);
            } catch (ScaleClient.ScaleException e) {
                events.event(hpa, EventRecorder.WARNING, "FailedRescale", "New size: " + desiredReplicas + "; reason: " + rescaleReason
                        + "; error: " + e.getMessage());
                setCondition(hpa, "AbleToScale", "False", "FailedUpdateScale", "the HPA controller was unable to update the target scale: "
                        + e.getMessage());
                setStatus(hpa, currentReplicas, desiredReplicas, metricStatuses, false);
                writeStatusIfChanged(hpa, oldStatus);
                return;
            }
            setCondition(hpa, "AbleToScale", "True", "SucceededRescale", "the HPA controller was able to update the target scale to "
                    + desiredReplicas);
            events.event(hpa, EventRecorder.NORMAL, "SuccessfulRescale", "New size: " + desiredReplicas + "; reason: " + rescaleReason);
            recommendations.recordScaleEvent(key, spec.getBehavior(), currentReplicas, desiredReplicas);
            LOG.info("hpa={} target={} rescaled from {} to {}: {}", key, reference, currentReplicas, desiredReplicas, rescaleReason);
        } else {
            desiredReplicas = currentReplicas;
        }
        setStatus(hpa, currentReplicas, desiredReplicas, metricStatuses, rescale);
        writeStatusIfChanged(hpa, oldStatus);
    }

    private record MetricsReplicas(int replicas, String metricName, List<MetricStatus> statuses, String error) {
    }

    private record Proposal(int replicas, String metricName, MetricStatus status) {
    }

    /** A metric that could not be used: the condition it sets and the error it reports. */
    private static final class MetricFailure extends Exception {
        final String reason;
        final String conditionMessage;

        MetricFailure(String reason, String conditionMessage, String message) {
            super(message);
            this.reason = reason;
            this.conditionMessage = conditionMessage;
        }
    }

    /** Upstream's computeReplicasForMetrics: the largest proposal; invalid metrics fail it when all are, or when the rest would scale down. */
    private MetricsReplicas computeReplicasForMetrics(HorizontalPodAutoscaler hpa, Scale scale, int currentReplicas) {
        List<MetricSpec> specs = hpa.getSpec().getMetrics() == null ? List.of() : hpa.getSpec().getMetrics();
        List<MetricStatus> statuses = new ArrayList<>();
        String selector = scale.getStatus() == null ? null : scale.getStatus().getSelector();
        if (selector == null || selector.isEmpty()) {
            events.event(hpa, EventRecorder.WARNING, "SelectorRequired", "selector is required");
            setCondition(hpa, "ScalingActive", "False", "InvalidSelector", "the HPA target's scale is missing a selector");
            return new MetricsReplicas(-1, "", statuses, "selector is required");
        }
        LabelSelector parsed;
        try {
            parsed = LabelSelector.parse(selector);
        } catch (RuntimeException e) {
            events.event(hpa, EventRecorder.WARNING, "InvalidSelector", "couldn't convert selector into a corresponding internal selector object: "
                    + e.getMessage());
            setCondition(hpa, "ScalingActive", "False", "InvalidSelector", "the HPA target's selector could not be parsed: " + e.getMessage());
            return new MetricsReplicas(-1, "", statuses, e.getMessage());
        }
        // upstream: the per-pod averages of Object and External metrics divide by the replicas that exist (the scale's status)
        int statusReplicas = scale.getStatus().getReplicas() == null ? 0 : scale.getStatus().getReplicas();
        int replicas = 0;
        String metricName = "";
        int invalid = 0;
        MetricFailure firstFailure = null;
        for (MetricSpec spec : specs) {
            try {
                Proposal proposal = computeReplicasForMetric(hpa, spec, parsed, selector, currentReplicas, statusReplicas);
                statuses.add(proposal.status());
                if (replicas == 0 || proposal.replicas() > replicas) {
                    replicas = proposal.replicas();
                    metricName = proposal.metricName();
                }
            } catch (MetricFailure failure) {
                if (firstFailure == null) {
                    firstFailure = failure;
                }
                invalid++;
            }
        }
        if (invalid >= specs.size() || invalid > 0 && replicas < currentReplicas) {
            if (firstFailure != null) {
                setCondition(hpa, "ScalingActive", "False", firstFailure.reason, firstFailure.conditionMessage);
            }
            return new MetricsReplicas(-1, "", statuses, "invalid metrics (" + invalid + " invalid out of " + specs.size() + "), first error is: "
                    + (firstFailure == null ? "no metrics" : firstFailure.getMessage()));
        }
        setCondition(hpa, "ScalingActive", "True", "ValidMetricFound", "the HPA was able to successfully calculate a replica count from "
                + metricName);
        return new MetricsReplicas(replicas, metricName, statuses, null);
    }

    private Proposal computeReplicasForMetric(HorizontalPodAutoscaler hpa, MetricSpec spec, LabelSelector selector, String selectorText,
                                              int currentReplicas, int statusReplicas) throws MetricFailure {
        boolean containerResource = "ContainerResource".equals(spec.getType());
        switch (Objects.requireNonNullElse(spec.getType(), "")) {
            case "Pods" -> {
                return podsProposal(hpa, spec, selectorText, selector, currentReplicas);
            }
            case "Object" -> {
                return objectProposal(hpa, spec, selector, currentReplicas, statusReplicas);
            }
            case "External" -> {
                return externalProposal(hpa, spec, selector, currentReplicas, statusReplicas);
            }
            case "Resource", "ContainerResource" -> {
            }
            default -> {
                String message = "unknown metric source type \"" + spec.getType() + "\"";
                events.event(hpa, EventRecorder.WARNING, "InvalidMetricSourceType", message);
                throw new MetricFailure("InvalidMetricSourceType", "the HPA was unable to compute the replica count: " + message, message);
            }
        }
        // a ContainerResource metric is a Resource metric of one container of each pod (upstream's computeStatusForResourceMetricGeneric)
        String resource = containerResource ? spec.getContainerResource().getName() : spec.getResource().getName();
        String container = containerResource ? spec.getContainerResource().getContainer() : null;
        var target = containerResource ? spec.getContainerResource().getTarget() : spec.getResource().getTarget();
        String namespace = hpa.getMetadata().getNamespace();
        List<Pod> targetPods = targetPods(namespace, selector);
        String failedReason = containerResource ? "FailedGetContainerResourceMetric" : "FailedGetResourceMetric";
        String failedWhat = containerResource ? container + " container" : resource + " resource";
        boolean averageValue = target.getAverageValue() != null;
        try {
            Map<String, PodMetric> podMetrics;
            try {
                podMetrics = metrics.resourceMetric(resource, namespace, selectorText, container);
            } catch (MetricsClient.MetricsException e) {
                throw new ReplicaCalculator.CalculationException("unable to get metrics for resource " + resource + ": " + e.getMessage());
            }
            if (averageValue) {
                var result = calculator.plainReplicas(currentReplicas, ReplicaCalculator.milli(target.getAverageValue()), resource, podMetrics,
                        targetPods, clock.instant());
                return new Proposal(result.replicas(), resource + " resource",
                        resourceStatus(resource, container, new MetricValueStatus(null, milliQuantity(result.rawAverageMilli()), null)));
            }
            if (target.getAverageUtilization() != null) {
                var result = calculator.resourceReplicas(currentReplicas, target.getAverageUtilization(), resource, container, podMetrics,
                        targetPods, clock.instant());
                return new Proposal(result.replicas(), resource + (containerResource ? " container" : "")
                        + " resource utilization (percentage of request)",
                        resourceStatus(resource, container, new MetricValueStatus(result.utilization(), milliQuantity(result.rawAverageMilli()), null)));
            }
            String invalid = "invalid resource metric source: neither an average utilization target nor an average value (usage) target was set";
            events.event(hpa, EventRecorder.WARNING, failedReason, invalid);
            throw new MetricFailure(failedReason, "the HPA was unable to compute the replica count: " + invalid,
                    "failed to get " + failedWhat + " metric value: " + invalid);
        } catch (ReplicaCalculator.CalculationException e) {
            String inner = "failed to get " + resource + (averageValue ? " usage: " : " utilization: ") + e.getMessage();
            events.event(hpa, EventRecorder.WARNING, failedReason, inner);
            throw new MetricFailure(failedReason, "the HPA was unable to compute the replica count: " + inner,
                    "failed to get " + failedWhat + " metric value: " + inner);
        }
    }

    private List<Pod> targetPods(String namespace, LabelSelector selector) {
        return pods.namespace(namespace).list().stream().filter(p -> selector.matches(
                p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels())).toList();
    }

    /** A failed custom/external metric as upstream reports it: a Warning event, ScalingActive False, and the wrapped error. */
    private MetricFailure failure(HorizontalPodAutoscaler hpa, String reason, String what, String inner) {
        events.event(hpa, EventRecorder.WARNING, reason, inner);
        return new MetricFailure(reason, "the HPA was unable to compute the replica count: " + inner, "failed to get " + what + " metric value: "
                + inner);
    }

    /** The Pods source (upstream's computeStatusForPodsMetric): a custom metric per pod against an average value. */
    private Proposal podsProposal(HorizontalPodAutoscaler hpa, MetricSpec spec, String selectorText, LabelSelector selector,
                                  int currentReplicas) throws MetricFailure {
        var source = spec.getPods();
        String name = source.getMetric().getName();
        String namespace = hpa.getMetadata().getNamespace();
        try {
            if (source.getTarget() == null || source.getTarget().getAverageValue() == null) {
                throw new ReplicaCalculator.CalculationException("invalid pods metric source: an average value target must be set");
            }
            Map<String, PodMetric> podMetrics;
            try {
                podMetrics = metrics.podsMetric(name, namespace, selectorText, LabelSelectors.format(source.getMetric().getSelector()));
            } catch (MetricsClient.MetricsException e) {
                throw new ReplicaCalculator.CalculationException("unable to get metric " + name + ": " + e.getMessage());
            }
            var result = calculator.plainReplicas(currentReplicas, ReplicaCalculator.milli(source.getTarget().getAverageValue()), "",
                    podMetrics, targetPods(namespace, selector), clock.instant());
            var status = new MetricStatus();
            status.setType("Pods");
            var pods = new io.fabric8.kubernetes.api.model.autoscaling.v2.PodsMetricStatus();
            pods.setMetric(source.getMetric());
            pods.setCurrent(new MetricValueStatus(null, milliQuantity(result.rawAverageMilli()), null));
            status.setPods(pods);
            return new Proposal(result.replicas(), "pods metric " + name, status);
        } catch (ReplicaCalculator.CalculationException e) {
            throw failure(hpa, "FailedGetPodsMetric", "pods", e.getMessage());
        }
    }

    /** The Object source (upstream's computeStatusForObjectMetric): one object's metric against a value or a per-pod average value. */
    private Proposal objectProposal(HorizontalPodAutoscaler hpa, MetricSpec spec, LabelSelector selector, int currentReplicas,
                                    int statusReplicas) throws MetricFailure {
        var source = spec.getObject();
        var object = source.getDescribedObject();
        String name = source.getMetric().getName();
        String namespace = hpa.getMetadata().getNamespace();
        var target = source.getTarget();
        if (target == null || target.getValue() == null && target.getAverageValue() == null) {
            throw failure(hpa, "FailedGetObjectMetric", "object", "invalid object metric source: neither a value target nor an average value target was set");
        }
        try {
            PodMetric usage;
            try {
                usage = metrics.objectMetric(name, namespace, object.getApiVersion(), object.getKind(), object.getName(),
                        LabelSelectors.format(source.getMetric().getSelector()));
            } catch (MetricsClient.MetricsException e) {
                throw new ReplicaCalculator.CalculationException("unable to get metric " + name + ": " + e.getMessage() + " on "
                        + object.getKind() + " " + namespace + "/" + object.getName());
            }
            ReplicaCalculator.Result result;
            MetricValueStatus current;
            if (target.getValue() != null) {
                double ratio = (double) usage.milliValue() / ReplicaCalculator.milli(target.getValue());
                result = calculator.usageRatioReplicas(currentReplicas, ratio, targetPods(namespace, selector), usage.milliValue(),
                        usage.timestamp());
                current = new MetricValueStatus(null, null, milliQuantity(result.rawAverageMilli()));
            } else {
                result = calculator.perPodReplicas(statusReplicas, usage.milliValue(), ReplicaCalculator.milli(target.getAverageValue()),
                        usage.timestamp());
                current = new MetricValueStatus(null, milliQuantity(result.rawAverageMilli()), null);
            }
            var status = new MetricStatus();
            status.setType("Object");
            var objectStatus = new io.fabric8.kubernetes.api.model.autoscaling.v2.ObjectMetricStatus();
            objectStatus.setDescribedObject(object);
            objectStatus.setMetric(source.getMetric());
            objectStatus.setCurrent(current);
            status.setObject(objectStatus);
            return new Proposal(result.replicas(), object.getKind() + " metric " + name, status);
        } catch (ReplicaCalculator.CalculationException e) {
            throw failure(hpa, "FailedGetObjectMetric", "object", e.getMessage());
        }
    }

    /** The External source (upstream's computeStatusForExternalMetric): the sum of the metric's values against a value or a per-pod average. */
    private Proposal externalProposal(HorizontalPodAutoscaler hpa, MetricSpec spec, LabelSelector selector, int currentReplicas,
                                      int statusReplicas) throws MetricFailure {
        var source = spec.getExternal();
        String name = source.getMetric().getName();
        String namespace = hpa.getMetadata().getNamespace();
        var target = source.getTarget();
        if (target == null || target.getValue() == null && target.getAverageValue() == null) {
            throw failure(hpa, "FailedGetExternalMetric", "external",
                    "invalid external metric source: neither a value target nor an average value target was set");
        }
        String metricSelector = LabelSelectors.format(source.getMetric().getSelector());
        try {
            MetricsClient.ExternalValues values;
            try {
                values = metrics.externalMetric(name, namespace, metricSelector);
            } catch (MetricsClient.MetricsException e) {
                throw new ReplicaCalculator.CalculationException("unable to get external metric " + namespace + "/" + name + "/"
                        + (metricSelector.isEmpty() ? "nil" : metricSelector) + ": " + e.getMessage());
            }
            long usage = values.milliValues().stream().mapToLong(Long::longValue).sum();
            ReplicaCalculator.Result result;
            MetricValueStatus current;
            if (target.getValue() != null) {
                double ratio = (double) usage / ReplicaCalculator.milli(target.getValue());
                result = calculator.usageRatioReplicas(currentReplicas, ratio, targetPods(namespace, selector), usage, values.timestamp());
                current = new MetricValueStatus(null, null, milliQuantity(result.rawAverageMilli()));
            } else {
                result = calculator.perPodReplicas(statusReplicas, usage, ReplicaCalculator.milli(target.getAverageValue()), values.timestamp());
                current = new MetricValueStatus(null, milliQuantity(result.rawAverageMilli()), null);
            }
            var status = new MetricStatus();
            status.setType("External");
            var external = new io.fabric8.kubernetes.api.model.autoscaling.v2.ExternalMetricStatus();
            external.setMetric(source.getMetric());
            external.setCurrent(current);
            status.setExternal(external);
            return new Proposal(result.replicas(), "external metric " + name + "(" + (metricSelector.isEmpty() ? "nil" : metricSelector) + ")",
                    status);
        } catch (ReplicaCalculator.CalculationException e) {
            throw failure(hpa, "FailedGetExternalMetric", "external", e.getMessage());
        }
    }

    private static MetricStatus resourceStatus(String resource, String container, MetricValueStatus current) {
        var status = new MetricStatus();
        if (container == null) {
            status.setType("Resource");
            status.setResource(new ResourceMetricStatus(current, resource));
        } else {
            status.setType("ContainerResource");
            status.setContainerResource(new ContainerResourceMetricStatus(container, current, resource));
        }
        return status;
    }

    /** resource.NewMilliQuantity(v, DecimalSI).String(). */
    private static Quantity milliQuantity(long milli) {
        return new Quantity(Quantities.canonical(new Quantity(milli + "m")));
    }

    private static HorizontalPodAutoscalerStatus status(HorizontalPodAutoscaler hpa) {
        if (hpa.getStatus() == null) {
            hpa.setStatus(new HorizontalPodAutoscalerStatus());
        }
        return hpa.getStatus();
    }

    private void setStatus(HorizontalPodAutoscaler hpa, int currentReplicas, int desiredReplicas, List<MetricStatus> metrics, boolean rescaled) {
        var status = status(hpa);
        status.setCurrentReplicas(currentReplicas);
        status.setDesiredReplicas(desiredReplicas);
        status.setCurrentMetrics(metrics.isEmpty() ? null : List.copyOf(metrics));
        if (rescaled) {
            status.setLastScaleTime(now());
        }
    }

    /** Upstream's setCondition: reason and message always updated, lastTransitionTime only when the status flips. */
    private void setCondition(HorizontalPodAutoscaler hpa, String type, String conditionStatus, String reason, String message) {
        var status = status(hpa);
        List<HorizontalPodAutoscalerCondition> conditions = status.getConditions() == null ? new ArrayList<>() : new ArrayList<>(status.getConditions());
        var existing = conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
        if (existing == null) {
            conditions.add(new HorizontalPodAutoscalerCondition(now(), message, null, reason, conditionStatus, type));
        } else {
            if (!conditionStatus.equals(existing.getStatus())) {
                existing.setLastTransitionTime(now());
            }
            existing.setStatus(conditionStatus);
            existing.setReason(reason);
            existing.setMessage(message);
        }
        status.setConditions(conditions);
    }

    private String now() {
        return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    }

    private void writeStatusIfChanged(HorizontalPodAutoscaler hpa, HorizontalPodAutoscalerStatus old) {
        if (Objects.equals(old, hpa.getStatus())) {
            return;
        }
        try {
            writer.write(hpa);
        } catch (KubernetesClientException e) {
            LOG.info("hpa={}/{} status update failed (retried next period): {}", hpa.getMetadata().getNamespace(), hpa.getMetadata().getName(),
                    e.getMessage());
        }
    }

    @Override
    public void close() throws InterruptedException {
        controller.close();
        events.close();
    }
}
