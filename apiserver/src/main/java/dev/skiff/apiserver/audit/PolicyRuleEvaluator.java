package dev.skiff.apiserver.audit;

import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.request.RequestInfo;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which level and stages a request is audited at (upstream's policy.Checker): the first rule that
 * matches wins; no match is level None with the policy's own omitStages.
 */
final class PolicyRuleEvaluator {
    /** What one request is audited with. */
    record RequestAuditConfig(Level level, Set<Stage> omitStages, boolean omitManagedFields) {
    }

    private final Policy policy;

    PolicyRuleEvaluator(Policy policy) {
        this.policy = policy;
    }

    /** {@code user} null: a request whose authentication failed. */
    RequestAuditConfig evaluate(UserInfo user, RequestInfo request) {
        for (var rule : policy.rules()) {
            if (matches(rule, user, request)) {
                var omit = EnumSet.noneOf(Stage.class);
                omit.addAll(policy.omitStages());
                omit.addAll(rule.omitStages());
                boolean omitManaged = rule.omitManagedFields() != null ? rule.omitManagedFields() : policy.omitManagedFields();
                return new RequestAuditConfig(rule.level(), omit, omitManaged);
            }
        }
        return new RequestAuditConfig(Level.None, policy.omitStages(), policy.omitManagedFields());
    }

    static boolean matches(Policy.PolicyRule rule, UserInfo user, RequestInfo request) {
        if (!rule.users().isEmpty() && (user == null || !rule.users().contains(user.name()))) {
            return false;
        }
        if (!rule.userGroups().isEmpty() && (user == null || user.groups().stream().noneMatch(rule.userGroups()::contains))) {
            return false;
        }
        if (!rule.verbs().isEmpty() && !rule.verbs().contains(request.verb())) {
            return false;
        }
        if (!rule.namespaces().isEmpty() || !rule.resources().isEmpty()) {
            return matchesResource(rule, request);
        }
        if (!rule.nonResourceURLs().isEmpty()) {
            return !request.resourceRequest() && rule.nonResourceURLs().stream().anyMatch(spec -> pathMatches(request.path(), spec));
        }
        return true;
    }

    private static boolean pathMatches(String path, String spec) {
        return spec.equals("*") || spec.equals(path)
                || (spec.endsWith("*") && path.startsWith(spec.substring(0, spec.length() - 1)));
    }

    private static boolean matchesResource(Policy.PolicyRule rule, RequestInfo request) {
        if (!request.resourceRequest()) {
            return false;
        }
        // cluster-scoped resources have the empty namespace, which a rule may name
        if (!rule.namespaces().isEmpty() && !rule.namespaces().contains(request.namespace())) {
            return false;
        }
        if (rule.resources().isEmpty()) {
            return true;
        }
        String resource = request.resource();
        String subresource = request.subresource();
        String combined = subresource.isEmpty() ? resource : resource + "/" + subresource;
        for (var group : rule.resources()) {
            if (!group.group().equals(request.apiGroup())) {
                continue;
            }
            if (group.resources().isEmpty()) {
                return true;
            }
            if (!group.resourceNames().isEmpty() && !group.resourceNames().contains(request.name())) {
                continue;
            }
            for (String spec : group.resources()) {
                if (spec.equals("*") || spec.equals(combined)
                        || (!subresource.isEmpty() && spec.startsWith("*/") && spec.substring(2).equals(subresource))
                        || (spec.endsWith("/*") && spec.substring(0, spec.length() - 2).equals(resource))) {
                    return true;
                }
            }
        }
        return false;
    }
}
