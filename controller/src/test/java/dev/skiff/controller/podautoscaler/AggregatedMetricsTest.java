package dev.skiff.controller.podautoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.client.rest.ExtensionApiServer;
import dev.skiff.controller.ControlPlaneTest;
import dev.skiff.controller.ControllerManager;
import dev.skiff.controller.deployment.DeploymentController;
import dev.skiff.controller.replicaset.ReplicaSetController;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HPA's custom and external metrics through the API server's aggregation, from a real
 * extension API server playing a metrics adapter: the REST metrics client's paths and decoding,
 * and a Deployment scaled by an External metric end to end.
 */
class AggregatedMetricsTest extends ControlPlaneTest {
    private static final String CUSTOM = "custom.metrics.k8s.io";
    private static final String EXTERNAL = "external.metrics.k8s.io";
    private ExtensionApiServer adapter;

    @BeforeEach
    void startAdapter() throws Exception {
        adapter = new ExtensionApiServer(client, "metrics-adapter", dir.resolve("adapter-pki"))
                .serve("/apis/" + CUSTOM + "/v1beta2", query -> resourceList(CUSTOM + "/v1beta2", "pods/http_requests"))
                .serve("/apis/" + EXTERNAL + "/v1beta1", query -> resourceList(EXTERNAL + "/v1beta1", "queue_length"))
                // one value per pod the label selector picks, as an adapter reads them from its backend
                .serve("/apis/" + CUSTOM + "/v1beta2/namespaces/default/pods/*/http_requests", query -> """
                        {"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[%s]}"""
                        .formatted(client.pods().inNamespace("default").withLabel("app", "web").list().getItems().stream()
                                .map(p -> """
                                        {"describedObject":{"kind":"Pod","namespace":"default","name":"%s","apiVersion":"/v1"},
                                         "metric":{"name":"http_requests"},"timestamp":"2026-12-03T12:00:00Z","windowSeconds":60,"value":"1500m"}"""
                                        .formatted(p.getMetadata().getName())).collect(Collectors.joining(","))))
                .serve("/apis/" + CUSTOM + "/v1beta2/namespaces/default/ingresses.networking.k8s.io/main/requests_per_second", query -> """
                        {"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[
                         {"describedObject":{"kind":"Ingress","namespace":"default","name":"main","apiVersion":"networking.k8s.io/v1"},
                          "metric":{"name":"requests_per_second"},"timestamp":"2026-12-03T12:00:00Z","value":"250"}]}""")
                .serve("/apis/" + EXTERNAL + "/v1beta1/namespaces/default/queue_length", query -> """
                        {"kind":"ExternalMetricValueList","apiVersion":"external.metrics.k8s.io/v1beta1","metadata":{},"items":[
                         {"metricName":"queue_length","metricLabels":{"queue":"jobs","shard":"a"},"timestamp":"2026-12-03T12:00:00Z","value":"5"},
                         {"metricName":"queue_length","metricLabels":{"queue":"jobs","shard":"b"},"timestamp":"2026-12-03T12:00:00Z","value":"7"}]}""");
        ExtensionApiServer.register(client, adapter.apiService(CUSTOM, "v1beta2"));
        ExtensionApiServer.register(client, adapter.apiService(EXTERNAL, "v1beta1"));
    }

    @AfterEach
    void stopAdapter() {
        adapter.close();
    }

    private static String resourceList(String groupVersion, String resource) {
        return """
                {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"%s","resources":[
                 {"name":"%s","singularName":"","namespaced":true,"kind":"MetricValueList","verbs":["get"]}]}""".formatted(groupVersion, resource);
    }

    @Test
    void theRestMetricsClientReadsCustomAndExternalMetricsThroughTheAggregator() throws Exception {
        client.pods().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("web-a")
                .addToLabels("app", "web").endMetadata().withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer()
                .endSpec().build()).create();
        var metrics = new RestMetricsClient(client);
        adapter.clearSeen();

