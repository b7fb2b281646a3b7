package dev.skiff.apiserver.admission.podsecurity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.validation.NameFormats;
import dev.skiff.apiserver.admission.podsecurity.Policy.Level;
import dev.skiff.apiserver.admission.podsecurity.Policy.LevelVersion;
import dev.skiff.apiserver.admission.podsecurity.Policy.Version;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The PodSecurity plugin's configuration (pod-security.admission.config.k8s.io/v1
 * PodSecurityConfiguration, given in the admission configuration file): the policy of namespaces
 * without labels (privileged at latest for each mode unless set) and the exemptions - requests by
 * these usernames, objects in these namespaces, pods of these runtime classes are not checked.
 */
public record PodSecurityConfiguration(Policy defaults, Set<String> usernames, Set<String> runtimeClasses, Set<String> namespaces) {
    public static final PodSecurityConfiguration DEFAULT = new PodSecurityConfiguration(Policy.DEFAULT, Set.of(), Set.of(), Set.of());
    static final Set<String> API_VERSIONS = Set.of("pod-security.admission.config.k8s.io/v1",
            "pod-security.admission.config.k8s.io/v1beta1", "pod-security.admission.config.k8s.io/v1alpha1");

    public PodSecurityConfiguration {
        usernames = Set.copyOf(usernames);
        runtimeClasses = Set.copyOf(runtimeClasses);
        namespaces = Set.copyOf(namespaces);
    }

    /**
     * Reads the configuration object; throws IllegalArgumentException with every problem, worded as
     * upstream's ValidatePodSecurityConfiguration ("defaults.enforce: Invalid value: ...").
     */
    public static PodSecurityConfiguration from(JsonNode node) {
        String apiVersion = node.path("apiVersion").asText("");
        String kind = node.path("kind").asText("");
        if (!API_VERSIONS.contains(apiVersion) || !kind.equals("PodSecurityConfiguration")) {
            throw new IllegalArgumentException("expected PodSecurityConfiguration in one of " + API_VERSIONS.stream().sorted().toList()
                    + ", got kind \"" + kind + "\" apiVersion \"" + apiVersion + "\"");
        }
        List<String> errors = new ArrayList<>();
        JsonNode defaults = node.path("defaults");
        LevelVersion enforce = levelVersion(defaults, "enforce", errors);
        LevelVersion warn = levelVersion(defaults, "warn", errors);
        LevelVersion audit = levelVersion(defaults, "audit", errors);
        JsonNode exemptions = node.path("exemptions");
        Set<String> namespaces = names(exemptions, "namespaces", NameFormats::isDns1123Label, errors);
        Set<String> runtimeClasses = names(exemptions, "runtimeClasses", NameFormats::isDns1123Subdomain, errors);
        Set<String> usernames = names(exemptions, "usernames", v -> v.isEmpty() ? List.of("username must not be empty") : List.of(), errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(errors.size() == 1 ? errors.getFirst() : "[" + String.join(", ", errors) + "]");
        }
        return new PodSecurityConfiguration(new Policy(enforce, audit, warn), usernames, runtimeClasses, namespaces);
    }

    public boolean exemptNamespace(String namespace) {
        return namespace != null && namespaces.contains(namespace);
    }

    public boolean exemptUser(String username) {
        return username != null && usernames.contains(username);
    }

    public boolean exemptRuntimeClass(String runtimeClass) {
        return runtimeClass != null && runtimeClasses.contains(runtimeClass);
    }

    private static LevelVersion levelVersion(JsonNode defaults, String mode, List<String> errors) {
        String levelText = defaults.path(mode).asText("");
        Level level = levelText.isEmpty() ? Level.PRIVILEGED : Level.parse(levelText);
        if (level == null) {
            errors.add("defaults." + mode + ": Invalid value: \"" + levelText + "\": must be one of privileged, baseline, restricted");
        }
        String versionText = defaults.path(mode + "-version").asText("");
        Version version = versionText.isEmpty() ? Version.LATEST : Version.parse(versionText);
        if (version == null) {
            errors.add("defaults." + mode + "-version: Invalid value: \"" + versionText + "\": must be \"latest\" or \"v1.x\"");
        }
        return new LevelVersion(level == null ? Level.PRIVILEGED : level, version == null ? Version.LATEST : version);
    }

    private static Set<String> names(JsonNode exemptions, String field, java.util.function.Function<String, List<String>> check,
                                     List<String> errors) {
        Set<String> valid = new HashSet<>();
        JsonNode list = exemptions.path(field);
        for (int i = 0; i < list.size(); i++) {
            String value = list.get(i).asText("");
            String path = "exemptions." + field + "[" + i + "]";
            List<String> problems = check.apply(value);
            if (!problems.isEmpty()) {
                errors.add(path + ": Invalid value: \"" + value + "\": " + String.join(", ", problems));
            } else if (!valid.add(value)) {
                errors.add(path + ": Duplicate value: \"" + value + "\"");
            }
        }
        return valid;
    }
}
