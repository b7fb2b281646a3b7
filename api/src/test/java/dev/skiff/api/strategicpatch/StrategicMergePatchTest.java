package dev.skiff.api.strategicpatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.patch.PatchMeta;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StrategicMergePatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PatchMeta POD = PatchMeta.forType(Pod.class);

    /** JSON written with single quotes, to keep the patches readable. */
    private static ObjectNode json(String singleQuoted) {
        try {
            return (ObjectNode) JSON.readTree(singleQuoted.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ObjectNode pod() {
        Pod pod = new PodBuilder().withNewMetadata().withName("web").addToLabels("app", "web").addToLabels("tier", "front")
                .withFinalizers("a/one", "b/two").endMetadata()
                .withNewSpec()
                .addNewContainer().withName("app").withImage("app:1")
                .addNewEnv().withName("MODE").withValue("prod").endEnv()
                .addNewEnv().withName("LEVEL").withValue("info").endEnv()
                .addNewPort().withContainerPort(80).withName("http").endPort()
                .addNewPort().withContainerPort(443).withName("https").endPort()
                .endContainer()
                .addNewContainer().withName("sidecar").withImage("sidecar:1").endContainer()
                .addNewContainer().withName("logger").withImage("logger:1").endContainer()
                .addNewVolume().withName("data").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewToleration().withKey("k1").withOperator("Exists").endToleration()
                .endSpec().build();
        return JSON.valueToTree(pod);
    }

    private static ObjectNode patchPod(String patch) {
        return StrategicMergePatch.apply(pod(), json(patch), POD);
    }

    private static List<String> names(JsonNode list, String key) {
        List<String> names = new ArrayList<>();
        list.forEach(e -> names.add(e.path(key).asText()));
        return names;
    }

    @Test
    void containersMergeByNameAndNewOnesFollowThePatchOrder() {
        ObjectNode result = patchPod("{'spec':{'containers':[{'name':'sidecar','image':'sidecar:2'},{'name':'extra','image':'extra:1'}]}}");
        JsonNode containers = result.at("/spec/containers");
        // upstream interleaves: live elements keep their order, a new element follows the patch element before it
        assertThat(names(containers, "name")).containsExactly("app", "sidecar", "extra", "logger");
        assertThat(containers.get(1).get("image").asText()).isEqualTo("sidecar:2");
        assertThat(containers.get(0).get("image").asText()).as("untouched").isEqualTo("app:1");
        assertThat(containers.get(0).get("env")).hasSize(2);
    }

    @Test
    void envMergesByNameAndPortsByContainerPort() {
        ObjectNode result = patchPod("{'spec':{'containers':[{'name':'app',"
                + "'env':[{'name':'LEVEL','value':'debug'},{'name':'NEW','value':'1'}],"
                + "'ports':[{'containerPort':443,'name':'tls'},{'containerPort':8080}]}]}}");
        JsonNode app = result.at("/spec/containers/0");
        assertThat(names(app.get("env"), "name")).containsExactly("MODE", "LEVEL", "NEW");
        assertThat(app.at("/env/1/value").asText()).isEqualTo("debug");
        assertThat(names(app.get("ports"), "containerPort")).containsExactly("80", "443", "8080");
        assertThat(app.at("/ports/1/name").asText()).isEqualTo("tls");
        assertThat(app.at("/ports/0/name").asText()).isEqualTo("http");
    }

    @Test
    void patchOrderComesBeforeTheLiveOrderForNewElements() {
        ObjectNode result = patchPod("{'spec':{'containers':[{'name':'first','image':'f'},{'name':'app','image':'app:2'}]}}");
        assertThat(names(result.at("/spec/containers"), "name")).containsExactly("first", "app", "sidecar", "logger");
    }

    @Test
    void deleteDirectiveRemovesAListElementByKeyAndReplaceDirectiveReplacesTheList() {
        ObjectNode deleted = patchPod("{'spec':{'containers':[{'name':'sidecar','$patch':'delete'}]}}");
        assertThat(names(deleted.at("/spec/containers"), "name")).containsExactly("app", "logger");

        ObjectNode replaced = patchPod("{'spec':{'containers':[{'name':'only','image':'o:1'},{'$patch':'replace'}]}}");
        assertThat(names(replaced.at("/spec/containers"), "name")).containsExactly("only");
    }

    @Test
    void replaceAndDeleteDirectivesOnMaps() {
        ObjectNode replaced = patchPod("{'metadata':{'labels':{'$patch':'replace','only':'x'}}}");
        assertThat(replaced.at("/metadata/labels")).isEqualTo(json("{'only':'x'}"));
        ObjectNode deleted = patchPod("{'metadata':{'labels':{'$patch':'delete'}}}");
        assertThat(deleted.at("/metadata/labels")).isEqualTo(json("{}"));
    }

    @Test
    void nullDeletesAMapKeyAndNullsInNewValuesAreDropped() {
        ObjectNode result = patchPod("{'metadata':{'labels':{'tier':null,'new':'v'},'annotations':{'a':'1','b':null}}}");
        assertThat(result.at("/metadata/labels")).isEqualTo(json("{'app':'web','new':'v'}"));
        assertThat(result.at("/metadata/annotations")).isEqualTo(json("{'a':'1'}"));
    }

    @Test
    void finalizersMergeAsASetAndDeleteFromPrimitiveListRemoves() {
        ObjectNode merged = patchPod("{'metadata':{'finalizers':['b/two','c/three']}}");
        assertThat(names(merged.at("/metadata/finalizers"), "")).hasSize(3);
        assertThat(merged.at("/metadata/finalizers").toString()).isEqualTo("[\"a/one\",\"b/two\",\"c/three\"]");

        ObjectNode removed = patchPod("{'metadata':{'$deleteFromPrimitiveList/finalizers':['a/one']}}");
        assertThat(removed.at("/metadata/finalizers").toString()).isEqualTo("[\"b/two\"]");
    }

    @Test
    void atomicListsLikeTolerationsAreReplacedWhole() {
        ObjectNode result = patchPod("{'spec':{'tolerations':[{'key':'k2','operator':'Exists'}]}}");
        assertThat(names(result.at("/spec/tolerations"), "key")).containsExactly("k2");
    }

    @Test
    void retainKeysClearsTheVolumeSourceThePatchDoesNotName() {
        ObjectNode kept = patchPod("{'spec':{'volumes':[{'name':'data','hostPath':{'path':'/x'}}]}}");
        assertThat(kept.at("/spec/volumes/0").has("emptyDir")).as("merged without the directive").isTrue();

        ObjectNode switched = patchPod("{'spec':{'volumes':[{'name':'data','hostPath':{'path':'/x'},'$retainKeys':['name','hostPath']}]}}");
        assertThat(switched.at("/spec/volumes/0")).isEqualTo(json("{'name':'data','hostPath':{'path':'/x'}}"));
    }

    @Test
    void retainKeysOnTheDeploymentStrategy() {
        Deployment deployment = new DeploymentBuilder().withNewMetadata().withName("d").endMetadata().withNewSpec()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate().withNewMaxSurge(1).endRollingUpdate().endStrategy()
                .endSpec().build();
        ObjectNode result = StrategicMergePatch.apply(JSON.valueToTree(deployment),
                json("{'spec':{'strategy':{'type':'Recreate','$retainKeys':['type']}}}"), PatchMeta.forType(Deployment.class));
        assertThat(result.at("/spec/strategy")).isEqualTo(json("{'type':'Recreate'}"));
    }

    @Test
    void setElementOrderReordersTheList() {
        ObjectNode result = patchPod("{'spec':{'$setElementOrder/containers':[{'name':'logger'},{'name':'app'},{'name':'sidecar'}],"
                + "'containers':[{'name':'app','image':'app:2'}]}}");
        JsonNode containers = result.at("/spec/containers");
        assertThat(names(containers, "name")).containsExactly("logger", "app", "sidecar");
        assertThat(containers.get(1).get("image").asText()).isEqualTo("app:2");

        ObjectNode finalizers = patchPod("{'metadata':{'$setElementOrder/finalizers':['b/two','a/one']}}");
        assertThat(finalizers.at("/metadata/finalizers").toString()).isEqualTo("[\"b/two\",\"a/one\"]");
    }

    @Test
    void configMapDataMergesAsAMap() {
        ConfigMap cm = new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName("c").endMetadata()
                .addToData("a", "1").addToData("b", "2").build();
        ObjectNode result = StrategicMergePatch.apply(JSON.valueToTree(cm), json("{'data':{'b':null,'c':'3'}}"),
                PatchMeta.forType(ConfigMap.class));
        assertThat(result.get("data")).isEqualTo(json("{'a':'1','c':'3'}"));
    }

    @Test
    void inputsAreNotModified() {
        ObjectNode original = pod();
        ObjectNode patch = json("{'spec':{'containers':[{'name':'app','$patch':'delete'}]}}");
        ObjectNode originalCopy = original.deepCopy();
        ObjectNode patchCopy = patch.deepCopy();
        StrategicMergePatch.apply(original, patch, POD);
        assertThat(original).isEqualTo(originalCopy);
        assertThat(patch).isEqualTo(patchCopy);
    }

    private static ObjectNode podWithContainers(String... names) {
        var spec = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec();
        for (String name : names) {
            spec = spec.addNewContainer().withName(name).withImage(name + ":1").endContainer();
        }
        return JSON.valueToTree(spec.endSpec().build());
    }

    private static List<String> containerOrder(ObjectNode original, String patch) {
        return names(StrategicMergePatch.apply(original, json(patch), POD).at("/spec/containers"), "name");
    }

    @Test
    void setElementOrderKeepsServerOnlyElementsAfterTheirLivePredecessor() {
        assertThat(containerOrder(podWithContainers("a", "b", "x", "y", "z", "c", "d"),
                "{'spec':{'$setElementOrder/containers':[{'name':'b'},{'name':'a'},{'name':'d'},{'name':'c'}]}}"))
                .containsExactly("b", "a", "x", "y", "z", "d", "c");
        assertThat(containerOrder(podWithContainers("a", "c", "d", "b", "z"),
                "{'spec':{'$setElementOrder/containers':[{'name':'d'},{'name':'b'},{'name':'c'},{'name':'a'}]}}"))
                .containsExactly("d", "b", "c", "a", "z");
    }

    @Test
    void setElementOrderPlacesNewElements() {
        assertThat(containerOrder(podWithContainers("a", "b"),
                "{'spec':{'$setElementOrder/containers':[{'name':'a'},{'name':'n'},{'name':'b'},{'name':'m'}],"
                        + "'containers':[{'name':'n','image':'n'},{'name':'m','image':'m'}]}}"))
                .containsExactly("a", "n", "b", "m");
        assertThatThrownBy(() -> containerOrder(podWithContainers("a", "b"),
                "{'spec':{'$setElementOrder/containers':[{'name':'a'}],'containers':[{'name':'n','image':'n'}]}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(500);
                    assertThat(e.getMessage()).startsWith("The order in patch list:");
                });
    }

    @Test
    void deleteFromPrimitiveListOfAMissingItemOrListAddsNothing() {
        assertThat(patchPod("{'metadata':{'$deleteFromPrimitiveList/finalizers':['nope']}}").at("/metadata/finalizers").toString())
                .isEqualTo("[\"a/one\",\"b/two\"]");
        assertThat(patchPod("{'spec':{'$deleteFromPrimitiveList/nodeSelector':['x']}}").at("/spec").has("nodeSelector")).isFalse();
    }

    @Test
    void malformedDirectivesAreBadRequestsWithUpstreamsMessages() {
        assertThatThrownBy(() -> patchPod("{'spec':{'volumes':[{'name':'data','$retainKeys':'name'}]}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("invalid patch format of retainKeys");
                });
        assertThatThrownBy(() -> patchPod("{'spec':{'volumes':[{'name':'data','hostPath':{'path':'/x'},'$retainKeys':['name']}]}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400));
        assertThatThrownBy(() -> patchPod("{'metadata':{'$deleteFromPrimitiveListfinalizers':['a/one']}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("invalid patch format of primitive list");
                });
        assertThatThrownBy(() -> patchPod("{'spec':{'$setElementOrder':[]}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).isEqualTo("invalid patch format of setElementOrder list"));
    }

    @Test
    void otherFailuresAreServerErrorsWithUpstreamsMessages() {
        assertThatThrownBy(() -> patchPod("{'spec':{'containers':[{'image':'x'}]}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(500);
                    assertThat(e.reason()).isNull();
                    assertThat(e.getMessage()).isEqualTo("map: map[image:x] does not contain declared merge key: name");
                });
        assertThatThrownBy(() -> patchPod("{'spec':{'containers':[{'name':'app','$patch':'bogus'}]}}"))
                .isInstanceOfSatisfying(ApiException.class, e ->
                        assertThat(e.getMessage()).isEqualTo("unknown patch type: bogus in map: map[$patch:bogus name:app]"));
        assertThatThrownBy(() -> patchPod("{'spec':{'containers':[{'name':'app','$patch':'merge'}]}}"))
                .isInstanceOfSatisfying(ApiException.class, e ->
                        assertThat(e.getMessage()).isEqualTo("merging lists cannot yet be specified in the patch"));
        assertThatThrownBy(() -> patchPod("{'metadata':{'finalizers':[1]}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).startsWith("list element types are not identical"));
        assertThatThrownBy(() -> StrategicMergePatch.apply(json("{'metadata':{'finalizers':[]}}"), json("{'metadata':{'finalizers':[['x']]}}"), POD))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(422);
                    assertThat(e.getMessage()).isEqualTo("the server rejected our request due to an error in our request");
                });
    }
}
