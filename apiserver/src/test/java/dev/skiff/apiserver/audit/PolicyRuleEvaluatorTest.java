package dev.skiff.apiserver.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.request.RequestInfo;
import dev.skiff.apiserver.request.RequestInfoResolver;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyRuleEvaluatorTest {
    private static final UserInfo ALICE = new UserInfo("alice", List.of("devs", "system:authenticated"));
    private static final UserInfo BOB = new UserInfo("bob", List.of("ops"));

    private static RequestInfo request(String method, String path) {
        return RequestInfoResolver.resolve(method, path, Map.of());
    }

    private static Level level(String rules, UserInfo user, RequestInfo request) {
        return new PolicyRuleEvaluator(Policy.parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n" + rules)).evaluate(user, request).level();
    }

    private static final RequestInfo GET_POD = request("GET", "/api/v1/namespaces/prod/pods/web");
    private static final RequestInfo POD_LOG = request("GET", "/api/v1/namespaces/prod/pods/web/log");
    private static final RequestInfo POD_STATUS = request("PUT", "/api/v1/namespaces/prod/pods/web/status");
    private static final RequestInfo LIST_DEPLOYMENTS = request("GET", "/apis/apps/v1/namespaces/dev/deployments");
    private static final RequestInfo GET_NODE = request("GET", "/api/v1/nodes/n1");
    private static final RequestInfo HEALTHZ = request("GET", "/healthz/etcd");

    @Test
    void theFirstMatchingRuleWinsAndNoMatchIsNone() {
        String rules = "- {level: Request, users: [alice]}\n- {level: RequestResponse}\n";
        assertThat(level(rules, ALICE, GET_POD)).isEqualTo(Level.Request);
        assertThat(level(rules, BOB, GET_POD)).isEqualTo(Level.RequestResponse);
        assertThat(level("- {level: Metadata, users: [carol]}\n", ALICE, GET_POD)).isEqualTo(Level.None);
    }

    @Test
    void usersAndGroupsMatchByNameAndAnyGroupAndNeverWithoutAUser() {
        assertThat(level("- {level: Metadata, users: [alice]}", ALICE, GET_POD)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, users: [alice]}", BOB, GET_POD)).isEqualTo(Level.None);
        assertThat(level("- {level: Metadata, userGroups: [ops, devs]}", ALICE, GET_POD)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, userGroups: [admins]}", ALICE, GET_POD)).isEqualTo(Level.None);
        assertThat(level("- {level: Metadata, userGroups: [devs]}", null, GET_POD)).isEqualTo(Level.None);
        assertThat(level("- {level: Metadata}", null, GET_POD)).isEqualTo(Level.Metadata);
    }

    @Test
    void verbsAreTheRequestInfoVerbs() {
        assertThat(level("- {level: Metadata, verbs: [list]}", ALICE, LIST_DEPLOYMENTS)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, verbs: [get]}", ALICE, LIST_DEPLOYMENTS)).isEqualTo(Level.None);
        assertThat(level("- {level: Metadata, verbs: [update]}", ALICE, POD_STATUS)).isEqualTo(Level.Metadata);
    }

    @Test
    void resourcesMatchGroupResourceSubresourceWildcardsAndNames() {
        assertThat(level("- {level: Metadata, resources: [{group: '', resources: [pods]}]}", ALICE, GET_POD)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, resources: [{group: '', resources: [pods]}]}", ALICE, POD_LOG))
                .as("a subresource needs pods/log").isEqualTo(Level.None);
        assertThat(level("- {level: Metadata, resources: [{group: '', resources: [pods/log]}]}", ALICE, POD_LOG)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, resources: [{group: '', resources: ['*/status']}]}", ALICE, POD_STATUS)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, resources: [{group: '', resources: ['*/status']}]}", ALICE, POD_LOG)).isEqualTo(Level.None);
        assertThat(level("- {level: Metadata, resources: [{group: '', resources: ['pods/*']}]}", ALICE, POD_LOG)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, resources: [{group: '', resources: ['*']}]}", ALICE, POD_LOG)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, resources: [{group: '', resources: ['*']}]}", ALICE, LIST_DEPLOYMENTS))
                .as("another group").isEqualTo(Level.None);
        assertThat(level("- {level: Metadata, resources: [{group: apps}]}", ALICE, LIST_DEPLOYMENTS)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, resources: [{group: '', resources: [pods], resourceNames: [web]}]}", ALICE, GET_POD))
                .isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, resources: [{group: '', resources: [pods], resourceNames: [db]}]}", ALICE, GET_POD))
                .isEqualTo(Level.None);
        assertThat(level("- {level: Metadata, resources: [{group: '', resources: [pods]}]}", ALICE, HEALTHZ))
                .as("never a non-resource request").isEqualTo(Level.None);
    }

    @Test
    void namespacesMatchAndTheEmptyOneIsClusterScope() {
        assertThat(level("- {level: Metadata, namespaces: [prod]}", ALICE, GET_POD)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, namespaces: [prod]}", ALICE, LIST_DEPLOYMENTS)).isEqualTo(Level.None);
        assertThat(level("- {level: Metadata, namespaces: ['']}", ALICE, GET_NODE)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, namespaces: [prod]}", ALICE, HEALTHZ)).isEqualTo(Level.None);
    }

    @Test
    void nonResourceUrlsMatchExactlyOrByTrailingStar() {
        assertThat(level("- {level: Metadata, nonResourceURLs: [/healthz/etcd]}", ALICE, HEALTHZ)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, nonResourceURLs: ['/healthz*']}", ALICE, HEALTHZ)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, nonResourceURLs: ['*']}", ALICE, HEALTHZ)).isEqualTo(Level.Metadata);
        assertThat(level("- {level: Metadata, nonResourceURLs: [/healthz]}", ALICE, HEALTHZ)).isEqualTo(Level.None);
        assertThat(level("- {level: Metadata, nonResourceURLs: ['*']}", ALICE, GET_POD)).isEqualTo(Level.None);
    }

    @Test
    void omitStagesAreThePolicysAndTheRulesAndManagedFieldsTheRulesFirst() {
        var policy = Policy.parse("""
                apiVersion: audit.k8s.io/v1
                kind: Policy
                omitStages: [RequestReceived]
                omitManagedFields: true
                rules:
                - {level: Metadata, users: [alice], omitStages: [ResponseStarted], omitManagedFields: false}
                - {level: Request, users: [bob]}
                """);
        var evaluator = new PolicyRuleEvaluator(policy);
        var alice = evaluator.evaluate(ALICE, GET_POD);
        assertThat(alice.omitStages()).isEqualTo(Set.of(Stage.RequestReceived, Stage.ResponseStarted));
        assertThat(alice.omitManagedFields()).isFalse();
        var bob = evaluator.evaluate(BOB, GET_POD);
        assertThat(bob.level()).isEqualTo(Level.Request);
        assertThat(bob.omitStages()).isEqualTo(Set.of(Stage.RequestReceived));
        assertThat(bob.omitManagedFields()).isTrue();
        assertThat(evaluator.evaluate(new UserInfo("carol", List.of()), GET_POD).level()).isEqualTo(Level.None);
    }
}
