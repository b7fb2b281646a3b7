package dev.skiff.registry.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObjectCodecTest {
    private final ObjectCodec codec = new ObjectCodec();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void theStoredFormLeavesOutOnlyTheTopLevelResourceVersionAndSelfLink() throws Exception {
        Deployment deployment = new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("ns")
                .withResourceVersion("42").withSelfLink("/apis/apps/v1/namespaces/ns/deployments/web").withUid("u-1")
                .withLabels(Map.of("app", "web")).endMetadata()
                .withNewSpec().withReplicas(3).withNewSelector().withMatchLabels(Map.of("app", "web")).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "web")).withResourceVersion("7").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate()
                .endSpec().build();
        JsonNode stored = json.readTree(codec.encode(deployment).toByteArray());

        JsonNode expected = json.valueToTree(deployment);
        ((com.fasterxml.jackson.databind.node.ObjectNode) expected.get("metadata")).remove(java.util.List.of("resourceVersion", "selfLink"));
        assertThat(stored).isEqualTo(expected);
        assertThat(stored.at("/metadata/uid").asText()).isEqualTo("u-1");
        assertThat(stored.at("/spec/template/metadata/resourceVersion").asText()).as("a template's is not the object's").isEqualTo("7");

        Deployment decoded = codec.decode(codec.encode(deployment), Deployment.class, 99);
        assertThat(decoded.getMetadata().getResourceVersion()).isEqualTo("99");
        assertThat(decoded.getMetadata().getSelfLink()).isNull();
        assertThat(decoded.getSpec()).isEqualTo(deployment.getSpec());
        assertThat(deployment.getMetadata().getResourceVersion()).as("the encoded object is left as it was").isEqualTo("42");
    }

    @Test
    void metadataHoldingOnlyAResourceVersionIsStoredEmpty() throws Exception {
        ConfigMap bare = new ConfigMapBuilder().withNewMetadata().withResourceVersion("5").endMetadata().withData(Map.of("k", "v")).build();
        JsonNode stored = json.readTree(codec.encode(bare).toByteArray());
        assertThat(stored.get("metadata")).isNotNull();
        assertThat(stored.get("metadata").size()).isZero();
        assertThat(stored.at("/data/k").asText()).isEqualTo("v");
    }
}
