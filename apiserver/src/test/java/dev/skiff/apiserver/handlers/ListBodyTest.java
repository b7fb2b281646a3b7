package dev.skiff.apiserver.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.apiserver.endpoints.Json;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ListBodyTest {

    @Test
    void itemsLoseOnlyTheirOwnKindAndApiVersionAndReadAsTheirTreeEncoding() throws Exception {
        ConfigMap owned = new ConfigMapBuilder().withApiVersion("v1").withKind("ConfigMap")
                .withNewMetadata().withName("a").withNamespace("ns").withResourceVersion("7")
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment").withName("d").withUid("u").endOwnerReference()
                .endMetadata().withData(Map.of("kind", "value")).build();
        ConfigMap plain = new ConfigMapBuilder().withApiVersion("v1").withKind("ConfigMap")
                .withNewMetadata().withName("b").endMetadata().build();

        JsonNode list = BodyDecoder.JSON.readTree(Json.write(new ListBody("ConfigMapList", "v1", "9", "tok", 3L, List.of(owned, plain))));

        assertThat(list.get("kind").asText()).isEqualTo("ConfigMapList");
        assertThat(list.get("apiVersion").asText()).isEqualTo("v1");
        assertThat(list.get("metadata").get("resourceVersion").asText()).isEqualTo("9");
        assertThat(list.get("metadata").get("continue").asText()).isEqualTo("tok");
        assertThat(list.get("metadata").get("remainingItemCount").asLong()).isEqualTo(3);
        assertThat(list.get("items")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            ObjectNode expected = BodyDecoder.JSON.valueToTree(List.of(owned, plain).get(i));
            expected.remove("kind");
            expected.remove("apiVersion");
            assertThat(list.get("items").get(i)).isEqualTo(expected);
        }
        JsonNode owner = list.get("items").get(0).get("metadata").get("ownerReferences").get(0);
        assertThat(owner.get("kind").asText()).isEqualTo("Deployment");
        assertThat(owner.get("apiVersion").asText()).isEqualTo("apps/v1");
        assertThat(list.get("items").get(0).get("data").get("kind").asText()).isEqualTo("value");
        assertThat(owned.getKind()).as("the shared object is not touched").isEqualTo("ConfigMap");
    }

    @Test
    void aTypeNestedInAnotherListsItemsKeepsItsKindWhileAsAnItemItLosesIt() throws Exception {
        var claim = new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder().withNewMetadata().withName("data").endMetadata().build();
        var set = new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder().withNewMetadata().withName("s").endMetadata()
                .withNewSpec().withVolumeClaimTemplates(claim).endSpec().build();

        JsonNode claims = BodyDecoder.JSON.readTree(Json.write(new ListBody("PersistentVolumeClaimList", "v1", "1", null, null, List.of(claim))));
        JsonNode sets = BodyDecoder.JSON.readTree(Json.write(new ListBody("StatefulSetList", "apps/v1", "1", null, null, List.of(set))));

        assertThat(claims.get("items").get(0).has("kind")).isFalse();
        assertThat(claims.get("items").get(0).has("apiVersion")).isFalse();
        assertThat(sets.get("items").get(0).has("kind")).isFalse();
        JsonNode nested = sets.get("items").get(0).get("spec").get("volumeClaimTemplates").get(0);
        assertThat(nested.get("kind").asText()).isEqualTo("PersistentVolumeClaim");
        assertThat(nested.get("apiVersion").asText()).isEqualTo("v1");
    }

    @Test
    void anEmptyListHasAnEmptyItemsArrayAndNoUnsetMetadata() throws Exception {
        JsonNode list = BodyDecoder.JSON.readTree(Json.write(new ListBody("ConfigMapList", "v1", null, null, null, List.of())));
        assertThat(list.get("items").isArray()).isTrue();
        assertThat(list.get("items")).isEmpty();
        assertThat(list.get("metadata").isEmpty()).isTrue();
    }
}
