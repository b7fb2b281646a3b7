package dev.skiff.api.selector;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.skiff.api.errors.ApiException;
import java.util.Map;

/**
 * Coverage-guided fuzzing of both selector parsers. Invariant: any input either parses or is
 * rejected with a 400 ApiException - never another exception (an index error, a stack overflow).
 * In a plain test run Jazzer replays the seeds in SelectorParsersFuzzTestInputs/ (regression
 * mode, milliseconds); set JAZZER_FUZZ=1 to fuzz for real.
 */
class SelectorParsersFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void labelSelectorParsesOrRejectsWithBadRequest(FuzzedDataProvider data) {
        String input = data.consumeRemainingAsString();
        try {
            LabelSelector selector = LabelSelector.parse(input);
            selector.matches(Map.of("a", "b", "x", "1"));
            // the canonical form parses to the same selector
            assertThat(LabelSelector.parse(selector.toString())).isEqualTo(selector);
        } catch (ApiException e) {
            assertThat(e.code()).isEqualTo(400);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void fieldSelectorParsesOrRejectsWithBadRequest(FuzzedDataProvider data) {
        boolean checkFields = data.consumeBoolean();
        String input = data.consumeRemainingAsString();
        try {
            FieldSelector selector = checkFields
                    ? FieldSelector.parse(input, SelectableFields.forResource("", "pods", true))
                    : FieldSelector.parse(input);
            selector.matches(Map.of("metadata.name", "x"));
            assertThat(FieldSelector.parse(selector.toString()).requirements())
                    .containsExactlyInAnyOrderElementsOf(selector.requirements());
        } catch (ApiException e) {
            assertThat(e.code()).isEqualTo(400);
        }
    }
}
