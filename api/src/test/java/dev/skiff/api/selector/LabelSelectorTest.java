package dev.skiff.api.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LabelSelectorTest {

    private static ApiException rejected(String selector) {
        try {
            LabelSelector.parse(selector);
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("accepted: " + selector);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "x=a,y=b,z=c                 | x=a,y=b,z=c",
            "x==a                         | x==a",
            "x!=a                         | x!=a",
            "x in (a,b)                   | x in (a,b)",
            "x notin (b , a)              | x notin (a,b)",
            "'  x  '                      | x",
            "!x                           | !x",
            "'! x'                        | !x",
            "x=                           | x=",
            "x in ()                      | x in ()",
            "x in (a,,b)                  | x in (,a,b)",
            "x>1                          | x>1",
            "x<2                          | x<2",
            "z,a=b                        | a=b,z",
            "example.com/app=web          | example.com/app=web",
            "in in (in)                   | in in (in)",
            "'x\tin\n(a)'                 | x in (a)",
    })
    void parsesUpstreamSyntaxToItsCanonicalForm(String input, String canonical) {
        assertThat(LabelSelector.parse(input).toString()).isEqualTo(canonical);
    }

    @Test
    void emptyOrNullSelectsEverything() {
        assertThat(LabelSelector.parse("").isEmpty()).isTrue();
        assertThat(LabelSelector.parse(null).matches(Map.of("a", "b"))).isTrue();
    }

    @Test
    void matchesAsUpstreamDefinesEachOperator() {
        Map<String, String> labels = Map.of("app", "web", "tier", "front", "n", "5");
        assertThat(LabelSelector.parse("app=web").matches(labels)).isTrue();
        assertThat(LabelSelector.parse("app=db").matches(labels)).isFalse();
        assertThat(LabelSelector.parse("app!=db").matches(labels)).isTrue();
        assertThat(LabelSelector.parse("missing!=x").matches(labels)).isTrue();
        assertThat(LabelSelector.parse("tier in (front,back)").matches(labels)).isTrue();
        assertThat(LabelSelector.parse("tier notin (front)").matches(labels)).isFalse();
        assertThat(LabelSelector.parse("missing notin (x)").matches(labels)).isTrue();
        assertThat(LabelSelector.parse("missing in (x)").matches(labels)).isFalse();
        assertThat(LabelSelector.parse("app").matches(labels)).isTrue();
        assertThat(LabelSelector.parse("!app").matches(labels)).isFalse();
        assertThat(LabelSelector.parse("!missing").matches(labels)).isTrue();
        assertThat(LabelSelector.parse("n>4,n<6").matches(labels)).isTrue();
        assertThat(LabelSelector.parse("app>4").matches(labels)).isFalse();
        assertThat(LabelSelector.parse("app=web,tier=back").matches(labels)).isFalse();
        assertThat(LabelSelector.parse("missing=").matches(labels)).isFalse();
        assertThat(LabelSelector.parse("x in ()").matches(Map.of("x", ""))).isTrue();
    }

    @Test
    void rejectsBadSyntaxWithUpstreamMessagesAs400() {
        ApiException e = rejected("a b");
        assertThat(e.code()).isEqualTo(400);
        assertThat(e.reason()).isEqualTo("BadRequest");
        assertThat(e.getMessage()).isEqualTo("unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
        assertThat(rejected("x in (a").getMessage()).isEqualTo("unable to parse requirement: found '', expected: ',' or ')'");
        assertThat(rejected("x in a").getMessage()).isEqualTo("unable to parse requirement: found 'a' expected: '('");
        assertThat(rejected("x=a,").getMessage()).isEqualTo("found '', expected: identifier after ','");
        assertThat(rejected("x=a y").getMessage()).isEqualTo("found 'y', expected: ',' or 'end of string'");
        assertThat(rejected(",x").getMessage()).isEqualTo("found ',', expected: !, identifier, or 'end of string'");
        assertThat(rejected("!").getMessage()).isEqualTo("unable to parse requirement: found '', expected: identifier");
        assertThat(rejected("x=(").getMessage()).isEqualTo("unable to parse requirement: found '(', expected: identifier");
        assertThat(rejected("x>a").getMessage()).isEqualTo(
                "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer");
    }

    @Test
    void rejectsAnInvalidKeyWithTheQualifiedNameRules() {
        assertThat(rejected("-bad=x").getMessage()).isEqualTo("unable to parse requirement: <nil>: Invalid value: \"-bad\": "
                + "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                + "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                + "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
        assertThat(rejected("a/b/c").getMessage()).contains("a qualified name must consist of");
        assertThat(rejected("/a").getMessage()).contains("prefix part must be non-empty");
    }

    @Test
    void rejectsAnInvalidValueNamingItsKey() {
        assertThat(rejected("app=-web").getMessage()).startsWith(
                "unable to parse requirement: values[0][app]: Invalid value: \"-web\": a valid label must be an empty string");
        assertThat(rejected("app=" + "v".repeat(64)).getMessage()).contains("must be no more than 63 characters");
    }

    @Test
    void buildsFromAnObjectSelectorAsLabelSelectorAsSelector() {
        var selector = LabelSelector.from(new LabelSelectorBuilder()
                .addToMatchLabels("app", "web")
                .addNewMatchExpression().withKey("tier").withOperator("In").withValues("front", "back").endMatchExpression()
                .addNewMatchExpression().withKey("canary").withOperator("DoesNotExist").endMatchExpression()
                .addNewMatchExpression().withKey("zone").withOperator("Exists").endMatchExpression()
                .addNewMatchExpression().withKey("env").withOperator("NotIn").withValues("dev").endMatchExpression()
                .build());
        assertThat(selector.toString()).isEqualTo("app=web,!canary,env notin (dev),tier in (back,front),zone");
        assertThat(selector.matches(Map.of("app", "web", "tier", "back", "zone", "a"))).isTrue();
        assertThat(selector.matches(Map.of("app", "web", "tier", "back", "zone", "a", "canary", "1"))).isFalse();
    }

    @Test
    void nullObjectSelectorMatchesNothingAndEmptyMatchesEverything() {
        assertThat(LabelSelector.from(null).matches(Map.of())).isFalse();
        assertThat(LabelSelector.from(new LabelSelectorBuilder().build()).matches(Map.of("a", "b"))).isTrue();
    }

    @Test
    void rejectsAnObjectSelectorWithAnUnknownOperatorOrMissingValues() {
        assertThatThrownBy(() -> LabelSelector.from(new LabelSelectorBuilder()
                .addNewMatchExpression().withKey("a").withOperator("Equals").withValues("x").endMatchExpression().build()))
                .isInstanceOf(ApiException.class).hasMessage("\"Equals\" is not a valid label selector operator");
        assertThatThrownBy(() -> LabelSelector.from(new LabelSelectorBuilder()
                .addNewMatchExpression().withKey("a").withOperator("In").endMatchExpression().build()))
                .isInstanceOf(ApiException.class)
                .hasMessage("values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty");
        assertThatThrownBy(() -> LabelSelector.from(new LabelSelectorBuilder()
                .addNewMatchExpression().withKey("a").withOperator("Exists").withValues("x").endMatchExpression().build()))
                .hasMessageContaining("values set must be empty for exists and does not exist");
        assertThatThrownBy(() -> LabelSelector.from(new LabelSelectorBuilder().addToMatchLabels("bad key", "v").build()))
                .hasMessageStartingWith("key: Invalid value: \"bad key\": name part must consist of");
    }

    @Test
    void aDoubleCommaInAValueListSwallowsTheSecondCommaAsInV133() {
        assertThat(LabelSelector.parse("x in (a,,b)").toString()).isEqualTo("x in (,a,b)");
        assertThat(rejected("x in (a,,)").getMessage()).isEqualTo("unable to parse requirement: found ')', expected: ',', or identifier");
    }

    @Test
    void requirementsAreSortedByKey() {
        assertThat(LabelSelector.parse("b=1,a=2").requirements()).extracting(Requirement::key).isEqualTo(List.of("a", "b"));
    }
}
