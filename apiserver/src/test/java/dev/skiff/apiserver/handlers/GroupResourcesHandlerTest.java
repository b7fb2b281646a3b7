package dev.skiff.apiserver.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.ResourceRegistry;
import dev.skiff.apiserver.authz.AlwaysAllowAuthorizer;
import dev.skiff.apiserver.registry.authentication.SelfSubjectReviews;
import dev.skiff.apiserver.registry.authorization.SubjectAccessReviews;
import dev.skiff.registry.apps.deployment.DeploymentStrategy;
import dev.skiff.registry.autoscaling.horizontalpodautoscaler.HorizontalPodAutoscalerStrategy;
import dev.skiff.registry.autoscaling.horizontalpodautoscaler.HorizontalPodAutoscalerV1Conversion;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.Store;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A resource served at two versions over one storage, protobuf bodies of non-core kinds, and the create-only reviews. */
class GroupResourcesHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    Store store;
    ResourceHandler handler;

    @BeforeEach
    void setUp() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
        var builtIn = ResourceRegistry.builtIn();
        var hpa = new GenericRegistry<>(store, HorizontalPodAutoscalerStrategy.RESOURCE, new HorizontalPodAutoscalerStrategy(), CLOCK,
                new Random(1));
        var deployments = new GenericRegistry<>(store, DeploymentStrategy.RESOURCE, new DeploymentStrategy(), CLOCK, new Random(2));
        var access = new SubjectAccessReviews(new AlwaysAllowAuthorizer());
        handler = new ResourceHandler(List.of(
                ServedResource.of(builtIn.find("autoscaling", "v2", "horizontalpodautoscalers").orElseThrow(), HorizontalPodAutoscaler.class,
                        hpa, CLOCK),
                ServedResource.of(builtIn.find("autoscaling", "v1", "horizontalpodautoscalers").orElseThrow(), HorizontalPodAutoscaler.class,
                        hpa, CLOCK, new HorizontalPodAutoscalerV1Conversion()),
                ServedResource.of(builtIn.find("apps", "v1", "deployments").orElseThrow(), Deployment.class, deployments, CLOCK)),
                List.of(new CreateOnlyResource<>(builtIn.find("authentication.k8s.io", "v1", "selfsubjectreviews").orElseThrow(),
                                SelfSubjectReview.class, SelfSubjectReviews::create),
                        new CreateOnlyResource<>(builtIn.find("authorization.k8s.io", "v1", "selfsubjectaccessreviews").orElseThrow(),
                                SelfSubjectAccessReview.class, access::createSelf)),
                builtIn.groupVersions());
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
    }

    private JsonNode call(String method, String path, String query, String body, Map<String, String> headers, int expected) throws Exception {
        var response = new ResourceHandlerTest.Captured();
        handler.handle(ResourceHandlerTest.request(method, path, query, body, headers), response);
        assertThat(response.code).as(response.out.toString()).isEqualTo(expected);
        return JSON.readTree(response.out.toByteArray());
    }

    @Test
    void anHpaWrittenInV1IsReadInV2AndPatchedInV1() throws Exception {
        call("POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", "", """
                {"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"web"},
                 "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":4,
                         "targetCPUUtilizationPercentage":60}}""", Map.of(), 201);
        JsonNode v2 = call("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web", "", null, Map.of(), 200);
        assertThat(v2.get("apiVersion").asText()).isEqualTo("autoscaling/v2");
        assertThat(v2.at("/spec/metrics/0/resource/target/averageUtilization").asInt()).isEqualTo(60);
        assertThat(v2.at("/spec/minReplicas").asInt()).isEqualTo(1);

        call("PATCH", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web", "",
                "{\"spec\":{\"targetCPUUtilizationPercentage\":75}}", Map.of("content-type", "application/merge-patch+json"), 200);
        JsonNode list = call("GET", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", "", null, Map.of(), 200);
        assertThat(list.get("kind").asText()).isEqualTo("HorizontalPodAutoscalerList");
        assertThat(list.get("apiVersion").asText()).isEqualTo("autoscaling/v1");
        assertThat(list.at("/items/0/spec/targetCPUUtilizationPercentage").asInt()).isEqualTo(75);
        assertThat(call("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web", "", null, Map.of(), 200)
                .at("/spec/metrics/0/resource/target/averageUtilization").asInt()).isEqualTo(75);
        assertThat(call("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web", "", null, Map.of(), 200)
                .at("/metadata/generation").asInt()).isEqualTo(2);
    }

    @Test
    void deploymentStatusAndScaleSubresources() throws Exception {
        call("POST", "/apis/apps/v1/namespaces/default/deployments", "", """
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
                 "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
                         "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}""",
                Map.of(), 201);
        JsonNode resources = call("GET", "/apis/apps/v1", "", null, Map.of(), 200);
        assertThat(resources.findValuesAsText("name")).contains("deployments", "deployments/status", "deployments/scale");

        JsonNode scale = call("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale", "", null, Map.of(), 200);
        assertThat(scale.get("kind").asText()).isEqualTo("Scale");
        assertThat(scale.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(scale.at("/status/selector").asText()).isEqualTo("app=web");
        call("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", "", "{\"spec\":{\"replicas\":5}}",
                Map.of("content-type", "application/merge-patch+json"), 200);
        JsonNode scaled = call("GET", "/apis/apps/v1/namespaces/default/deployments/web", "", null, Map.of(), 200);
        assertThat(scaled.at("/spec/replicas").asInt()).isEqualTo(5);
        assertThat(scaled.at("/metadata/generation").asInt()).isEqualTo(2);

        // a status update changes status only: the spec in its body is ignored, generation stays
        call("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/status", "",
                "{\"spec\":{\"replicas\":9},\"status\":{\"replicas\":5,\"readyReplicas\":3}}",
                Map.of("content-type", "application/merge-patch+json"), 200);
        JsonNode after = call("GET", "/apis/apps/v1/namespaces/default/deployments/web", "", null, Map.of(), 200);
        assertThat(after.at("/spec/replicas").asInt()).isEqualTo(5);
        assertThat(after.at("/status/readyReplicas").asInt()).isEqualTo(3);
        assertThat(after.at("/metadata/generation").asInt()).isEqualTo(2);
        // and the main resource ignores status
        call("PATCH", "/apis/apps/v1/namespaces/default/deployments/web", "", "{\"status\":{\"readyReplicas\":0}}",
                Map.of("content-type", "application/merge-patch+json"), 200);
        assertThat(call("GET", "/apis/apps/v1/namespaces/default/deployments/web", "", null, Map.of(), 200)
                .at("/status/readyReplicas").asInt()).isEqualTo(3);
    }

    @Test
    void aProtobufDeploymentDecodesThroughTheFactsTable() throws Exception {
        byte[] labels = message(out -> {
            out.writeString(1, "app");
            out.writeString(2, "web");
        });
        byte[] container = message(out -> {
            out.writeString(1, "nginx");
            out.writeString(2, "nginx:1.27");
        });
        byte[] template = message(out -> {
            out.writeByteArray(1, message(meta -> meta.writeByteArray(11, labels)));
            out.writeByteArray(2, message(pod -> pod.writeByteArray(2, container)));
        });
        byte[] strategy = message(out -> {
            out.writeString(1, "RollingUpdate");
            out.writeByteArray(2, message(rolling -> {
                rolling.writeByteArray(1, message(i -> {
                    i.writeInt64(1, 1);
                    i.writeString(3, "50%");
                }));
                rolling.writeByteArray(2, message(i -> {
                    i.writeInt64(1, 0);
                    i.writeInt32(2, 2);
                }));
            }));
        });
        byte[] deployment = message(out -> {
            out.writeByteArray(1, message(meta -> meta.writeString(1, "web")));
            out.writeByteArray(2, message(spec -> {
                spec.writeInt32(1, 0);
                spec.writeByteArray(2, message(sel -> sel.writeByteArray(1, labels)));
                spec.writeByteArray(3, template);
                spec.writeByteArray(4, strategy);
                spec.writeInt32(5, 0); // minReadySeconds: a value field, sent even when unset
                spec.writeBool(7, false); // paused, likewise
            }));
        });
        byte[] unknown = message(out -> {
            out.writeByteArray(1, message(tm -> {
                tm.writeString(1, "apps/v1");
                tm.writeString(2, "Deployment");
            }));
            out.writeBytes(2, ByteString.copyFrom(deployment));
        });
        byte[] body = new byte[unknown.length + 4];
        System.arraycopy(new byte[] {'k', '8', 's', 0}, 0, body, 0, 4);
        System.arraycopy(unknown, 0, body, 4, unknown.length);

        var response = new ResourceHandlerTest.Captured();
        var request = ResourceHandlerTest.request("POST", "/apis/apps/v1/namespaces/default/deployments", "", null,
                Map.of("content-type", "application/vnd.kubernetes.protobuf"));
        handler.handle(new dev.skiff.apiserver.endpoints.ApiRequest(request.info(), request.user(), request.method(), request.path(),
                request.query(), request.headers(), body), response);
        assertThat(response.code).as(response.out.toString()).isEqualTo(201);
        JsonNode created = JSON.readTree(response.out.toByteArray());
        assertThat(created.at("/spec/replicas").asInt()).as("replicas 0 is kept, not defaulted").isZero();
        assertThat(created.at("/spec/minReadySeconds").isMissingNode()).as("an omitempty value field's zero is left out").isTrue();
        assertThat(created.at("/spec/paused").isMissingNode()).isTrue();
        assertThat(created.at("/spec/selector/matchLabels/app").asText()).isEqualTo("web");
        assertThat(created.at("/spec/template/spec/containers/0/image").asText()).isEqualTo("nginx:1.27");
        assertThat(created.at("/spec/template/spec/containers/0/imagePullPolicy").asText()).isEqualTo("IfNotPresent");
        assertThat(created.at("/spec/strategy/rollingUpdate/maxUnavailable").asText()).isEqualTo("50%");
        assertThat(created.at("/spec/strategy/rollingUpdate/maxSurge").asInt()).isEqualTo(2);
    }

    interface Writer {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Writer writer) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = CodedOutputStream.newInstance(bytes);
        writer.write(out);
        out.flush();
        return bytes.toByteArray();
    }

    @Test
    void reviewsAnswerForTheCallerAndAreCreateOnly() throws Exception {
        JsonNode who = call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}", Map.of(), 201);
        assertThat(who.get("apiVersion").asText()).isEqualTo("authentication.k8s.io/v1");
        assertThat(who.at("/status/userInfo/username").asText()).isEqualTo("admin");
        assertThat(who.at("/status/userInfo/groups/0").asText()).isEqualTo("system:masters");

        JsonNode can = call("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "",
                "{\"spec\":{\"resourceAttributes\":{\"verb\":\"create\",\"group\":\"apps\",\"resource\":\"deployments\",\"namespace\":\"default\"}}}",
                Map.of(), 201);
        assertThat(can.at("/status/allowed").asBoolean()).isTrue();
        assertThat(can.at("/spec/resourceAttributes/resource").asText()).isEqualTo("deployments");

        assertThatThrownBy(() -> call("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "", "{\"spec\":{}}", Map.of(), 201))
                .isInstanceOf(ApiException.class).hasMessageContaining(
                        "spec.resourceAttributes: Invalid value: \"\": exactly one of nonResourceAttributes or resourceAttributes must be specified");
        assertThatThrownBy(() -> call("GET", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "", null, Map.of(), 200))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(405));
        JsonNode discovery = call("GET", "/apis/authentication.k8s.io/v1", "", null, Map.of(), 200);
        assertThat(discovery.at("/resources/0/name").asText()).isEqualTo("selfsubjectreviews");
        assertThat(discovery.at("/resources/0/verbs").toString()).isEqualTo("[\"create\"]");
    }
}
