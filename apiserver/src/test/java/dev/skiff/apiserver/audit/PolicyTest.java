package dev.skiff.apiserver.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyTest {
    private static final String HEAD = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";

    @Test
    void readsRulesStagesAndManagedFieldsAsWritten() {
        var policy = Policy.parse(HEAD + """
                omitStages: [RequestReceived]
                omitManagedFields: true
                rules:
                - level: RequestResponse
                  users: [alice]
                  userGroups: [devs]
                  verbs: [create, patch]
                  resources:
                  - group: ""
                    resources: [pods, pods/log]
                    resourceNames: [web]
                  - group: apps
                  namespaces: [prod]
                  omitStages: [ResponseStarted]
                  omitManagedFields: false
                - level: Metadata
                  nonResourceURLs: ["/healthz*"]
                """);
        assertThat(policy.omitStages()).containsExactly(Stage.RequestReceived);
        assertThat(policy.omitManagedFields()).isTrue();
        var first = policy.rules().getFirst();
        assertThat(first.level()).isEqualTo(Level.RequestResponse);
        assertThat(first.users()).containsExactly("alice");
        assertThat(first.userGroups()).containsExactly("devs");
        assertThat(first.verbs()).containsExactly("create", "patch");
        assertThat(first.resources()).containsExactly(new Policy.GroupResources("", List.of("pods", "pods/log"), List.of("web")),
                new Policy.GroupResources("apps", List.of(), List.of()));
        assertThat(first.namespaces()).containsExactly("prod");
        assertThat(first.omitStages()).isEqualTo(Set.of(Stage.ResponseStarted));
        assertThat(first.omitManagedFields()).isFalse();
        assertThat(policy.rules().get(1).nonResourceURLs()).containsExactly("/healthz*");
        assertThat(policy.rules().get(1).omitManagedFields()).isNull();
    }

    @Test
    void anOlderVersionIsStillRead() {
        assertThat(Policy.parse("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: Metadata}]").rules()).hasSize(1);
    }

    @Test
    void invalidRulesAreRefusedWithUpstreamsMessages() {
        assertThatThrownBy(() -> Policy.parse(HEAD + "rules: [{level: Everything}]")).hasMessage(
                "rules[0].level: Unsupported value: \"Everything\": supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"");
        assertThatThrownBy(() -> Policy.parse(HEAD + "rules: [{verbs: [get]}]")).hasMessage("rules[0].level: Required value");
        assertThatThrownBy(() -> Policy.parse(HEAD + "rules: [{level: None, nonResourceURLs: [healthz]}]")).hasMessage(
                "rules[0].nonResourceURLs[0]: Invalid value: \"healthz\": non-resource URL rules must begin with a '/' character");
        assertThatThrownBy(() -> Policy.parse(HEAD + "rules: [{level: None, nonResourceURLs: ['/a*b']}]")).hasMessage(
                "rules[0].nonResourceURLs[0]: Invalid value: \"/a*b\": non-resource URL wildcards '*' must be the final character of the rule");
        assertThatThrownBy(() -> Policy.parse(HEAD + "rules: [{level: None, nonResourceURLs: ['/a'], namespaces: [x]}]")).hasMessage(
                "rules[0].nonResourceURLs: Invalid value: []string{\"/a\"}: rules cannot apply to both regular resources and non-resource URLs");
        assertThatThrownBy(() -> Policy.parse(HEAD + "rules: [{level: None, resources: [{group: '', resourceNames: [x]}]}]")).hasMessage(
                "rules[0].resources.resourceNames: Invalid value: []string{\"x\"}: using resourceNames requires at least one resource");
        assertThatThrownBy(() -> Policy.parse(HEAD + "rules: [{level: None, resources: [{group: 'Apps/v1'}]}]"))
                .hasMessageStartingWith("rules[0].resources.group: Invalid value: \"Apps/v1\": a lowercase RFC 1123 subdomain");
        assertThatThrownBy(() -> Policy.parse(HEAD + "rules: [{level: None, omitStages: [Done]}]")).hasMessage(
                "rules[0].omitStages[0]: Invalid value: \"Done\": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic");
        assertThatThrownBy(() -> Policy.parse(HEAD + "rules: [{level: Loud}, {}]")).hasMessageStartingWith("[rules[0].level: Unsupported value")
                .hasMessageEndingWith(", rules[1].level: Required value]");
    }

    @Test
    void aPolicyWithoutRulesOrOfAnotherKindIsRefused() {
        assertThatThrownBy(() -> Policy.parse(HEAD)).hasMessage("loaded illegal policy with 0 rules");
        assertThatThrownBy(() -> Policy.parse("apiVersion: v1\nkind: ConfigMap\n")).hasMessage("unknown group version field /v1, Kind=ConfigMap in policy");
        assertThatThrownBy(() -> Policy.parse("rules: []")).hasMessage("failed decoding: Object 'Kind' is missing");
        assertThatThrownBy(() -> Policy.parse("rules: [")).hasMessageStartingWith("failed decoding: ");
    }

    @Test
    void aFileNamesItselfInTheError(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.yaml");
        assertThatThrownBy(() -> Policy.read(missing)).hasMessage("failed to read file path \"" + missing + "\": open " + missing
                + ": no such file or directory");
        Path empty = Files.writeString(dir.resolve("empty.yaml"), HEAD + "rules: []\n");
        assertThatThrownBy(() -> Policy.read(empty)).hasMessage("loaded illegal policy with 0 rules: from file " + empty);
    }
}
