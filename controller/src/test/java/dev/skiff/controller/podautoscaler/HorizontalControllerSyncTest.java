package dev.skiff.controller.podautoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerOptions;
import dev.skiff.controller.MovableClock;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerCondition;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedInformerFactory;
import io.fabric8.kubernetes.client.informers.impl.cache.CacheImpl;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HPA controller's sync against in-memory caches (informers never started, objects put into their
 * indexers), the target's scale and the pods' metrics held in memory and the status writes captured,
 * as upstream's horizontal_test.go does; the client points nowhere (events fail and are logged).
 */
class HorizontalControllerSyncTest {
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");

    private final MovableClock clock = new MovableClock(NOW);
    private KubernetesClient client;
    private SharedInformerFactory informers;
    private HorizontalController controller;
    private final List<HorizontalPodAutoscaler> written = new ArrayList<>();
    private final Map<String, Scale> scales = new HashMap<>();
    private final Map<String, PodMetric> podMetrics = new HashMap<>();
    private final List<Integer> scaleWrites = new ArrayList<>();
    private String metricsError;
    private final List<String> metricsContainers = new ArrayList<>();
    private final List<String> customRequests = new ArrayList<>();
    private PodMetric objectMetric;
    private final List<Long> externalValues = new ArrayList<>();

    @BeforeEach
    void setUp() {
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:1")
                .withRequestRetryBackoffLimit(0).build()).build();
        informers = client.informers();
        MetricsClient metrics = new MetricsClient() {
            @Override
            public Map<String, PodMetric> resourceMetric(String resource, String namespace, String selector, String container)
                    throws MetricsException {
                metricsContainers.add(container);
                return answer(Map.copyOf(podMetrics));
            }

            @Override
            public Map<String, PodMetric> podsMetric(String metric, String namespace, String selector, String metricSelector)
                    throws MetricsException {
                customRequests.add("pods " + metric + " " + selector + " " + metricSelector);
                return answer(Map.copyOf(podMetrics));
            }

            @Override
            public PodMetric objectMetric(String metric, String namespace, String apiVersion, String kind, String name, String metricSelector)
                    throws MetricsException {
                customRequests.add("object " + metric + " " + apiVersion + " " + kind + " " + name);
                return answer(objectMetric);
            }

            @Override
            public ExternalValues externalMetric(String metric, String namespace, String metricSelector) throws MetricsException {
                customRequests.add("external " + metric + " " + metricSelector);
                return answer(new ExternalValues(List.copyOf(externalValues), NOW));
            }

            private <T> T answer(T value) throws MetricsException {
                if (metricsError != null) {
                    throw new MetricsClient.MetricsException(metricsError);
                }
                return value;
            }
        };
        ScaleClient scaleClient = new ScaleClient() {
            @Override
            public Scale get(String namespace, io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference ref) throws ScaleException {
                Scale scale = scales.get(ref.getKind() + "/" + ref.getName());
                if (scale == null) {
                    throw new ScaleException("deployments.apps \"" + ref.getName() + "\" not found");
                }
                return new ScaleBuilder(scale).build();
            }

            @Override
            public Scale update(String namespace, io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference ref, Scale scale) {
                scales.put(ref.getKind() + "/" + ref.getName(), scale);
                scaleWrites.add(scale.getSpec().getReplicas());
                return scale;
            }
        };
        controller = new HorizontalController(new ControllerContext(client, informers, clock, 1, ControllerOptions.DEFAULTS), metrics,
                scaleClient, written::add);
    }

    @AfterEach
    void tearDown() throws Exception {
        controller.close();
        client.close();
    }

    @Test
    void scalesUpToTheCpuUtilizationTargetAndReportsStatus() {
        target(2);
        runningPods(2, "1");
        usage(900, "web-0", "web-1");
        add(hpa(1, 10, null));

        controller.sync("default/web");

        assertThat(scaleWrites).as("90%% of request against 50%%: ceil(1.8 * 2)").containsExactly(4);
        var status = lastStatus();
        assertThat(status.getStatus().getCurrentReplicas()).isEqualTo(2);
        assertThat(status.getStatus().getDesiredReplicas()).isEqualTo(4);
        assertThat(status.getStatus().getLastScaleTime()).isNotNull();
        var current = status.getStatus().getCurrentMetrics().getFirst().getResource();
        assertThat(current.getName()).isEqualTo("cpu");
        assertThat(current.getCurrent().getAverageUtilization()).isEqualTo(90);
        assertThat(current.getCurrent().getAverageValue()).isEqualTo(new Quantity("900m"));
        assertThat(condition(status, "AbleToScale")).extracting(HorizontalPodAutoscalerCondition::getStatus, HorizontalPodAutoscalerCondition::getReason,
                HorizontalPodAutoscalerCondition::getMessage).containsExactly("True", "SucceededRescale", "the HPA controller was able to update the target scale to 4");
        assertThat(condition(status, "ScalingActive")).extracting(HorizontalPodAutoscalerCondition::getReason, HorizontalPodAutoscalerCondition::getMessage)
                .containsExactly("ValidMetricFound", "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)");
        assertThat(condition(status, "ScalingLimited")).extracting(HorizontalPodAutoscalerCondition::getStatus, HorizontalPodAutoscalerCondition::getReason)
                .containsExactly("False", "DesiredWithinRange");
    }

    @Test
    void withoutABehaviorAScaleUpIsLimitedToTwiceTheSizeOrFour() {
        target(3);
        runningPods(3, "1");
        usage(1000, "web-0", "web-1", "web-2");
        add(hpa(1, 20, null, 10));

        controller.sync("default/web");

        assertThat(scaleWrites).as("ceil(10 * 3) = 30, limited to max(2 * 3, 4)").containsExactly(6);
        assertThat(condition(lastStatus(), "ScalingLimited")).extracting(HorizontalPodAutoscalerCondition::getStatus,
                HorizontalPodAutoscalerCondition::getReason, HorizontalPodAutoscalerCondition::getMessage)
                .containsExactly("True", "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate");
    }

    @Test
    void aScaleDownWaitsOutTheFiveMinuteStabilizationWindow() {
        target(4);
        runningPods(4, "1");
        usage(50, "web-0", "web-1", "web-2", "web-3");
        add(hpa(1, 10, null));

        controller.sync("default/web");
        assertThat(scaleWrites).isEmpty();
        assertThat(condition(lastStatus(), "AbleToScale")).extracting(HorizontalPodAutoscalerCondition::getReason)
                .isEqualTo("ScaleDownStabilized");
        assertThat(lastStatus().getStatus().getDesiredReplicas()).isEqualTo(4);

        clock.set(NOW.plus(Duration.ofMinutes(4)));
        controller.sync("default/web");
        assertThat(scaleWrites).as("4 minutes later the first recommendation still holds").isEmpty();

        clock.set(NOW.plus(Duration.ofMinutes(5)).plusSeconds(1));
        controller.sync("default/web");
        assertThat(scaleWrites).as("10%% of a 50%% target: ceil(0.2 * 4)").containsExactly(1);
    }

    @Test
    void scaleUpPoliciesLimitEachPeriodFromItsStartingSize() {
        target(2);
        runningPods(2, "1");
        usage(2000, "web-0", "web-1");
        var behavior = new io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehaviorBuilder()
                .withNewScaleUp().withPolicies(new HPAScalingPolicy(60, "Pods", 1)).endScaleUp().build();
        add(hpa(1, 10, behavior));

        controller.sync("default/web");
        assertThat(scaleWrites).as("one pod per minute").containsExactly(3);

        clock.set(NOW.plusSeconds(15));
        controller.sync("default/web");
        assertThat(scaleWrites).as("the minute's pod is spent").containsExactly(3);
        assertThat(condition(lastStatus(), "ScalingLimited")).extracting(HorizontalPodAutoscalerCondition::getReason).isEqualTo("ScaleUpLimit");

        clock.set(NOW.plusSeconds(61));
        controller.sync("default/web");
        assertThat(scaleWrites).containsExactly(3, 4);
    }

    @Test
    void boundsApplyBeforeMetrics() {
        target(12);
        add(hpa(2, 10, null));
        controller.sync("default/web");
        assertThat(scaleWrites).containsExactly(10);
        assertThat(lastStatus().getStatus().getDesiredReplicas()).isEqualTo(10);

        target(0);
        scaleWrites.clear();
        controller.sync("default/web");
        assertThat(scaleWrites).isEmpty();
        assertThat(condition(lastStatus(), "ScalingActive")).extracting(HorizontalPodAutoscalerCondition::getStatus,
                HorizontalPodAutoscalerCondition::getReason, HorizontalPodAutoscalerCondition::getMessage)
                .containsExactly("False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero");
    }

    @Test
    void metricsThatCannotBeReadLeaveTheScaleAndSayWhy() {
        target(2);
        runningPods(2, "1");
        metricsError = "no metrics returned from resource metrics API";
        add(hpa(1, 10, null));

        controller.sync("default/web");

        assertThat(scaleWrites).isEmpty();
        assertThat(condition(lastStatus(), "ScalingActive")).extracting(HorizontalPodAutoscalerCondition::getStatus,
                HorizontalPodAutoscalerCondition::getReason, HorizontalPodAutoscalerCondition::getMessage)
                .containsExactly("False", "FailedGetResourceMetric", "the HPA was unable to compute the replica count: failed to get cpu utilization: "
                        + "unable to get metrics for resource cpu: no metrics returned from resource metrics API");
        assertThat(condition(lastStatus(), "AbleToScale")).extracting(HorizontalPodAutoscalerCondition::getReason).isEqualTo("SucceededGetScale");

        scales.clear();
        controller.sync("default/web");
        assertThat(condition(lastStatus(), "AbleToScale")).extracting(HorizontalPodAutoscalerCondition::getStatus,
                HorizontalPodAutoscalerCondition::getReason, HorizontalPodAutoscalerCondition::getMessage)
                .containsExactly("False", "FailedGetScale", "the HPA controller was unable to get the target's current scale: deployments.apps \"web\" not found");
    }

    @Test
    void memoryAverageValueTargets() {
        target(2);
        runningPods(2, "1");
        podMetrics.put("web-0", new PodMetric(NOW, Duration.ofSeconds(15), 300L * 1024 * 1024 * 1000));
        podMetrics.put("web-1", new PodMetric(NOW, Duration.ofSeconds(15), 300L * 1024 * 1024 * 1000));
        HorizontalPodAutoscaler hpa = hpa(1, 10, null);
        hpa.getSpec().setMetrics(List.of(new MetricSpecBuilder().withType("Resource").withNewResource().withName("memory")
                .withNewTarget().withType("AverageValue").withAverageValue(new Quantity("100Mi")).endTarget().endResource().build()));
        add(hpa);

        controller.sync("default/web");

        assertThat(scaleWrites).as("300Mi per pod against 100Mi: 3 * 2").containsExactly(4);
        var current = lastStatus().getStatus().getCurrentMetrics().getFirst().getResource().getCurrent();
        assertThat(current.getAverageValue()).isEqualTo(new Quantity("300Mi"));
        assertThat(current.getAverageUtilization()).isNull();
        assertThat(condition(lastStatus(), "ScalingActive").getMessage()).endsWith("from memory resource");
    }

    @Test
    void containerResourceMetricsWeighOneContainerAgainstItsOwnRequest() {
        target(2);
        for (int i = 0; i < 2; i++) {
            // the app asks for 500m, a sidecar for a whole core: only the app's request counts
            Pod pod = ReplicaCalculatorTest.running("web-" + i, "1");
            pod.getMetadata().setNamespace("default");
            pod.getMetadata().setLabels(Map.of("app", "web"));
            pod.getSpec().getContainers().getFirst().setName("sidecar");
            pod.getSpec().getContainers().add(new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("app").withNewResources()
                    .addToRequests("cpu", new Quantity("500m")).endResources().build());
            add(pod);
        }
        usage(500, "web-0", "web-1"); // the app container's usage, as the metrics client hands it for container "app"
        HorizontalPodAutoscaler hpa = hpa(1, 10, null);
        hpa.getSpec().setMetrics(List.of(new MetricSpecBuilder().withType("ContainerResource").withNewContainerResource().withName("cpu")
                .withContainer("app").withNewTarget().withType("Utilization").withAverageUtilization(50).endTarget().endContainerResource().build()));
        add(hpa);

        controller.sync("default/web");

        assertThat(metricsContainers).containsExactly("app");
        assertThat(scaleWrites).as("100%% of the app's 500m against 50%%: ceil(2.0 * 2)").containsExactly(4);
        var current = lastStatus().getStatus().getCurrentMetrics().getFirst();
        assertThat(current.getType()).isEqualTo("ContainerResource");
        assertThat(current.getContainerResource().getContainer()).isEqualTo("app");
        assertThat(current.getContainerResource().getName()).isEqualTo("cpu");
        assertThat(current.getContainerResource().getCurrent().getAverageUtilization()).isEqualTo(100);
        assertThat(current.getContainerResource().getCurrent().getAverageValue()).isEqualTo(new Quantity("500m"));
        assertThat(condition(lastStatus(), "ScalingActive").getMessage())
                .isEqualTo("the HPA was able to successfully calculate a replica count from cpu container resource utilization (percentage of request)");

        metricsError = "container app not present in metrics for pod default/web-0";
        controller.sync("default/web");
        assertThat(condition(lastStatus(), "ScalingActive")).extracting(HorizontalPodAutoscalerCondition::getStatus,
                HorizontalPodAutoscalerCondition::getReason, HorizontalPodAutoscalerCondition::getMessage)
                .containsExactly("False", "FailedGetContainerResourceMetric", "the HPA was unable to compute the replica count: failed to get cpu "
                        + "utilization: unable to get metrics for resource cpu: container app not present in metrics for pod default/web-0");
    }

    @Test
    void theMetricsClientTakesOneContainersUsageAndFailsWhenAPodLacksIt() throws Exception {
        var metrics = new io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetricsBuilder().withNewMetadata().withName("web-0")
                .withNamespace("default").endMetadata().withTimestamp(NOW.toString()).withWindow(new io.fabric8.kubernetes.api.model.Duration(Duration.ofSeconds(15)))
                .addNewContainer().withName("app").addToUsage("cpu", new Quantity("250m")).endContainer()
                .addNewContainer().withName("sidecar").addToUsage("cpu", new Quantity("1")).endContainer().build();
        assertThat(MetricsClient.containerMetrics(List.of(metrics), "cpu", "app")).containsExactly(
                Map.entry("web-0", new PodMetric(NOW, Duration.ofSeconds(15), 250)));
        assertThat(MetricsClient.podMetrics(List.of(metrics), "cpu").get("web-0").milliValue()).isEqualTo(1250);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MetricsClient.containerMetrics(List.of(metrics), "cpu", "missing"))
                .hasMessage("container missing not present in metrics for pod default/web-0");
    }

    @Test
    void podsMetricsScaleOnTheirAverageValue() {
        target(2);
        runningPods(2, "1");
        usage(30_000, "web-0", "web-1"); // 30 requests/s each
        HorizontalPodAutoscaler hpa = hpa(1, 10, null);
        hpa.getSpec().setMetrics(List.of(new MetricSpecBuilder().withType("Pods").withNewPods().withNewMetric().withName("http_requests")
                .withNewSelector().addToMatchLabels("verb", "GET").endSelector().endMetric()
                .withNewTarget().withType("AverageValue").withAverageValue(new Quantity("20")).endTarget().endPods().build()));
        add(hpa);

        controller.sync("default/web");

        assertThat(customRequests).containsExactly("pods http_requests app=web verb=GET");
        assertThat(scaleWrites).as("30 per pod against 20: ceil(1.5 * 2)").containsExactly(3);
        var current = lastStatus().getStatus().getCurrentMetrics().getFirst();
        assertThat(current.getType()).isEqualTo("Pods");
        assertThat(current.getPods().getMetric().getName()).isEqualTo("http_requests");
        assertThat(current.getPods().getCurrent().getAverageValue()).isEqualTo(new Quantity("30"));
        assertThat(condition(lastStatus(), "ScalingActive").getMessage())
                .isEqualTo("the HPA was able to successfully calculate a replica count from pods metric http_requests");
    }

    @Test
    void objectMetricsScaleTheReadyPodsByTheirRatioOrPerPod() {
        target(2);
        runningPods(2, "1");
        objectMetric = new PodMetric(NOW, Duration.ofSeconds(30), 20_000);
        HorizontalPodAutoscaler hpa = hpa(1, 10, null);
        hpa.getSpec().setMetrics(List.of(new MetricSpecBuilder().withType("Object").withNewObject().withNewDescribedObject()
                .withApiVersion("networking.k8s.io/v1").withKind("Ingress").withName("main").endDescribedObject()
                .withNewMetric().withName("requests_per_second").endMetric()
                .withNewTarget().withType("Value").withValue(new Quantity("10")).endTarget().endObject().build()));
        add(hpa);

        controller.sync("default/web");

        assertThat(customRequests).containsExactly("object requests_per_second networking.k8s.io/v1 Ingress main");
        assertThat(scaleWrites).as("20 against 10 over 2 ready pods: ceil(2.0 * 2)").containsExactly(4);
        var current = lastStatus().getStatus().getCurrentMetrics().getFirst();
        assertThat(current.getType()).isEqualTo("Object");
        assertThat(current.getObject().getDescribedObject().getKind()).isEqualTo("Ingress");
        assertThat(current.getObject().getCurrent().getValue()).isEqualTo(new Quantity("20"));
        assertThat(condition(lastStatus(), "ScalingActive").getMessage())
                .isEqualTo("the HPA was able to successfully calculate a replica count from Ingress metric requests_per_second");

        // a per-pod average: 30 against 10 each with 4 replicas -> ceil(30 / 10) = 3, average 30 / 4 (in milli-units, as upstream)
        target(4);
        objectMetric = new PodMetric(NOW, Duration.ofSeconds(30), 30_000);
        hpa.getSpec().getMetrics().getFirst().getObject().setTarget(new io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTargetBuilder()
                .withType("AverageValue").withAverageValue(new Quantity("10")).build());
        add(hpa);
        scaleWrites.clear();
        clock.set(NOW.plus(Duration.ofMinutes(10)));
        controller.sync("default/web");
        assertThat(lastStatus().getStatus().getDesiredReplicas()).isEqualTo(3);
        assertThat(lastStatus().getStatus().getCurrentMetrics().getFirst().getObject().getCurrent().getAverageValue())
                .isEqualTo(new Quantity("7500m"));
    }

    @Test
    void perPodAveragesOfObjectAndExternalMetricsDivideByTheReplicasThatExist() {
        // a rollout half-way: 4 replicas asked for, 3 exist (the scale's status); upstream divides by the 3
        scales.put("Deployment/web", new ScaleBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(4).endSpec().withNewStatus().withReplicas(3).withSelector("app=web").endStatus().build());
        runningPods(3, "1");
        objectMetric = new PodMetric(NOW, Duration.ofSeconds(30), 30_000);
        externalValues.addAll(List.of(20_000L, 10_000L));
        HorizontalPodAutoscaler hpa = hpa(1, 10, null);
        hpa.getSpec().setMetrics(List.of(
                new MetricSpecBuilder().withType("Object").withNewObject().withNewDescribedObject()
                        .withApiVersion("networking.k8s.io/v1").withKind("Ingress").withName("main").endDescribedObject()
                        .withNewMetric().withName("requests_per_second").endMetric()
                        .withNewTarget().withType("AverageValue").withAverageValue(new Quantity("10")).endTarget().endObject().build(),
                new MetricSpecBuilder().withType("External").withNewExternal().withNewMetric().withName("queue_length").endMetric()
                        .withNewTarget().withType("AverageValue").withAverageValue(new Quantity("10")).endTarget().endExternal().build()));
        add(hpa);

        controller.sync("default/web");

        var status = lastStatus().getStatus();
        assertThat(status.getCurrentReplicas()).isEqualTo(4);
        assertThat(status.getCurrentMetrics().get(0).getObject().getCurrent().getAverageValue()).as("30 / 3, not 30 / 4")
                .isEqualTo(new Quantity("10"));
        assertThat(status.getCurrentMetrics().get(1).getExternal().getCurrent().getAverageValue()).as("(20 + 10) / 3")
                .isEqualTo(new Quantity("10"));
    }

    @Test
    void externalMetricsSumTheirValues() {
        target(2);
        runningPods(2, "1");
        externalValues.addAll(List.of(5_000L, 7_000L));
        HorizontalPodAutoscaler hpa = hpa(1, 10, null);
        hpa.getSpec().setMetrics(List.of(new MetricSpecBuilder().withType("External").withNewExternal().withNewMetric().withName("queue_length")
                .withNewSelector().addToMatchLabels("queue", "jobs").endSelector().endMetric()
                .withNewTarget().withType("Value").withValue(new Quantity("6")).endTarget().endExternal().build()));
        add(hpa);

        controller.sync("default/web");

        assertThat(customRequests).containsExactly("external queue_length queue=jobs");
        assertThat(scaleWrites).as("5 + 7 against 6 over 2 ready pods: ceil(2.0 * 2)").containsExactly(4);
        var current = lastStatus().getStatus().getCurrentMetrics().getFirst();
        assertThat(current.getType()).isEqualTo("External");
        assertThat(current.getExternal().getMetric().getName()).isEqualTo("queue_length");
        assertThat(current.getExternal().getCurrent().getValue()).isEqualTo(new Quantity("12"));
        assertThat(condition(lastStatus(), "ScalingActive").getMessage())
                .isEqualTo("the HPA was able to successfully calculate a replica count from external metric queue_length(queue=jobs)");

        metricsError = "no metrics returned from external metrics API";
        controller.sync("default/web");
        assertThat(condition(lastStatus(), "ScalingActive")).extracting(HorizontalPodAutoscalerCondition::getStatus,
                HorizontalPodAutoscalerCondition::getReason, HorizontalPodAutoscalerCondition::getMessage)
                .containsExactly("False", "FailedGetExternalMetric", "the HPA was unable to compute the replica count: unable to get external "
                        + "metric default/queue_length/queue=jobs: no metrics returned from external metrics API");
    }

    // -- fixtures

    private void target(int replicas) {
        scales.put("Deployment/web", new ScaleBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(replicas).endSpec().withNewStatus().withReplicas(replicas).withSelector("app=web").endStatus().build());
    }

    private void runningPods(int count, String cpuRequest) {
        for (int i = 0; i < count; i++) {
            Pod pod = ReplicaCalculatorTest.pod("web-" + i, "Running", cpuRequest, true, NOW.minus(Duration.ofHours(1)), NOW.minus(Duration.ofHours(1)));
            pod.getMetadata().setNamespace("default");
            pod.getMetadata().setLabels(Map.of("app", "web"));
            add(pod);
        }
        Pod other = ReplicaCalculatorTest.pod("other", "Running", "1", true, NOW.minus(Duration.ofHours(1)), NOW.minus(Duration.ofHours(1)));
        other.getMetadata().setNamespace("default");
        other.getMetadata().setLabels(Map.of("app", "other"));
        add(other);
    }

    private void usage(long milliCores, String... pods) {
        for (String pod : pods) {
            podMetrics.put(pod, new PodMetric(NOW.minusSeconds(5), Duration.ofSeconds(15), milliCores));
        }
    }

    private static HorizontalPodAutoscaler hpa(int min, int max, io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior behavior) {
        return hpa(min, max, behavior, 50);
    }

    private static HorizontalPodAutoscaler hpa(int min, int max, io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior behavior,
                                               int cpuUtilization) {
        return new HorizontalPodAutoscalerBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
                .withNewSpec().withMinReplicas(min).withMaxReplicas(max).withBehavior(behavior)
                .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName("web").endScaleTargetRef()
                .withMetrics(new MetricSpecBuilder().withType("Resource").withNewResource().withName("cpu").withNewTarget()
                        .withType("Utilization").withAverageUtilization(cpuUtilization).endTarget().endResource().build())
                .endSpec().build();
    }

    private HorizontalPodAutoscaler lastStatus() {
        assertThat(written).isNotEmpty();
        HorizontalPodAutoscaler last = written.getLast();
        add(last); // the informer would see the write
        return last;
    }

    private static HorizontalPodAutoscalerCondition condition(HorizontalPodAutoscaler hpa, String type) {
        return hpa.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> void add(T object) {
        var indexer = informers.getExistingSharedIndexInformer((Class<T>) object.getClass()).getIndexer();
        ((CacheImpl<T>) indexer).put(object);
    }
}