        var pods = metrics.podsMetric("http_requests", "default", "app=web", "verb=GET");
        assertThat(pods).containsOnlyKeys("web-a");
        assertThat(pods.get("web-a").milliValue()).isEqualTo(1500);
        assertThat(pods.get("web-a").window()).hasSeconds(60);
        var object = metrics.objectMetric("requests_per_second", "default", "networking.k8s.io/v1", "Ingress", "main", "");
        assertThat(object.milliValue()).isEqualTo(250_000);
        var external = metrics.externalMetric("queue_length", "default", "queue=jobs");
        assertThat(external.milliValues()).containsExactly(5_000L, 7_000L);

        assertThat(adapter.proxied()).extracting(ExtensionApiServer.Seen::path, ExtensionApiServer.Seen::query).containsExactly(
                org.assertj.core.groups.Tuple.tuple("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests",
                        "labelSelector=app%3Dweb&metricLabelSelector=verb%3DGET" /* the aggregator sends parameters sorted by name */),
                org.assertj.core.groups.Tuple.tuple("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/ingresses.networking.k8s.io/main/"
                        + "requests_per_second", "null"),
                org.assertj.core.groups.Tuple.tuple("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_length",
                        "labelSelector=queue%3Djobs"));
        assertThat(adapter.proxied()).allSatisfy(seen -> assertThat(seen.user()).isEqualTo("system:admin"));

        var failure = org.assertj.core.api.Assertions.catchThrowableOfType(MetricsClient.MetricsException.class,
                () -> metrics.externalMetric("missing", "default", ""));
        assertThat(failure).hasMessageStartingWith("unable to fetch metrics from external metrics API");
    }

    @Test
    void anExternalMetricScalesADeployment() throws Exception {
        kubelet().runAll(pods -> { });
        try (var manager = ControllerManager.start(client, List.of(DeploymentController.NAME, ReplicaSetController.NAME,
                HorizontalController.NAME), false, 2)) {
            client.apps().deployments().inNamespace("default").resource(new DeploymentBuilder().withNewMetadata().withName("web").endMetadata()
                    .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
                    .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata().withNewSpec().addNewContainer().withName("c")
                    .withImage("busybox").endContainer().endSpec().endTemplate().endSpec().build()).create();
            await("2 ready pods", () -> kubelet().livePods().stream().filter(dev.skiff.controller.PodReadiness::isReady).count() == 2);
            HorizontalPodAutoscaler hpa = new HorizontalPodAutoscalerBuilder().withNewMetadata().withName("web").endMetadata().withNewSpec()
                    .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName("web").endScaleTargetRef()
                    .withMinReplicas(1).withMaxReplicas(10).withMetrics(new MetricSpecBuilder().withType("External").withNewExternal()
                            .withNewMetric().withName("queue_length").withNewSelector().addToMatchLabels("queue", "jobs").endSelector().endMetric()
                            .withNewTarget().withType("Value").withValue(new Quantity("6")).endTarget().endExternal().build())
                    .endSpec().build();
            client.autoscaling().v2().horizontalPodAutoscalers().inNamespace("default").resource(hpa).create();

            // 5 + 7 against 6 with 2 ready pods: ceil(2.0 * 2) = 4
            await("the deployment scaled to 4", () -> client.apps().deployments().inNamespace("default").withName("web").get().getSpec()
                    .getReplicas() == 4);
            await("the HPA's status", () -> {
                var status = client.autoscaling().v2().horizontalPodAutoscalers().inNamespace("default").withName("web").get().getStatus();
                return status != null && status.getCurrentMetrics() != null && !status.getCurrentMetrics().isEmpty();
            });
            var status = client.autoscaling().v2().horizontalPodAutoscalers().inNamespace("default").withName("web").get().getStatus();
            assertThat(status.getDesiredReplicas()).isEqualTo(4);
            assertThat(status.getCurrentMetrics().getFirst().getExternal().getCurrent().getValue()).isEqualTo(new Quantity("12"));
            assertThat(status.getConditions()).anySatisfy(c -> {
                assertThat(c.getType()).isEqualTo("ScalingActive");
                assertThat(c.getStatus()).isEqualTo("True");
            });
        }
    }
}
