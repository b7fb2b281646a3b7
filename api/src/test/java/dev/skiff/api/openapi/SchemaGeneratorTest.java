package dev.skiff.api.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchemaGeneratorTest {
    private static final String CORE = "io.k8s.api.core.v1.";
    private static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.";

    private static Map<String, ObjectNode> generate(Class<?>... kinds) {
        SchemaGenerator generator = new SchemaGenerator("#/definitions/");
        for (Class<?> kind : kinds) {
            generator.add(kind);
        }
        return generator.definitions();
    }

    private static JsonNode property(Map<String, ObjectNode> definitions, String definition, String property) {
        JsonNode node = definitions.get(definition).path("properties").path(property);
        assertThat(node.isMissingNode()).as(definition + "." + property).isFalse();
        return node;
    }

    @Test
    void definitionsAreNamedAsUpstreamGoTypes() {
        assertThat(DefinitionNames.of(Pod.class)).isEqualTo("io.k8s.api.core.v1.Pod");
        assertThat(DefinitionNames.of(ObjectMeta.class)).isEqualTo("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        assertThat(DefinitionNames.of(Status.class)).isEqualTo("io.k8s.apimachinery.pkg.apis.meta.v1.Status");
        assertThat(DefinitionNames.of(IntOrString.class)).isEqualTo("io.k8s.apimachinery.pkg.util.intstr.IntOrString");
        assertThat(DefinitionNames.of(Quantity.class)).isEqualTo("io.k8s.apimachinery.pkg.api.resource.Quantity");
        assertThat(DefinitionNames.of(Deployment.class)).isEqualTo("io.k8s.api.apps.v1.Deployment");
        assertThat(DefinitionNames.of(Role.class)).isEqualTo("io.k8s.api.rbac.v1.Role");
        assertThat(DefinitionNames.of(Lease.class)).isEqualTo("io.k8s.api.coordination.v1.Lease");
        assertThat(DefinitionNames.of(HorizontalPodAutoscaler.class)).isEqualTo("io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler");
        assertThat(DefinitionNames.of(io.fabric8.kubernetes.api.model.storage.StorageClass.class))
                .isEqualTo("io.k8s.api.storage.v1.StorageClass");
        assertThatThrownBy(() -> DefinitionNames.of(String.class)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void podContainersAreAMapListOfContainersMergedByName() {
        var definitions = generate(Pod.class);
        assertThat(property(definitions, CORE + "Pod", "spec").get("$ref").asText()).isEqualTo("#/definitions/" + CORE + "PodSpec");
        JsonNode containers = property(definitions, CORE + "PodSpec", "containers");
        assertThat(containers.get("type").asText()).isEqualTo("array");
        assertThat(containers.get("items").get("$ref").asText()).isEqualTo("#/definitions/" + CORE + "Container");
        assertThat(containers.get("x-kubernetes-patch-merge-key").asText()).isEqualTo("name");
        assertThat(containers.get("x-kubernetes-patch-strategy").asText()).isEqualTo("merge");
        assertThat(containers.get("x-kubernetes-list-type").asText()).isEqualTo("map");
        assertThat(containers.get("x-kubernetes-list-map-keys").toString()).isEqualTo("[\"name\"]");
        assertThat(property(definitions, CORE + "PodSpec", "volumes").get("x-kubernetes-patch-strategy").asText())
                .isEqualTo("merge,retainKeys");
        assertThat(property(definitions, META + "ObjectMeta", "finalizers").get("x-kubernetes-list-type").asText()).isEqualTo("set");
        // an atomic list carries no patch extension
        assertThat(property(definitions, CORE + "Container", "args").has("x-kubernetes-patch-strategy")).isFalse();
        assertThat(definitions.get(CORE + "Container").get("type").asText()).isEqualTo("object");
    }

    @Test
    void valueTypesHaveUpstreamShapes() {
        var definitions = generate(Pod.class, io.fabric8.kubernetes.api.model.Service.class);
        assertThat(property(definitions, META + "ObjectMeta", "creationTimestamp").get("$ref").asText())
                .isEqualTo("#/definitions/" + META + "Time");
        assertThat(definitions.get(META + "Time").toString()).isEqualTo("{\"type\":\"string\",\"format\":\"date-time\"}");
        assertThat(property(definitions, CORE + "PodCondition", "lastTransitionTime").get("$ref").asText()).endsWith(META + "Time");
        assertThat(property(definitions, META + "ObjectMeta", "generation").toString())
                .isEqualTo("{\"type\":\"integer\",\"format\":\"int64\"}");
        assertThat(property(definitions, CORE + "ContainerPort", "containerPort").toString())
                .isEqualTo("{\"type\":\"integer\",\"format\":\"int32\"}");
        assertThat(property(definitions, CORE + "ServicePort", "targetPort").get("$ref").asText())
                .isEqualTo("#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString");
        assertThat(definitions.get("io.k8s.apimachinery.pkg.util.intstr.IntOrString").get("x-kubernetes-int-or-string").asBoolean()).isTrue();
        assertThat(definitions.get("io.k8s.apimachinery.pkg.util.intstr.IntOrString").get("format").asText()).isEqualTo("int-or-string");
        JsonNode limits = property(definitions, CORE + "ResourceRequirements", "limits");
        assertThat(limits.get("type").asText()).isEqualTo("object");
        assertThat(limits.get("additionalProperties").get("$ref").asText()).endsWith("io.k8s.apimachinery.pkg.api.resource.Quantity");
        assertThat(definitions.get("io.k8s.apimachinery.pkg.api.resource.Quantity").toString()).isEqualTo("{\"type\":\"string\"}");
        assertThat(property(definitions, META + "ObjectMeta", "labels").toString())
                .isEqualTo("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}");
        assertThat(property(definitions, CORE + "PodSpec", "hostNetwork").toString()).isEqualTo("{\"type\":\"boolean\"}");
        assertThat(definitions.get(META + "ObjectMeta").path("properties").has("additionalProperties")).isFalse();
    }

    @Test
    void freeFormJsonKeepsUnknownFieldsAndMicroTimeIsADateTime() {
        var definitions = generate(ControllerRevision.class, Lease.class);
        JsonNode data = property(definitions, "io.k8s.api.apps.v1.ControllerRevision", "data");
        assertThat(data.get("type").asText()).isEqualTo("object");
        assertThat(data.get("x-kubernetes-preserve-unknown-fields").asBoolean()).isTrue();
        assertThat(property(definitions, "io.k8s.api.coordination.v1.LeaseSpec", "renewTime").get("$ref").asText())
                .endsWith(META + "MicroTime");
        assertThat(definitions.get(META + "MicroTime").get("format").asText()).isEqualTo("date-time");
    }

    @Test
    void kindsCarryTheirGroupVersionKinds() {
        SchemaGenerator generator = new SchemaGenerator("#/components/schemas/");
        String name = generator.addKind(ConfigMap.class, new SchemaGenerator.Gvk("", "v1", "ConfigMap"));
        generator.addKind(Deployment.class, new SchemaGenerator.Gvk("apps", "v1", "Deployment"));
        JsonNode configMap = generator.definitions().get(name);
        assertThat(configMap.get("x-kubernetes-group-version-kind").toString())
                .isEqualTo("[{\"group\":\"\",\"kind\":\"ConfigMap\",\"version\":\"v1\"}]");
        assertThat(configMap.get("properties").get("metadata").get("$ref").asText())
                .isEqualTo("#/components/schemas/" + META + "ObjectMeta");
        assertThat(generator.definitions().get("io.k8s.api.apps.v1.Deployment").get("x-kubernetes-group-version-kind")
                .get(0).get("group").asText()).isEqualTo("apps");
        // a struct reached only as a field is not a kind
        assertThat(generator.definitions().get(META + "ObjectMeta").has("x-kubernetes-group-version-kind")).isFalse();
        assertThat(generator.definitions().get("io.k8s.api.apps.v1.DeploymentSpec").get("properties").get("strategy")
                .get("x-kubernetes-patch-strategy").asText()).isEqualTo("retainKeys");
    }

    @Test
    void timeFieldsAreRecognisedByUpstreamNaming() {
        assertThat(SchemaGenerator.isTimeField("creationTimestamp")).isTrue();
        assertThat(SchemaGenerator.isTimeField("lastProbeTime")).isTrue();
        assertThat(SchemaGenerator.isTimeField("startedAt")).isTrue();
        assertThat(SchemaGenerator.isTimeField("timeAdded")).isTrue();
        assertThat(SchemaGenerator.isTimeField("runtimeClassName")).isFalse();
        assertThat(SchemaGenerator.isTimeField("timeZone")).isFalse();
    }
}
