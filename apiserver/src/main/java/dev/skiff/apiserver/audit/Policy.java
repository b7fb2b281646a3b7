package dev.skiff.apiserver.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An audit policy (audit.k8s.io/v1 Policy, kube-apiserver's --audit-policy-file): rules tried in
 * order, the first that matches a request gives its level; none matching means level None. The
 * top-level omitStages apply to every rule as well as its own; a rule's omitManagedFields, when
 * set, overrides the top-level one.
 */
public record Policy(List<PolicyRule> rules, Set<Stage> omitStages, boolean omitManagedFields) {
    static final String GROUP = "audit.k8s.io";
    /** The versions upstream still reads (v1alpha1 and v1beta1 deprecated). */
    private static final Set<String> VERSIONS = Set.of(GROUP + "/v1", GROUP + "/v1beta1", GROUP + "/v1alpha1");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    public Policy {
        rules = List.copyOf(rules);
        omitStages = Set.copyOf(omitStages);
    }

    /**
     * One rule: every field given must match (users by name, userGroups any of the user's groups,
     * verbs, resources/namespaces for resource requests, nonResourceURLs for the others).
     *
     * @param omitManagedFields null: the policy's
     */
    public record PolicyRule(Level level, List<String> users, List<String> userGroups, List<String> verbs,
                             List<GroupResources> resources, List<String> namespaces, List<String> nonResourceURLs,
                             Set<Stage> omitStages, Boolean omitManagedFields) {
        public PolicyRule {
            users = List.copyOf(users);
            userGroups = List.copyOf(userGroups);
            verbs = List.copyOf(verbs);
            resources = List.copyOf(resources);
            namespaces = List.copyOf(namespaces);
            nonResourceURLs = List.copyOf(nonResourceURLs);
            omitStages = Set.copyOf(omitStages);
        }
    }

    /** Resources of one API group ("" the core group); resources may be "pods", "pods/log", "*", "*&#47;status" or "pods/*". */
    public record GroupResources(String group, List<String> resources, List<String> resourceNames) {
        public GroupResources {
            resources = List.copyOf(resources);
            resourceNames = List.copyOf(resourceNames);
        }
    }

    /** Reads and validates a policy file; the message of the IllegalArgumentException thrown is upstream's, on one line. */
    public static Policy read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("failed to read file path \"" + file + "\": open " + file + ": no such file or directory");
        } catch (IOException e) {
            throw new IllegalArgumentException("failed to read file path \"" + file + "\": " + e.getMessage());
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + ": from file " + file);
        }
    }

    /** A policy from YAML or JSON text, validated as upstream's LoadPolicyFromBytes. */
    public static Policy parse(String text) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("failed decoding: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new IllegalArgumentException("failed decoding: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("failed decoding: Object 'Kind' is missing");
        }
        String apiVersion = root.path("apiVersion").asText("");
        String kind = root.path("kind").asText("");
        if (kind.isEmpty()) {
            throw new IllegalArgumentException("failed decoding: Object 'Kind' is missing");
        }
        if (!kind.equals("Policy") || !VERSIONS.contains(apiVersion)) {
            int slash = apiVersion.indexOf('/');
            String gv = slash < 0 ? "/" + apiVersion : apiVersion;
            throw new IllegalArgumentException("unknown group version field " + gv + ", Kind=" + kind + " in policy");
        }
        var errors = new ArrayList<String>();
        var rules = new ArrayList<PolicyRule>();
        JsonNode ruleNodes = root.path("rules");
        for (int i = 0; i < ruleNodes.size(); i++) {
            rules.add(rule(ruleNodes.get(i), "rules[" + i + "]", errors));
        }
        Set<Stage> omit = stages(root.path("omitStages"), "omitStages", errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(errors.size() == 1 ? errors.getFirst() : "[" + String.join(", ", errors) + "]");
        }
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("loaded illegal policy with 0 rules");
        }
        return new Policy(rules, omit, root.path("omitManagedFields").asBoolean(false));
    }

    private static PolicyRule rule(JsonNode node, String path, List<String> errors) {
        String levelText = node.path("level").asText("");
        Level level = null;
        if (levelText.isEmpty()) {
            errors.add(path + ".level: Required value");
        } else {
            try {
                level = Level.valueOf(levelText);
            } catch (IllegalArgumentException e) {
                errors.add(path + ".level: Unsupported value: \"" + levelText + "\": supported values: "
                        + Arrays.stream(Level.values()).map(l -> "\"" + l + "\"").collect(Collectors.joining(", ")));
            }
        }
        List<String> urls = strings(node.path("nonResourceURLs"));
        for (int i = 0; i < urls.size(); i++) {
            String url = urls.get(i);
            if (url.equals("*")) {
                continue;
            }
            if (!url.startsWith("/")) {
                errors.add(path + ".nonResourceURLs[" + i + "]: Invalid value: \"" + url + "\": non-resource URL rules must begin with a '/' character");
            }
            if (!url.isEmpty() && url.substring(0, url.length() - 1).contains("*")) {
                errors.add(path + ".nonResourceURLs[" + i + "]: Invalid value: \"" + url
                        + "\": non-resource URL wildcards '*' must be the final character of the rule");
            }
        }
        var resources = new ArrayList<GroupResources>();
        for (JsonNode gr : node.path("resources")) {
            var group = new GroupResources(gr.path("group").asText(""), strings(gr.path("resources")), strings(gr.path("resourceNames")));
            if (!group.group().isEmpty()) {
                var problems = dev.skiff.api.validation.NameFormats.isDns1123Subdomain(group.group());
                if (!problems.isEmpty()) {
                    errors.add(path + ".resources.group: Invalid value: \"" + group.group() + "\": " + String.join(",", problems));
                }
            }
            if (!group.resourceNames().isEmpty() && group.resources().isEmpty()) {
                errors.add(path + ".resources.resourceNames: Invalid value: " + goList(group.resourceNames())
                        + ": using resourceNames requires at least one resource");
            }
            resources.add(group);
        }
        Set<Stage> omit = stages(node.path("omitStages"), path + ".omitStages", errors);
        List<String> namespaces = strings(node.path("namespaces"));
        if (!urls.isEmpty() && (!resources.isEmpty() || !namespaces.isEmpty())) {
            errors.add(path + ".nonResourceURLs: Invalid value: " + goList(urls) + ": rules cannot apply to both regular resources and non-resource URLs");
        }
        JsonNode omitManaged = node.get("omitManagedFields");
        return new PolicyRule(level == null ? Level.None : level, strings(node.path("users")), strings(node.path("userGroups")),
                strings(node.path("verbs")), resources, namespaces, urls, omit,
                omitManaged == null || omitManaged.isNull() ? null : omitManaged.asBoolean());
    }

    private static Set<Stage> stages(JsonNode node, String path, List<String> errors) {
        var stages = new java.util.HashSet<Stage>();
        List<String> names = strings(node);
        for (int i = 0; i < names.size(); i++) {
            try {
                stages.add(Stage.valueOf(names.get(i)));
            } catch (IllegalArgumentException e) {
                errors.add(path + "[" + i + "]: Invalid value: \"" + names.get(i) + "\": allowed stages are "
                        + Arrays.stream(Stage.values()).map(Enum::name).collect(Collectors.joining(",")));
            }
        }
        return stages;
    }

    private static List<String> strings(JsonNode node) {
        var values = new ArrayList<String>();
        node.forEach(n -> values.add(n.asText()));
        return values;
    }

    private static String goList(List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(", ", "[]string{", "}"));
    }
}
