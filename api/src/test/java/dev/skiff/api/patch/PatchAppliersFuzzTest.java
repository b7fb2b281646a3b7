package dev.skiff.api.patch;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.jsonpatch.JsonPatch;
import dev.skiff.api.jsonpatch.JsonPatchException;
import dev.skiff.api.jsonpatch.MergePatch;
import dev.skiff.api.strategicpatch.StrategicMergePatch;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.IOException;
import java.util.Set;

/**
 * Coverage-guided fuzzing of the patch appliers. Invariants: a patch either applies, giving a
 * document that is valid JSON, or fails with the documented error type - an ApiException with
 * one of the codes kube-apiserver gives (400, 413, 422, 500) or, for a JSON patch operation that
 * does not apply, a JsonPatchException - never anything else (a class cast, an index error, a
 * stack overflow); and the inputs are never modified. In a plain test run Jazzer replays the seeds
 * in PatchAppliersFuzzTestInputs/; set JAZZER_FUZZ=1 to fuzz for real.
 */
class PatchAppliersFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> CODES = Set.of(400, 413, 422, 500);
    private static final ObjectNode POD = JSON.valueToTree(new PodBuilder()
            .withNewMetadata().withName("web").addToLabels("app", "web").withFinalizers("a/one", "b/two").endMetadata()
            .withNewSpec()
            .addNewContainer().withName("app").withImage("app:1")
            .addNewEnv().withName("MODE").withValue("prod").endEnv()
            .addNewPort().withContainerPort(80).endPort().addNewPort().withContainerPort(443).endPort()
            .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount()
            .endContainer()
            .addNewContainer().withName("sidecar").withImage("sidecar:1").endContainer()
            .addNewVolume().withName("data").withNewEmptyDir().endEmptyDir().endVolume()
            .addNewToleration().withKey("k").withOperator("Exists").endToleration()
            .endSpec().build());

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    private static void assertValidJson(JsonNode result) throws IOException {
        assertThat(JSON.readTree(JSON.writeValueAsString(result))).isEqualTo(result);
    }

    @FuzzTest(maxDuration = "30s")
    void strategicAndMergePatchesApplyOrFailWithAStatus(FuzzedDataProvider data) throws IOException {
        JsonNode patch = parse(data.consumeRemainingAsString());
        if (!(patch instanceof ObjectNode object)) {
            return;
        }
        ObjectNode before = POD.deepCopy();
        ObjectNode patchBefore = object.deepCopy();
        try {
            ObjectNode result = StrategicMergePatch.apply(POD, object, PatchMeta.forType(Pod.class));
            assertValidJson(result);
            // applying the patched object as a patch of itself is a fixed point of the merge
            assertValidJson(StrategicMergePatch.apply(result, result.deepCopy(), PatchMeta.forType(Pod.class)));
        } catch (ApiException e) {
            assertThat(CODES).contains(e.code());
        }
        assertValidJson(MergePatch.apply(POD, object));
        assertThat(POD).isEqualTo(before);
        assertThat(object).isEqualTo(patchBefore);
    }

    @FuzzTest(maxDuration = "30s")
    void jsonPatchesApplyOrFailWithTheDocumentedErrors(FuzzedDataProvider data) throws IOException {
        boolean strict = data.consumeBoolean();
        JsonNode patch = parse(data.consumeRemainingAsString());
        if (patch == null) {
            return;
        }
        ObjectNode before = POD.deepCopy();
        try {
            JsonNode result = JsonPatch.decode(patch, strict).apply(POD);
            assertValidJson(result);
        } catch (ApiException e) {
            assertThat(CODES).contains(e.code());
        } catch (JsonPatchException e) {
            assertThat(e.getMessage()).isNotEmpty();
        }
        assertThat(POD).isEqualTo(before);
    }
}
